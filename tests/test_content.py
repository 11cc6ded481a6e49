"""The CBT content: the real modules, the validator, the reloading repository, the preview."""

from __future__ import annotations

import io
import logging
import os
import re
import threading
from pathlib import Path

import pytest

from bot.content import (
    ContentError,
    ContentRepository,
    main_preview,
    main_validate,
    render_module,
    validate_tree,
)
from bot.content.validate import Problem

ROOT = Path(__file__).resolve().parents[1] / "cbt_content"

EXPECTED_MODULES = [
    "m1_connections",
    "m2_activity",
    "m3_thinking_traps",
    "m4_balanced_thinking",
    "m5_problem_solving",
    "m6_staying_well",
]


# ---------------------------------------------------------------------------
# The real content
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def program():
    return ContentRepository(ROOT).program("en")


def test_real_content_has_no_errors_or_warnings():
    problems = validate_tree(ROOT)
    assert [p.format() for p in problems if p.is_error] == []
    assert [p.format() for p in problems] == []


def test_real_program_has_the_six_modules_in_order(program):
    assert [m.id for m in program.modules] == EXPECTED_MODULES
    assert [m.order for m in program.modules] == [1, 2, 3, 4, 5, 6]
    assert program.first_module().id == "m1_connections"
    assert program.next_module("m1_connections").id == "m2_activity"
    assert program.next_module("m6_staying_well") is None


@pytest.mark.parametrize("module_id", EXPECTED_MODULES)
def test_real_module_meets_structural_minimums(program, module_id):
    module = program.module(module_id)
    types = [step.type for step in module.steps]
    assert 12 <= len(module.steps) <= 22
    assert types.count("choice") >= 2
    assert types.count("reflection") >= 1
    assert types.count("exercise") >= 1
    assert types.count("homework") >= 1
    assert types.count("message") >= 3
    assert types[-1] == "summary"
    assert types.count("summary") == 1
    assert module.title
    assert module.summary
    assert module.minutes > 0

    for step in module.steps:
        assert len(step.text) <= 600, step.id
        assert "{" not in step.text, step.id
        assert "*" not in step.text, step.id
        if step.type == "choice":
            assert len(step.options) >= 2
            for option in step.options:
                assert option.feedback.strip(), (step.id, option.id)
                assert len(option.label) <= 40
                assert len(option.feedback) <= 600
        if step.type == "exercise":
            assert step.title
            assert 2 <= len(step.fields) <= 5, step.id
            assert all(f.prompt for f in step.fields)

    gp = module.gp
    assert 3 <= len(gp.key_points) <= 6
    assert 10 <= gp.agenda_minutes <= 15
    assert gp.watch_for


def test_real_modules_point_to_help_for_dark_thoughts(program):
    # Modules that touch on very dark thoughts say where to turn, without numbers.
    for module_id in ("m1_connections", "m3_thinking_traps", "m6_staying_well"):
        text = " ".join(step.text for step in program.module(module_id).steps).lower()
        for word in ("harm", "gp", "emergency"):
            assert word in text, (module_id, word)
    # No phone numbers in modules: a separate crisis-resource file has them.
    all_text = " ".join(step.text for module in program.modules for step in module.steps)
    assert re.findall(r"\d{3,}[\d\s-]{3,}", all_text) == []


def test_real_consent():
    consent = ContentRepository(ROOT).consent("en")
    assert consent.version >= 1
    assert len(consent.text) <= 1200
    lowered = consent.text.lower()
    assert "not an emergency service" in lowered
    assert '"consent"' in lowered
    assert "stop at any time" in lowered
    assert consent.agree_label == "I agree"
    assert consent.decline_label == "Not now"
    assert consent.share_yes_label
    assert consent.share_no_label
    assert "GP" in consent.share_workbook_question


def test_module_navigation(program):
    module = program.module("m1_connections")
    assert module.first_step_id == "intro"
    assert module.next_step_id("intro") == module.steps[1].id
    assert module.next_step_id("summary") is None
    assert module.index_of("summary") == len(module.steps) - 1
    quiz = module.step("quiz_example")
    assert module.next_step_id("quiz_example", quiz.options[0].id) == "cycle"
    with pytest.raises(KeyError):
        module.step("nope")
    with pytest.raises(KeyError):
        program.module("nope")


def test_unknown_language_falls_back_to_english():
    repo = ContentRepository(ROOT)
    assert repo.program("xx").lang == "en"
    assert repo.program("en-GB").lang == "en"
    assert repo.program(None).lang == "en"
    assert "en" in repo.languages()


