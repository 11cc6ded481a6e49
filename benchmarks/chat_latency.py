"""Chat latency over REST: messages/second and p50/p95 per message.

    python benchmarks/chat_latency.py                 # starts its own stack on free ports
    python benchmarks/chat_latency.py --url http://127.0.0.1:5005 --database-url sqlite:///var/bot.db
    python benchmarks/chat_latency.py --bare          # a bare `rasa init` assistant, same driver

Simulated patients are enrolled with real invite codes, consent, and then talk to
the program (next, typed answers, repeat, progress, menu). It prints figures for
1 and 10 concurrent patients, and p95 near turn 5 and near turn 200 of long sessions
(latency must not grow with conversation length).
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.core.clock import SystemClock
from bot.db import Database
from bot.db.migrate import upgrade
from bot.enrolment.service import add_gp, find_gp, invite_patient
from tests.e2e.stack import Stack, free_port

CYCLE = ["next", "b", "I went for a short walk and felt a little better", "repeat",
         "how far am I", "continue", "menu", "next"]
BARE_CYCLE = ["hello", "I am sad", "yes", "great", "bye", "are you a bot?", "very good", "no"]


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


class Driver:
    def __init__(self, url: str, database_url: str | None, bare: bool) -> None:
        self.url = url.rstrip("/")
        self.database_url = database_url
        self.bare = bare

    def codes(self, n: int) -> list[str]:
        if self.bare or not self.database_url:
            return [""] * n
        db = Database(self.database_url)
        with db.session() as s:
            try:
                gp = find_gp(s, "bench@example.org")
            except Exception:
                gp = add_gp(s, "Dr Bench", "bench@example.org", "Bench Practice", SystemClock().now())
            codes = [invite_patient(s, gp, SystemClock().now(), 14).code for _ in range(n)]
        db.dispose()
        return codes

    def say(self, http: requests.Session, sender: str, text: str) -> float:
        t0 = time.perf_counter()
        r = http.post(f"{self.url}/webhooks/rest/webhook", json={"sender": sender, "message": text},
                      timeout=60)
        r.raise_for_status()
        return (time.perf_counter() - t0) * 1000

    def patient(self, sender: str, code: str, turns: int, out: list[tuple[int, float]]) -> None:
        http = requests.Session()
        if not self.bare:
            self.say(http, sender, f"/start {code}")
            self.say(http, sender, "/consent_agree")
            self.say(http, sender, '/consent_agree{"share":"yes"}')
        cycle = BARE_CYCLE if self.bare else CYCLE
        for turn in range(1, turns + 1):
            out.append((turn, self.say(http, sender, cycle[turn % len(cycle)])))

    def run(self, concurrency: int, turns: int, tag: str) -> list[tuple[int, float]]:
        codes = self.codes(concurrency)
        results: list[list[tuple[int, float]]] = [[] for _ in range(concurrency)]
        threads = [threading.Thread(target=self.patient,
                                    args=(f"{tag}-{i}-{time.time_ns()}", codes[i], turns, results[i]))
                   for i in range(concurrency)]
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - t0
        flat = [x for r in results for x in r]
        lat = [ms for _, ms in flat]
        print(f"{tag:>28}: {len(lat):5d} msgs  {len(lat) / elapsed:7.1f} msg/s  "
              f"p50 {statistics.median(lat):6.1f} ms  p95 {pct(lat, 95):6.1f} ms", flush=True)
        return flat


def start_bare(workdir: Path) -> tuple[list[subprocess.Popen], str]:
    """A bare `rasa init` assistant (default config), trained once and cached."""
    project = Path(tempfile.gettempdir()) / "bare-rasa-init"
    if not (project / "models").exists() or not list((project / "models").glob("*.tar.gz")):
        project.mkdir(exist_ok=True)
        subprocess.run([sys.executable, "-m", "rasa", "init", "--no-prompt", "--init-dir", str(project)],
                       check=True, cwd=project)
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "rasa", "run", "--enable-api", "--port", str(port)],
                            cwd=project, stdout=open(workdir / "bare.log", "wb"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            if requests.get(f"{url}/status", timeout=2).status_code == 200:
                return [proc], url
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise RuntimeError("bare assistant did not start")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url")
    ap.add_argument("--database-url", help="the product database of the running stack (for invites)")
    ap.add_argument("--bare", action="store_true", help="measure a bare rasa init assistant instead")
    ap.add_argument("--turns", type=int, default=40)
    ap.add_argument("--long-turns", type=int, default=205)
    ap.add_argument("--long-sessions", type=int, default=3)
    args = ap.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="chat-latency-"))
    procs: list[subprocess.Popen] = []
    stack = None
    url, database_url = args.url, args.database_url
    if args.bare:
        procs, url = start_bare(workdir)
    elif not url:
        database_url = f"sqlite:///{workdir / 'bot.db'}"
        upgrade(database_url)
        stack = Stack(workdir=workdir, database_url=database_url, rasa_port=free_port(),
                      action_port=free_port()).start()
        url = stack.rasa_url
    try:
        driver = Driver(url, database_url, args.bare)
        label = "bare rasa init" if args.bare else "this assistant"
        print(f"== {label} at {url}")
        driver.run(1, 10, "warm-up")
        driver.run(1, args.turns, "1 patient")
        driver.run(10, args.turns, "10 concurrent patients")
        long: list[tuple[int, float]] = []
        for i in range(args.long_sessions):
            long += driver.run(1, args.long_turns, f"long session {i + 1}")
        early = [ms for turn, ms in long if 1 <= turn <= 10]
        late = [ms for turn, ms in long if args.long_turns - 10 <= turn <= args.long_turns]
        print(f"{'p95 near turn 5':>28}: {pct(early, 95):6.1f} ms  (turns 1-10, {len(early)} samples)")
        print(f"{'p95 near turn 200':>28}: {pct(late, 95):6.1f} ms  "
              f"(turns {args.long_turns - 10}-{args.long_turns}, {len(late)} samples)")
    finally:
        if stack:
            stack.stop()
        for p in procs:
            p.terminate()
            p.wait(timeout=20)
    return 0


if __name__ == "__main__":
    sys.exit(main())
