"""The windowed tracker store on its own: a long session is cut into windows at a safe
point, what Rasa loads stays bounded, the slots carry over, and nothing is deleted."""
from __future__ import annotations

import sqlite3
from pathlib import Path

from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActiveLoop, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.rasa.channels.tracker_store import WindowedSQLTrackerStore

DOMAIN = Domain.from_yaml("""
version: "3.1"
intents: [greet]
slots:
  awaiting_text:
    type: bool
    initial_value: false
    mappings: [{type: custom}]
  language:
    type: text
    mappings: [{type: custom}]
""")


def turn(tracker: DialogueStateTracker, i: int) -> None:
    tracker.update(UserUttered(f"hello {i}", {"name": "greet", "confidence": 1.0}))
    tracker.update(ActionExecuted("action_info"))
    tracker.update(ActionExecuted("action_listen"))


def store_at(tmp_path: Path, limit: int) -> WindowedSQLTrackerStore:
    return WindowedSQLTrackerStore(DOMAIN, dialect="sqlite", db=str(tmp_path / "tracker.db"),
                                   max_session_events=limit)


async def test_a_long_session_is_windowed_and_loads_bounded(tmp_path: Path) -> None:
    store = store_at(tmp_path, 20)
    tracker = DialogueStateTracker("p1", DOMAIN.slots)
    tracker.update(SlotSet("language", "nb"))
    for i in range(40):
        turn(tracker, i)
        await store.save(tracker)
        tracker = await store.retrieve("p1")
        assert tracker is not None
        assert len(tracker.events) <= 20 + 3 + 3  # the limit, one turn, the window's start
    assert tracker.get_slot("language") == "nb"  # carried into every window
    con = sqlite3.connect(tmp_path / "tracker.db")
    stored = con.execute("SELECT count(*) FROM events WHERE sender_id='p1'").fetchone()[0]
    starts = con.execute("SELECT count(*) FROM events WHERE sender_id='p1' "
                         "AND type_name='session_started'").fetchone()[0]
    con.close()
    assert stored >= 40 * 3 and starts >= 4  # nothing deleted; several windows


async def test_no_window_inside_a_form_or_mid_turn(tmp_path: Path) -> None:
    store = store_at(tmp_path, 5)
    tracker = DialogueStateTracker("p2", DOMAIN.slots)
    tracker.update(ActiveLoop("phq9_form"))
    for i in range(10):
        turn(tracker, i)
    await store.save(tracker)
    con = sqlite3.connect(tmp_path / "tracker.db")
    starts = con.execute("SELECT count(*) FROM events WHERE sender_id='p2' "
                         "AND type_name='session_started'").fetchone()[0]
    assert starts == 0  # a form is active: the session is not cut
    tracker.update(ActiveLoop(None))
    tracker.update(UserUttered("hi", {"name": "greet", "confidence": 1.0}))
    await store.save(tracker)  # the last event is not action_listen: still not cut
    assert con.execute("SELECT count(*) FROM events WHERE sender_id='p2' "
                       "AND type_name='session_started'").fetchone()[0] == 0
    tracker.update(ActionExecuted("action_listen"))
    await store.save(tracker)
    assert con.execute("SELECT count(*) FROM events WHERE sender_id='p2' "
                       "AND type_name='session_started'").fetchone()[0] == 1
    con.close()
