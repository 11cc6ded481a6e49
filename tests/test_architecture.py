"""The layout is the architecture (docs/architecture.md), checked over every import in
bot/ and actions/, including those inside functions (only `if TYPE_CHECKING:` blocks
are left out): a lower layer never imports a higher one, the domain packages import
each other without cycles, Rasa is imported only in bot/rasa, and no action module
imports another but the base."""
from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

from bot.core.settings import REPO_ROOT

LAYERS: dict[str, int] = {
    "bot.core": 0,
    "bot.db": 1,
    "bot.content": 2,
    **{f"bot.{name}": 3 for name in ("enrolment", "program", "checkins", "reminders", "safety",
                                     "escalation", "privacy", "notify", "reports")},
    "bot.rasa": 4, "bot.web": 4,
    "bot.app": 5,
    "bot.processes": 6, "bot.cli": 6, "bot.__main__": 6,
}
DOMAIN = {name for name, layer in LAYERS.items() if layer == 3}


def package_of(module: str) -> str | None:
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] == "bot" and len(parts) > 1 else None


def module_name(path: Path) -> str:
    rel = path.relative_to(REPO_ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports(path: Path) -> list[tuple[str, int]]:
    """(imported module, line) for every import outside `if TYPE_CHECKING:`."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip |= {id(n) for stmt in node.body for n in ast.walk(stmt)}
    out: list[tuple[str, int]] = []
    here = module_name(path)
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            out += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against this module's package
                base = here.split(".")
                if path.name != "__init__.py":
                    base = base[:-1]
                base = base[:len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            out.append((target, node.lineno))
            out += [(f"{target}.{alias.name}", node.lineno) for alias in node.names]
    return out


def sources(folder: str) -> list[Path]:
    return [p for p in sorted((REPO_ROOT / folder).rglob("*.py"))
            if "migrations" not in p.parts]


def test_every_bot_package_has_a_layer() -> None:
    packages = {package_of(module_name(p)) for p in sources("bot")} - {None, "bot"}
    assert packages <= set(LAYERS), f"add to docs/architecture.md and LAYERS: {packages - set(LAYERS)}"
    documented = (REPO_ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    missing = [p for p in packages if f"`{p.replace('.', '/')}" not in documented]
    assert missing == [], f"not in docs/architecture.md: {missing}"


def test_no_layer_imports_a_higher_one() -> None:
    """core < db < content < domain < adapters (Rasa, web) < the composition root
    (bot.app: adapters that Rasa or aiohttp start ask it for the services) < processes
    and the CLI."""
    wrong = []
    for path in sources("bot"):
        mine = package_of(module_name(path))
        if mine not in LAYERS:
            continue
        for target, line in imports(path):
            theirs = package_of(target)
            if theirs == "bot.app" and LAYERS[mine] == LAYERS["bot.rasa"]:
                continue  # an adapter started by Rasa or aiohttp asks the root for services
            if theirs in LAYERS and LAYERS[theirs] > LAYERS[mine]:
                wrong.append(f"{path.relative_to(REPO_ROOT)}:{line}: {mine} (layer "
                             f"{LAYERS[mine]}) imports {target} (layer {LAYERS[theirs]})")
    assert wrong == []


def test_domain_packages_import_each_other_without_cycles() -> None:
    graph: dict[str, set[str]] = defaultdict(set)
    where: dict[tuple[str, str], str] = {}
    for path in sources("bot"):
        mine = package_of(module_name(path))
        for target, line in imports(path):
            theirs = package_of(target)
            if mine in DOMAIN and theirs in DOMAIN and theirs != mine:
                graph[mine].add(theirs)
                where.setdefault((mine, theirs), f"{path.relative_to(REPO_ROOT)}:{line}")
    cycles = []
    for start in sorted(graph):
        stack = [(start, [start])]
        while stack:
            node, trail = stack.pop()
            for nxt in sorted(graph[node]):
                if nxt == start:
                    cycles.append(" -> ".join([*trail, nxt]) + "  (" + ", ".join(
                        where[(a, b)] for a, b in zip(trail, [*trail[1:], nxt], strict=True))
                        + ")")
                elif nxt not in trail and len(trail) < 8:
                    stack.append((nxt, [*trail, nxt]))
    assert cycles == []


def test_rasa_is_imported_only_in_bot_rasa_and_actions_never_by_bot() -> None:
    """Rasa in bot/rasa only; rasa-sdk only in the action server's process (actions/ is
    its adapter); nothing in bot/ imports actions/."""
    wrong = []
    for path in sources("bot"):
        mine = package_of(module_name(path))
        for target, line in imports(path):
            root = target.split(".")[0]
            if ((root == "rasa" and mine != "bot.rasa") or root == "actions"
                    or (root == "rasa_sdk" and module_name(path) != "bot.processes.action_server")):
                wrong.append(f"{path.relative_to(REPO_ROOT)}:{line}: imports {target}")
    assert wrong == []


def test_action_modules_import_only_the_base() -> None:
    wrong = []
    for path in sources("actions"):
        mine = module_name(path)
        for target, line in imports(path):
            if target.startswith("actions.") and not target.startswith("actions.base") \
                    and not target.startswith(mine):
                wrong.append(f"{path.relative_to(REPO_ROOT)}:{line}: {mine} imports {target}")
    assert wrong == []
