"""POST /sync/pull: the user's changes after a cursor, rendered from current state, paged."""

from __future__ import annotations

import uuid

import pytest

from api.counters import CHANGE_SEQ, peek
from api.tickets.service import record_ticket_change
from sync.changes import record_change
from tests.factories import make_area, make_category, make_unit, make_user
from tests.sync.helpers import PULL, PUSH, bearer, make_ticket, mutation


async def pull(client, headers, client_id: str, cursor=None, **kw):
    r = await client.post(PULL, json={"client_id": client_id, "cursor": cursor, **kw}, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


async def pull_all(client, headers, client_id: str, cursor=None, limit: int = 500):
    changes = []
    while True:
        body = await pull(client, headers, client_id, cursor, limit=limit)
        changes += body["changes"]
        cursor = body["cursor"]
        if not body["has_more"]:
            return changes, cursor


def of(changes, kind: str) -> dict[str, dict]:
    return {c["id"]: c for c in changes if c["type"] == kind}


@pytest.fixture
async def city(client, session):
    grid = await make_area(session)
    unit, other_unit = await make_unit(session, jurisdiction=[grid]), await make_unit(session)
    category = await make_category(session)
    handler = await make_user(session, roles=["unit_handler"], unit_id=unit.id)
    worker = await make_user(session, roles=["grid_worker"], grids=[grid])
    return {"unit": unit, "other_unit": other_unit, "grid": grid, "category": category,
            "handler": handler, "worker": worker,
            "handler_h": bearer(handler), "worker_h": bearer(worker)}


class TestPull:
    async def test_first_pull_has_reference_data_and_my_tickets(self, client, session, city):
        mine = await make_ticket(session, category=city["category"], unit=city["unit"])
        theirs = await make_ticket(session, category=city["category"], unit=city["other_unit"])
        changes, cursor = await pull_all(client, city["handler_h"], "h1")
        tickets = of(changes, "ticket")
        assert str(mine.id) in tickets and str(theirs.id) not in tickets
        data = tickets[str(mine.id)]["data"]
        assert tickets[str(mine.id)]["op"] == "put"
        for key in ("id", "status", "version", "category_code", "unit_code", "due_at", "report_ids", "lat", "lon"):
            assert key in data
        assert data["unit_code"] == city["unit"].code and data["status"] == "dispatched"
        assert set(data["allowed_actions"]) >= {"sign", "handle", "return"}
        assert city["category"].code in of(changes, "category")
        assert of(changes, "category")[city["category"].code]["data"]["name"] == city["category"].name
        assert city["grid"].code in of(changes, "area")
        assert cursor == str(await peek(session, CHANGE_SEQ))

    async def test_nothing_new_after_the_cursor(self, client, session, city):
        await make_ticket(session, category=city["category"], unit=city["unit"])
        _, cursor = await pull_all(client, city["handler_h"], "h2")
        body = await pull(client, city["handler_h"], "h2", cursor)
        assert body["changes"] == [] and body["cursor"] == cursor and body["reset"] is False

    async def test_ticket_leaving_view_arrives_as_del(self, client, session, city):
        ticket = await make_ticket(session, category=city["category"], unit=city["unit"])
        _, cursor = await pull_all(client, city["handler_h"], "h3")
        ticket.unit_id = city["other_unit"].id
        ticket.version += 1
        await session.flush()
        await record_ticket_change(session, ticket, extra_units={city["unit"].id})
        body = await pull(client, city["handler_h"], "h3", cursor)
        assert body["changes"] == [{"op": "del", "type": "ticket", "id": str(ticket.id), "data": None}]

    async def test_grid_worker_sees_tickets_in_their_grid(self, client, session, city):
        ticket = await make_ticket(session, category=city["category"], unit=city["other_unit"], grid=city["grid"])
        changes, _ = await pull_all(client, city["worker_h"], "w1")
        assert of(changes, "ticket")[str(ticket.id)]["data"]["grid_code"] == city["grid"].code

    async def test_paging(self, client, session, city):
        made = [await make_ticket(session, category=city["category"], unit=city["unit"]) for _ in range(5)]
        _, start = await pull_all(client, city["handler_h"], "h4")
        for t in made:
            t.version += 1
            await record_ticket_change(session, t)
        first = await pull(client, city["handler_h"], "h4", start, limit=2)
        assert first["has_more"] is True and len(first["changes"]) == 2
        rest, _ = await pull_all(client, city["handler_h"], "h4", first["cursor"], limit=2)
        ids = [c["id"] for c in first["changes"] + rest]
        assert ids == [str(t.id) for t in made]

    async def test_same_entity_twice_in_a_page_collapses(self, client, session, city):
        t = await make_ticket(session, category=city["category"], unit=city["unit"])
        _, start = await pull_all(client, city["handler_h"], "h5")
        await record_change(session, entity="ticket", entity_id=str(t.id), audience=[f"unit:{city['unit'].id}"])
        await record_change(session, entity="ticket", entity_id=str(t.id), audience=["desk"])
        body = await pull(client, city["handler_h"], "h5", start)
        assert [c["id"] for c in body["changes"]] == [str(t.id)]

    @pytest.mark.parametrize("cursor", ["abc", "-1", "999999999999"])
    async def test_unknown_cursor_resets(self, client, session, city, cursor):
        t = await make_ticket(session, category=city["category"], unit=city["unit"])
        body = await pull(client, city["handler_h"], "h6", cursor)
        assert body["reset"] is True
        changes, _ = await pull_all(client, city["handler_h"], "h6", None)
        assert str(t.id) in of(changes, "ticket")

    async def test_reports_carry_their_tickets_status(self, client, session, city):
        cid = f"phone-{uuid.uuid4().hex[:8]}"
        from tests.sync.helpers import report_args

        args = report_args(city["category"].code)
        r = await client.post(PUSH, json={"client_id": cid, "mutations": [mutation(1, "report.create", **args)]},
                              headers=city["worker_h"])
        assert r.json()["results"][0]["status"] == "applied"
        body = await pull(client, city["worker_h"], cid)
        assert body["last_mutation_id"] == 1
        changes, _ = await pull_all(client, city["worker_h"], cid)
        report = of(changes, "report")[args["report_id"]]["data"]
        assert report["ticket_id"] and report["status"] and report["category_code"] == city["category"].code
        # Someone else never receives my report.
        handler_changes, _ = await pull_all(client, city["handler_h"], "h7")
        assert args["report_id"] not in of(handler_changes, "report")

    async def test_client_id_of_another_user(self, client, session, city):
        await pull(client, city["handler_h"], "shared-id")
        r = await client.post(PULL, json={"client_id": "shared-id"}, headers=city["worker_h"])
        assert r.status_code == 403 and r.json()["error"]["code"] == "client_forbidden"


class TestDeferredNumbering:
    async def test_block_is_gap_free_and_collapses_per_entity(self, session):
        from sqlalchemy import select

        from models import ChangeAudience, ChangeLog
        from sync.changes import defer_changes, flush_changes

        before = await peek(session, CHANGE_SEQ)
        defer_changes(session)
        assert await record_change(session, entity="ticket", entity_id="t1", audience=["unit:a"]) is None
        await record_change(session, entity="report", entity_id="r1", audience=["user:u"])
        await record_change(session, entity="ticket", entity_id="t1", audience=["desk"])
        assert await peek(session, CHANGE_SEQ) == before  # nothing numbered yet: no lock held
        await flush_changes(session)
        rows = (await session.execute(select(ChangeLog.seq, ChangeLog.entity, ChangeLog.entity_id)
                                      .where(ChangeLog.seq > before).order_by(ChangeLog.seq))).all()
        assert [tuple(r) for r in rows] == [(before + 1, "report", "r1"), (before + 2, "ticket", "t1")]
        keys = (await session.execute(select(ChangeAudience.key).where(ChangeAudience.seq == before + 2))).scalars()
        assert sorted(keys) == ["desk", "unit:a"]
        # Deferring ended: the next change is numbered at once.
        assert await record_change(session, entity="area", entity_id="a1", audience=["all"]) == before + 3