# ---------------------------------------------------------------------------
# Broken fixtures
# ---------------------------------------------------------------------------

MODULE = """\
id: m1_test
version: 1
order: 1
title: Test module
summary: A module for tests.
minutes: 10
steps:
  - id: intro
    type: message
    text: Hello.
  - id: quiz
    type: choice
    text: Pick one.
    options:
      - id: a
        label: First
        feedback: Good.
      - id: b
        label: Second
        feedback: Also good.
        next: reflect
  - id: reflect
    type: reflection
    text: Write something.
    hint: Like this.
  - id: practice
    type: exercise
    title: Practice
    text: Two questions.
    fields:
      - id: one
        prompt: First?
      - id: two
        prompt: Second?
  - id: homework
    type: homework
    text: Do a thing.
    remind_after_days: 2
  - id: summary
    type: summary
    text: Done.
gp:
  key_points: [One, Two, Three]
  agenda:
    - minutes: 5
      item: Talk.
    - minutes: 5
      item: Plan.
  watch_for: [Risk]
"""

CONSENT = """\
version: 1
title: Before we start
text: This is guided self-help. It is not an emergency service.
agree_label: I agree
decline_label: Not now
share_workbook_question: May your GP see what you write?
share_yes_label: Yes, share
share_no_label: No, keep private
"""


def write_tree(root: Path, module: str = MODULE, name: str = "01_test.yaml") -> Path:
    modules = root / "en" / "modules"
    modules.mkdir(parents=True, exist_ok=True)
    (root / "en" / "consent.yaml").write_text(CONSENT, encoding="utf-8")
    # The system messages and crisis numbers are checked too: the real ones.
    for part in ("en/messages.yaml", "en/gp.yaml", "crisis_resources.yaml"):
        (root / part).write_bytes((ROOT / part).read_bytes())
    path = modules / name
    path.write_text(module, encoding="utf-8")
    return path


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """1-based line number of the n-th line containing ``needle``."""
    found = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            found += 1
            if found == occurrence:
                return number
    raise AssertionError(f"{needle!r} not found")


def errors(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.is_error]


def only_error(problems: list[Problem]) -> Problem:
    found = errors(problems)
    assert len(found) == 1, [p.format() for p in problems]
    return found[0]


def test_fixture_is_valid(tmp_path):
    write_tree(tmp_path)
    assert validate_tree(tmp_path) == []


def test_duplicate_step_id(tmp_path):
    text = MODULE.replace("  - id: homework\n", "  - id: reflect\n")
    path = write_tree(tmp_path, text)
    problem = only_error(validate_tree(tmp_path))
    assert problem.path == path
    assert problem.line == line_of(text, "- id: reflect", occurrence=2)
    assert problem.location == "steps[4].id"
    assert "duplicate step id 'reflect'" in problem.message
    assert f"line {line_of(text, '- id: reflect')}" in problem.message


def test_dangling_next(tmp_path):
    text = MODULE.replace("next: reflect", "next: reflekt")
    path = write_tree(tmp_path, text)
    problem = only_error(validate_tree(tmp_path))
    assert problem.path == path
    assert problem.line == line_of(text, "next: reflekt")
    assert problem.location == "steps[1].options[1].next"
    assert "'reflekt'" in problem.message
    assert "did you mean 'reflect'" in problem.message


def test_option_pointing_to_its_own_step(tmp_path):
    text = MODULE.replace("next: reflect", "next: quiz")
    write_tree(tmp_path, text)
    problem = only_error(validate_tree(tmp_path))
    assert problem.line == line_of(text, "next: quiz")
    assert "same question" in problem.message


def test_loop_that_never_reaches_the_end(tmp_path):
    text = MODULE.replace(
        "        feedback: Good.\n", "        feedback: Good.\n        next: intro\n"
    ).replace("next: reflect", "next: intro")
    write_tree(tmp_path, text)
    found = errors(validate_tree(tmp_path))
    assert any("never reach the end" in p.message for p in found), found
    warnings = [p for p in validate_tree(tmp_path) if not p.is_error]
    assert any("never see it" in p.message for p in warnings)


def test_over_long_message_is_an_error_and_long_is_a_warning(tmp_path):
    huge = "word " * 900  # 4500 characters
    text = MODULE.replace("text: Hello.", f"text: {huge.strip()}")
    path = write_tree(tmp_path, text)
    problem = only_error(validate_tree(tmp_path))
    assert problem.path == path
    assert problem.line == line_of(text, "text: word")
    assert problem.location == "steps[0].text"
    assert "4096" in problem.message

    long = "word " * 140  # 700 characters
    write_tree(tmp_path, MODULE.replace("text: Hello.", f"text: {long.strip()}"))
    problems = validate_tree(tmp_path)
    assert errors(problems) == []
    assert len(problems) == 1
    assert problems[0].severity == "warning"
    assert "aim shorter" in problems[0].message


