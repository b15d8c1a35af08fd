"""POST /sync/push: exactly once, in id order, one transaction per mutation, never stuck."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from models import Report, SyncClient, Ticket
from tests.factories import make_area, make_category, make_unit, make_user
from tests.sync.helpers import PUSH, bearer, make_ticket, mutation, report_args


@pytest.fixture
async def worker(client, session):
    grid = await make_area(session)
    user = await make_user(session, roles=["grid_worker"], grids=[grid])
    return user, bearer(user)


async def push(client, headers, client_id: str, *mutations):
    r = await client.post(PUSH, json={"client_id": client_id, "mutations": list(mutations)}, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


async def counter(session, client_id: str) -> int:
    return (await session.execute(select(SyncClient.last_mutation_id)
                                  .where(SyncClient.client_id == client_id))).scalar_one()


class TestReportCreate:
    async def test_applied_once_then_duplicate(self, client, session, worker):
        category = await make_category(session)
        args = report_args(category.code)
        cid = f"phone-{uuid.uuid4().hex[:8]}"
        body = await push(client, worker[1], cid, mutation(1, "report.create", **args))
        assert body == {"last_mutation_id": 1, "results": [{"id": 1, "status": "applied", "error": None}],
                        "stopped": None}
        again = await push(client, worker[1], cid, mutation(1, "report.create", **args))
        assert again["results"] == [{"id": 1, "status": "duplicate", "error": None}]
        reports = (await session.execute(select(Report).where(Report.id == uuid.UUID(args["report_id"])))).all()
        assert len(reports) == 1
        assert reports[0][0].client_id == cid and reports[0][0].ticket_id is not None

    async def test_unknown_category_rejected_and_counter_advances(self, client, session, worker):
        cid = f"phone-{uuid.uuid4().hex[:8]}"
        body = await push(client, worker[1], cid, mutation(1, "report.create", **report_args("99999")))
        assert body["results"][0]["status"] == "rejected"
        assert body["results"][0]["error"]["code"] == "unknown_category"
        assert body["last_mutation_id"] == 1 and await counter(session, cid) == 1

    async def test_applied_in_id_order_whatever_the_batch_order(self, client, session, worker):
        category = await make_category(session)
        cid = f"phone-{uuid.uuid4().hex[:8]}"
        a, b = report_args(category.code), report_args(category.code)
        body = await push(client, worker[1], cid, mutation(2, "report.create", **b),
                          mutation(1, "report.create", **a))
        assert [(r["id"], r["status"]) for r in body["results"]] == [(1, "applied"), (2, "applied")]


class TestProtocol:
    async def test_gap_stops_the_batch(self, client, session, worker):
        category = await make_category(session)
        cid = f"phone-{uuid.uuid4().hex[:8]}"
        await push(client, worker[1], cid, mutation(1, "report.create", **report_args(category.code)))
        later = [report_args(category.code), report_args(category.code)]
        body = await push(client, worker[1], cid, mutation(3, "report.create", **later[0]),
                          mutation(4, "report.create", **later[1]))
        assert body["results"] == []
        assert body["last_mutation_id"] == 1
        assert body["stopped"] == {"reason": "gap", "expected_id": 2, "received_id": 3, "unprocessed_ids": [3, 4]}
        ids = [uuid.UUID(a["report_id"]) for a in later]
        assert (await session.execute(select(Report).where(Report.id.in_(ids)))).all() == []

    async def test_gap_in_the_middle_keeps_what_came_before(self, client, session, worker):
        cid = f"phone-{uuid.uuid4().hex[:8]}"
        body = await push(client, worker[1], cid, mutation(1, "no.such"), mutation(2, "no.such"),
                          mutation(5, "no.such"))
        assert [r["id"] for r in body["results"]] == [1, 2]
        assert body["stopped"]["expected_id"] == 3 and body["last_mutation_id"] == 2

    async def test_unknown_mutation_rejected_and_counter_advances(self, client, session, worker):
        cid = f"phone-{uuid.uuid4().hex[:8]}"
        body = await push(client, worker[1], cid, mutation(1, "report.delete", report_id="x"))
        assert body["results"][0]["status"] == "rejected"
        assert body["results"][0]["error"]["code"] == "unknown_mutation"
        assert await counter(session, cid) == 1

    @pytest.mark.parametrize("bad", [
        {"lat": "north"}, {"captured_at": "yesterday"}, {"photos": "abc"}, {"photos": ["not-a-hash"]},
        {"captured_at": "2026-11-20T09:00:00"},  # naive time
        {"report_id": 42},
    ])
    async def test_arguments_of_the_wrong_type(self, client, session, worker, bad):
        category = await make_category(session)
        cid = f"phone-{uuid.uuid4().hex[:8]}"
        body = await push(client, worker[1], cid, mutation(1, "report.create", **{**report_args(category.code),
                                                                                 **bad}))
        assert body["results"][0]["status"] == "rejected"
        assert body["results"][0]["error"]["code"] == "invalid_arguments"
        assert body["results"][0]["error"]["details"]["errors"]
        assert await counter(session, cid) == 1

    async def test_client_id_of_another_user(self, client, session, worker):
        cid = f"phone-{uuid.uuid4().hex[:8]}"
        await push(client, worker[1], cid, mutation(1, "no.such"))
        other = await make_user(session, roles=["grid_worker"])
        r = await client.post(PUSH, json={"client_id": cid, "mutations": [mutation(2, "no.such")]},
                              headers=bearer(other))
        assert r.status_code == 403
        assert r.json()["error"]["code"] == "client_forbidden"
        assert await counter(session, cid) == 1

    async def test_malformed_body(self, client, worker):
        r = await client.post(PUSH, json={"client_id": "x", "mutations": [{"id": "one", "name": 3}]},
                              headers=worker[1])
        assert r.status_code == 422
        assert r.json()["error"]["code"] == "validation_error"

    async def test_needs_sign_in(self, client):
        assert (await client.post(PUSH, json={"client_id": "x", "mutations": []})).status_code == 401


class TestTicketMutations:
    @pytest.fixture
    async def setup(self, client, session):
        unit, other = await make_unit(session), await make_unit(session)
        category = await make_category(session)
        handler = await make_user(session, roles=["unit_handler"], unit_id=unit.id)
        stranger = await make_user(session, roles=["unit_handler"], unit_id=other.id)
        ticket = await make_ticket(session, category=category, unit=unit)
        return ticket, bearer(handler), bearer(stranger)

    async def test_sign_then_stale_version(self, client, session, setup):
        ticket, handler, _ = setup
        cid = f"phone-{uuid.uuid4().hex[:8]}"
        body = await push(client, handler, cid,
                          mutation(1, "ticket.sign", ticket_id=str(ticket.id), base_version=1),
                          mutation(2, "ticket.return", ticket_id=str(ticket.id), base_version=1, reason="不归我们"))
        assert body["results"][0]["status"] == "applied"
        assert body["results"][1]["status"] == "rejected"
        assert body["results"][1]["error"]["code"] == "stale_version"
        await session.refresh(ticket)
        assert (ticket.status, ticket.version) == ("in_progress", 2)
        assert body["last_mutation_id"] == 2

    async def test_invalid_transition(self, client, session, setup):
        ticket, handler, _ = setup
        cid = f"phone-{uuid.uuid4().hex[:8]}"
        body = await push(client, handler, cid, mutation(
            1, "ticket.recheck", ticket_id=str(ticket.id), base_version=1, passed=True, photos=["a" * 64]))
        error = body["results"][0]["error"]
        assert error["code"] in ("ticket_invalid_transition", "role_forbidden")
        await session.refresh(ticket)
        assert ticket.status == "dispatched"

    async def test_by_someone_not_allowed(self, client, session, setup):
        ticket, _, stranger = setup
        cid = f"phone-{uuid.uuid4().hex[:8]}"
        body = await push(client, stranger, cid, mutation(1, "ticket.sign", ticket_id=str(ticket.id),
                                                          base_version=1))
        assert body["results"][0]["status"] == "rejected"
        assert body["results"][0]["error"]["code"] == "ticket_not_found"  # outside their view entirely
        assert body["last_mutation_id"] == 1
        await session.refresh(ticket)
        assert (ticket.status, ticket.version) == ("dispatched", 1)

    async def test_volunteer_may_not_sign(self, client, session, setup):
        ticket, _, _ = setup
        volunteer = await make_user(session, roles=["volunteer"])
        await session.execute(select(Ticket).where(Ticket.id == ticket.id))
        cid = f"phone-{uuid.uuid4().hex[:8]}"
        body = await push(client, bearer(volunteer), cid,
                          mutation(1, "ticket.sign", ticket_id=str(ticket.id), base_version=1))
        assert body["results"][0]["error"]["code"] in ("ticket_not_found", "role_forbidden")

    async def test_handle_needs_photos(self, client, session, setup):
        ticket, handler, _ = setup
        cid = f"phone-{uuid.uuid4().hex[:8]}"
        body = await push(client, handler, cid, mutation(1, "ticket.handle", ticket_id=str(ticket.id),
                                                         base_version=1, photos=[]))
        assert body["results"][0]["error"]["code"] == "invalid_arguments"

    async def test_handle_then_extension(self, client, session, setup):
        ticket, handler, _ = setup
        cid = f"phone-{uuid.uuid4().hex[:8]}"
        body = await push(client, handler, cid,
                          mutation(1, "ticket.request_extension", ticket_id=str(ticket.id), base_version=1,
                                   hours=8, reason="需要协调"),
                          mutation(2, "ticket.handle", ticket_id=str(ticket.id), photos=["b" * 64],
                                   note="已清理"))
        assert [r["status"] for r in body["results"]] == ["applied", "applied"], body
        await session.refresh(ticket)
        assert ticket.status == "handled"
