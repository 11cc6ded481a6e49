"""The GP pages over HTTP: the brief, acknowledging (GET confirms, POST acts),
recording a follow-up; tampered or misused links are refused."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from bot.app import Services
from bot.core.clock import FrozenClock
from bot.db.tables import Escalation
from bot.db.tables.escalation import FollowUp
from bot.escalation.links import make_token
from bot.web.gp import make_app
from tests.test_escalation import finish_module_1, risk
from tests.test_escalation_support import make_patient


@pytest.fixture
async def client(services: Services) -> AsyncIterator[TestClient]:
    async with TestClient(TestServer(make_app(services))) as c:
        yield c


def tok(services: Services, esc_id: int, action: str) -> str:
    return make_token(services.settings.secret_key, esc_id, action, "ada@example.org")


async def test_brief_page(services: Services, client: TestClient) -> None:
    patient_id, _ = make_patient(services)
    esc_id = finish_module_1(services, patient_id)
    resp = await client.get(f"/brief/{tok(services, esc_id, 'brief')}")
    assert resp.status == 200
    assert resp.headers["Cache-Control"] == "no-store"
    body = await resp.text()
    assert "Suggested agenda" in body
    assert "My sister, on Sundays" in body
    assert "/followup/" in body
    assert "/ack/" in body
    assert (await client.get(f"/brief/{tok(services, esc_id, 'ack')}")).status == 403
    assert (await client.get("/brief/garbage")).status == 403
    assert (await client.get(f"/brief/{tok(services, 999, 'brief')}")).status == 404


async def test_ack_needs_a_post(services: Services, client: TestClient) -> None:
    patient_id, _ = make_patient(services)
    esc_id = risk(services, patient_id)
    url = f"/ack/{tok(services, esc_id, 'ack')}"
    resp = await client.get(url)  # a mail scanner prefetching the link changes nothing
    assert "<form method=post>" in await resp.text()
    with services.db.session() as s:
        assert s.get(Escalation, esc_id).status == "open"
    resp = await client.post(url)
    assert "is acknowledged" in await resp.text()
    with services.db.session() as s:
        esc = s.get(Escalation, esc_id)
        assert (esc.status, esc.acknowledged_by) == ("acknowledged", "link:ada@example.org")
    assert "already acknowledged" in await (await client.get(url)).text()


async def test_record_followup_unlocks_next_module(
    services: Services, client: TestClient, clock: FrozenClock
) -> None:
    patient_id, _ = make_patient(services)
    esc_id = finish_module_1(services, patient_id)
    url = f"/followup/{tok(services, esc_id, 'followup')}"
    assert "type=date" in await (await client.get(url)).text()
    bad = await client.post(url, data={"held_on": "yesterday", "note": ""})
    assert bad.status == 400
    future = (clock.now() + timedelta(days=5)).date().isoformat()
    assert (await client.post(url, data={"held_on": future, "note": ""})).status == 400
    ok = await client.post(
        url, data={"held_on": clock.now().date().isoformat(), "note": "Discussed activity plan"}
    )
    assert ok.status == 200
    assert "recorded" in await ok.text()
    with services.db.session() as s:
        assert s.execute(select(FollowUp)).scalar_one().note == "Discussed activity plan"
        from bot.db.tables import Patient

        assert services.program.next_unlocked(s, s.get(Patient, patient_id)) is not None


async def test_health(client: TestClient) -> None:
    assert (await (await client.get("/health")).json()) == {"status": "ok"}