def test_missing_summary(tmp_path):
    text = MODULE.replace("  - id: summary\n    type: summary\n    text: Done.\n", "")
    path = write_tree(tmp_path, text)
    found = errors(validate_tree(tmp_path))
    messages = " | ".join(p.message for p in found)
    assert "no summary step" in messages
    assert "last step must be a summary" in messages
    last = next(p for p in found if "last step" in p.message)
    assert last.path == path
    assert last.line == line_of(text, "- id: homework")
    assert last.location == "steps[4]"


def test_bad_yaml_reports_the_line(tmp_path):
    text = MODULE.replace("    text: Pick one.\n", "    text: Pick one.\n   oops: [1\n")
    path = write_tree(tmp_path, text)
    problem = only_error(validate_tree(tmp_path))
    assert problem.path == path
    assert "YAML syntax error" in problem.message
    assert problem.line is not None
    assert abs(problem.line - line_of(text, "oops")) <= 1


def test_duplicate_yaml_key_is_reported(tmp_path):
    text = MODULE.replace("    text: Hello.\n", "    text: Hello.\n    text: Again.\n")
    write_tree(tmp_path, text)
    problem = only_error(validate_tree(tmp_path))
    assert "duplicate key" in problem.message
    assert problem.line == line_of(text, "text: Again.")


def test_unknown_key_suggests_the_right_one(tmp_path):
    text = MODULE.replace("        label: Second", "        lable: Second")
    path = write_tree(tmp_path, text)
    found = errors(validate_tree(tmp_path))
    unknown = next(p for p in found if "unknown key" in p.message)
    assert unknown.path == path
    assert unknown.line == line_of(text, "lable: Second")
    assert unknown.location == "steps[1].options[1].lable"
    assert "did you mean 'label'" in unknown.message
    # ... and the now-missing label is reported too.
    assert any(p.location == "steps[1].options[1].label" for p in found)


def test_key_of_another_step_type(tmp_path):
    text = MODULE.replace("    text: Hello.\n", "    text: Hello.\n    hint: Not here.\n")
    write_tree(tmp_path, text)
    problem = only_error(validate_tree(tmp_path))
    assert "not used by message steps" in problem.message


def test_choice_rules(tmp_path):
    text = MODULE.replace("        feedback: Also good.\n", "").replace(
        "        label: First", "        label: " + "x" * 41
    )
    write_tree(tmp_path, text)
    found = errors(validate_tree(tmp_path))
    assert any("needs 'feedback'" in p.message for p in found)
    assert any("button label is 41 characters" in p.message for p in found)

    single = MODULE.replace(
        "      - id: b\n        label: Second\n        feedback: Also good.\n"
        "        next: reflect\n",
        "",
    )
    write_tree(tmp_path, single)
    problem = only_error(validate_tree(tmp_path))
    assert "at least 2 options" in problem.message


def test_bad_ids_and_types(tmp_path):
    text = MODULE.replace("- id: intro", "- id: Intro-1").replace("type: homework", "type: homewrk")
    write_tree(tmp_path, text)
    found = errors(validate_tree(tmp_path))
    assert any("not a valid id" in p.message for p in found)
    assert any(
        "unknown step type 'homewrk'" in p.message and "homework" in p.message for p in found
    )


def test_required_step_kinds(tmp_path):
    text = MODULE.replace(
        "  - id: reflect\n    type: reflection\n    text: Write something.\n    hint: Like this.\n",
        "",
    ).replace("next: reflect", "next: practice")
    write_tree(tmp_path, text)
    problem = only_error(validate_tree(tmp_path))
    assert "no reflection step" in problem.message


def test_gp_section_rules(tmp_path):
    text = MODULE.replace(
        "    - minutes: 5\n      item: Plan.\n", "    - minutes: 30\n      item: Plan.\n"
    )
    write_tree(tmp_path, text)
    problem = only_error(validate_tree(tmp_path))
    assert problem.location == "gp.agenda"
    assert "add up to 35" in problem.message

    no_gp = MODULE[: MODULE.index("gp:")]
    write_tree(tmp_path, no_gp)
    problem = only_error(validate_tree(tmp_path))
    assert "'gp' section" in problem.message


def test_duplicate_module_id_and_order(tmp_path):
    write_tree(tmp_path)
    second = write_tree(tmp_path, MODULE, name="02_other.yaml")
    found = errors(validate_tree(tmp_path))
    assert {p.location for p in found} == {"id", "order"}
    assert all(p.path == second for p in found)
    assert any("duplicate module id 'm1_test'" in p.message for p in found)


def test_missing_and_broken_consent(tmp_path):
    write_tree(tmp_path)
    consent = tmp_path / "en" / "consent.yaml"
    consent.write_text(CONSENT.replace("agree_label: I agree\n", ""), encoding="utf-8")
    problem = only_error(validate_tree(tmp_path))
    assert problem.path == consent
    assert problem.location == "agree_label"
    consent.unlink()
    problem = only_error(validate_tree(tmp_path))
    assert "consent.yaml is missing" in problem.message


def test_markup_and_placeholders_are_warned_about(tmp_path):
    write_tree(tmp_path, MODULE.replace("text: Hello.", "text: Hello {name}, this is *important*."))
    problems = validate_tree(tmp_path)
    assert errors(problems) == []
    assert len(problems) == 1
    assert "plain text only" in problems[0].message


def test_main_validate_output_and_exit_code(tmp_path):
    write_tree(tmp_path)
    out = io.StringIO()
    assert main_validate(tmp_path, out) == 0
    assert "0 error(s)" in out.getvalue()

    text = MODULE.replace("next: reflect", "next: nowhere")
    path = write_tree(tmp_path, text)
    out = io.StringIO()
    assert main_validate(tmp_path, out) == 1
    first = out.getvalue().splitlines()[0]
    expected = f"{path}:{line_of(text, 'next: nowhere')}: error: steps[1].options[1].next: "
    assert first.startswith(expected)
    assert "1 error(s)" in out.getvalue().splitlines()[-1]


def test_real_content_main_validate_passes():
    out = io.StringIO()
    assert main_validate(ROOT, out) == 0, out.getvalue()


# ---------------------------------------------------------------------------
# Repository: caching and reloading
# ---------------------------------------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def touch_later(path: Path, text: str) -> None:
    """Rewrite ``path`` and make sure its mtime visibly changes."""
    before = path.stat().st_mtime_ns
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(before + 2_000_000_000, before + 2_000_000_000))


def test_repository_reloads_after_a_change(tmp_path):
    path = write_tree(tmp_path)
    clock = FakeClock()
    repo = ContentRepository(tmp_path, monotonic=clock)
    first = repo.program("en")
    assert first.module("m1_test").title == "Test module"
    assert repo.program("en") is first  # cached

    touch_later(path, MODULE.replace("title: Test module", "title: New title"))
    clock.now += 0.5
    assert repo.program("en") is first  # not checked again within a second
    clock.now += 0.6
    reloaded = repo.program("en")
    assert reloaded.module("m1_test").title == "New title"
    clock.now += 5
    assert repo.program("en") is reloaded  # nothing changed since


def test_repository_keeps_last_good_version_when_change_is_invalid(tmp_path, caplog):
    path = write_tree(tmp_path)
    clock = FakeClock()
    repo = ContentRepository(tmp_path, monotonic=clock)
    good = repo.program("en")

    touch_later(path, MODULE.replace("next: reflect", "next: nowhere"))
    clock.now += 2
    with caplog.at_level(logging.ERROR, logger="bot.content.loader"):
        assert repo.program("en") is good
        assert repo.consent("en").title == "Before we start"
    assert "still serving the last good version" in caplog.text
    assert "nowhere" in caplog.text

    # The broken version is logged once, not on every check.
    caplog.clear()
    clock.now += 2
    with caplog.at_level(logging.ERROR, logger="bot.content.loader"):
        assert repo.program("en") is good
    assert caplog.text == ""

    # Once fixed, the new content is served.
    touch_later(path, MODULE.replace("title: Test module", "title: Fixed"))
    clock.now += 2
    assert repo.program("en").module("m1_test").title == "Fixed"


def test_repository_notices_new_files(tmp_path):
    write_tree(tmp_path)
    clock = FakeClock()
    repo = ContentRepository(tmp_path, monotonic=clock)
    assert len(repo.program("en").modules) == 1
    second = MODULE.replace("id: m1_test", "id: m2_test").replace("order: 1", "order: 2")
    (tmp_path / "en" / "modules" / "02_test.yaml").write_text(second, encoding="utf-8")
    clock.now += 2
    program = repo.program("en")
    assert [m.id for m in program.modules] == ["m1_test", "m2_test"]
    assert program.next_module("m1_test").id == "m2_test"


def test_first_load_of_invalid_content_raises_listing_all_problems(tmp_path):
    text = MODULE.replace("next: reflect", "next: nowhere").replace(
        "  - id: homework\n", "  - id: intro\n"
    )
    write_tree(tmp_path, text)
    repo = ContentRepository(tmp_path)
    with pytest.raises(ContentError) as excinfo:
        repo.program("en")
    messages = [p.message for p in excinfo.value.problems if p.is_error]
    assert len(messages) == 2
    assert "nowhere" in str(excinfo.value)
    assert "duplicate step id 'intro'" in str(excinfo.value)


def test_repository_is_thread_safe(tmp_path):
    write_tree(tmp_path)
    clock = FakeClock()
    repo = ContentRepository(tmp_path, monotonic=clock)
    results: list[str] = []
    failures: list[BaseException] = []

    def worker() -> None:
        try:
            for _ in range(50):
                clock.now += 0.3
                results.append(repo.program("en").first_module().id)
        except BaseException as exc:  # pragma: no cover - reported below
            failures.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert set(results) == {"m1_test"}


# ---------------------------------------------------------------------------
# Preview
# ---------------------------------------------------------------------------


def test_render_module_shows_chat_buttons_and_gp_section(program):
    out = io.StringIO()
    module = program.module("m1_connections")
    render_module(module, out)
    text = out.getvalue()
    assert module.title in text
    assert "[ Next ]" in text
    assert "[ a) Sam feels more alone ]" in text
    assert "(your answer is saved to your workbook)" in text
    assert "Map a low moment" in text
    assert "GP SECTION" in text
    assert text.index("GP SECTION") > text.index("step 16/16")
    assert module.gp.key_points[0].split()[0] in text
    assert "Follow-up agenda (12 minutes)" in text
    assert all(len(line) <= 72 for line in text.splitlines() if line.startswith("  |"))


@pytest.mark.parametrize("ref", ["m2_activity", "2", "02_activity.yaml", "02_activity"])
def test_main_preview_finds_module_by_id_order_or_file(ref):
    out = io.StringIO()
    assert main_preview(ROOT, ref, "en", out) == 0
    assert "Doing more, one small step at a time" in out.getvalue()


def test_main_preview_unknown_module_lists_available(tmp_path):
    out = io.StringIO()
    assert main_preview(ROOT, "m9_nope", "en", out) == 2
    text = out.getvalue()
    assert "Unknown module 'm9_nope'" in text
    for module_id in EXPECTED_MODULES:
        assert module_id in text


def test_main_preview_of_module_with_errors(tmp_path):
    write_tree(tmp_path, MODULE.replace("next: reflect", "next: nowhere"))
    out = io.StringIO()
    assert main_preview(tmp_path, "1", "en", out) == 1
    assert "nowhere" in out.getvalue()


def test_broken_system_messages_and_crisis_resources_fail_validation(tmp_path: Path) -> None:
    """A broken messages.yaml or crisis_resources.yaml once passed with "0 error(s)",
    and every reply then raised."""
    import shutil

    from bot.content.validate import validate_tree

    root = tmp_path / "content"
    shutil.copytree(ROOT, root)
    assert [p for p in validate_tree(root) if p.is_error] == []
    messages = root / "en" / "messages.yaml"
    good = messages.read_text(encoding="utf-8")
    messages.write_text("risk_opening: [unclosed\n", encoding="utf-8")
    assert any("not valid YAML" in p.message for p in validate_tree(root))
    messages.write_text(good.replace("safety_question:", "safety_questio:"), encoding="utf-8")
    assert any(p.location == "safety_question" and "code sends" in p.message
               for p in validate_tree(root))
    messages.write_text(good, encoding="utf-8")
    (root / "crisis_resources.yaml").write_text("version: 1\ncountries:\n  NO: []\n")
    assert any("crisis_resources" in str(p.path) for p in validate_tree(root) if p.is_error)


def test_the_product_does_not_start_on_broken_content(tmp_path, monkeypatch, capsys):
    """A broken messages file once served an empty table, so every reply raised: now
    `bot run` stops before starting anything, naming the file and line."""
    import io
    import shutil

    from bot.processes.supervisor import run_stack

    root = tmp_path / "cbt_content"
    shutil.copytree(ROOT, root)
    (root / "nb" / "messages.yaml").write_text("help: [unclosed\n", encoding="utf-8")
    monkeypatch.setenv("CONTENT_DIR", str(root))
    assert run_stack(io.StringIO()) == 2
    err = capsys.readouterr().err
    assert "content validate" in err and "nb/messages.yaml" in err
