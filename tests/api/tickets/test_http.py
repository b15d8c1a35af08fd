"""Ticket HTTP: detail, actions (409/403/404/422 envelopes), and every disallowed (state, action) pair."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from api.tickets.workflow import STATUSES, TABLE, allowed_actions
from models import TicketEvent
from tests.api.tickets.factories import auth, make_ticket, sha
from tests.factories import make_user

# Evidence that satisfies every action's payload, so only the state can refuse.
FULL = {"reason": "理由", "note": "备注", "photos": [sha(1)], "hours": 4}

DISALLOWED = [(status, action) for status in STATUSES for action in TABLE
              if status not in TABLE[action].from_states]


async def post_action(client, settings, user, ticket, action, body=None):
    return await client.post(f"/api/v1/tickets/{ticket.id}/actions/{action}", json=body or {},
                             headers=auth(settings, user))


async def event_count(session, ticket):
    return (await session.execute(select(func.count()).select_from(TicketEvent)
                                  .where(TicketEvent.ticket_id == ticket.id))).scalar_one()


class TestDisallowedPairs:
    """Every (state, action) pair the table does not allow, one test per state (fast setup)."""

    @pytest.mark.parametrize("status", STATUSES)
    async def test_409_lists_what_is_allowed(self, client, settings, session, city, people, status):
        ticket = await make_ticket(session, city, status=status, pending_extension={})
        refused = [a for s, a in DISALLOWED if s == status]
        assert refused, "every state refuses something"
        for action in refused:
            r = await post_action(client, settings, people["admin"], ticket, action, FULL)
            assert r.status_code == 409, (action, r.text)
            error = r.json()["error"]
            assert error["code"] == "ticket_invalid_transition", action
            assert (error["details"]["status"], error["details"]["action"]) == (status, action)
            assert error["details"]["allowed"] == allowed_actions(ticket), action
            assert action not in error["details"]["allowed"]
        assert await event_count(session, ticket) == 0
        await session.refresh(ticket)
        assert ticket.status == status and ticket.version == 1

    @pytest.mark.parametrize("status", ["dispatched", "in_progress"])
    async def test_extension_decisions_need_a_pending_request(self, client, settings, session, city, people,
                                                              status):
        ticket = await make_ticket(session, city, status=status)
        for action in ("approve_extension", "refuse_extension"):
            r = await post_action(client, settings, people["admin"], ticket, action, {"reason": "x"})
            assert r.status_code == 409 and "request_extension" in r.json()["error"]["details"]["allowed"]


class TestActionsOverHttp:
    async def test_sign_returns_detail_with_next_actions(self, client, settings, session, city, people):
        t = await make_ticket(session, city, status="dispatched")
        r = await post_action(client, settings, people["unit_handler"], t, "sign", {"base_version": 1})
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["ticket"]["status"] == "in_progress" and body["ticket"]["version"] == 2
        assert set(body["allowed_actions"]) == {"handle", "return", "request_extension", "note"}
        assert [e["action"] for e in body["events"]] == ["sign"]

    async def test_stale_version_409(self, client, settings, session, city, people):
        t = await make_ticket(session, city, status="dispatched", version=3)
        r = await post_action(client, settings, people["unit_handler"], t, "sign", {"base_version": 2})
        assert r.status_code == 409 and r.json()["error"]["code"] == "stale_version"
        assert r.json()["error"]["details"] == {"base_version": 2, "current_version": 3}

    async def test_wrong_role_403(self, client, settings, session, city, people):
        t = await make_ticket(session, city, status="filed")
        r = await post_action(client, settings, people["grid_worker"], t, "dispatch")
        assert r.status_code == 403 and r.json()["error"]["code"] == "role_forbidden"

    async def test_volunteer_cannot_act_on_their_own_reports_ticket(self, client, settings, session, city, people):
        t = await make_ticket(session, city, status="dispatched", reporter=people["volunteer"])
        r = await post_action(client, settings, people["volunteer"], t, "note", {"note": "hello"})
        assert r.status_code == 403
        r = await client.get(f"/api/v1/tickets/{t.id}", headers=auth(settings, people["volunteer"]))
        assert r.status_code == 200 and r.json()["allowed_actions"] == []

    async def test_other_units_ticket_is_404_not_403(self, client, settings, session, city, people):
        t = await make_ticket(session, city, status="dispatched", unit=city.so)
        r = await post_action(client, settings, people["unit_handler"], t, "sign")
        assert r.status_code == 404 and r.json()["error"]["code"] == "ticket_not_found"
        r = await client.get(f"/api/v1/tickets/{t.id}", headers=auth(settings, people["unit_handler"]))
        assert r.status_code == 404

    async def test_missing_evidence_422(self, client, settings, session, city, people):
        t = await make_ticket(session, city, status="in_progress")
        r = await post_action(client, settings, people["unit_handler"], t, "handle", {"note": "done"})
        assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_arguments"
        assert await event_count(session, t) == 0

    async def test_unknown_action_and_ticket(self, client, settings, session, city, people):
        t = await make_ticket(session, city, status="filed")
        r = await post_action(client, settings, people["admin"], t, "explode")
        assert r.status_code == 422 and r.json()["error"]["code"] == "unknown_action"
        r = await client.get(f"/api/v1/tickets/{uuid.uuid4()}", headers=auth(settings, people["admin"]))
        assert r.status_code == 404
        r = await client.get("/api/v1/tickets/not-a-uuid", headers=auth(settings, people["admin"]))
        assert r.status_code == 404

    async def test_no_token_401(self, client, session, city):
        t = await make_ticket(session, city, status="filed")
        assert (await client.get(f"/api/v1/tickets/{t.id}")).status_code == 401


class TestFullLoopOverHttp:
    async def test_report_to_close(self, client, settings, session, city, people):
        """A volunteer reports; a grid worker verifies; the desk dispatches; the unit handles; re-check closes."""
        h = {role: auth(settings, user) for role, user in people.items()}
        body = {"report_id": str(uuid.uuid4()), "category_code": city.category.code, "lat": 32.0005,
                "lon": 118.0005, "accuracy_m": 5, "captured_at": "2026-11-22T09:00:00+08:00",
                "description": "暴露垃圾", "photos": [sha("b")], "fixed_on_spot": False, "after_photos": []}
        r = await client.post("/api/v1/reports", json=body, headers=h["volunteer"])
        assert r.status_code == 201, r.text
        assert r.json()["status"] == "pending_verification"
        tid = r.json()["ticket_id"]
        assert (await client.post("/api/v1/reports", json=body, headers=h["volunteer"])).status_code == 200
        steps = [("grid_worker", "verify", {}), ("dispatcher", "dispatch", {}), ("unit_handler", "sign", {}),
                 ("unit_handler", "handle", {"photos": [sha("a")]}),
                 ("grid_worker", "recheck_pass", {"photos": [sha("c")]})]
        version = 1
        for role, action, payload in steps:
            r = await client.post(f"/api/v1/tickets/{tid}/actions/{action}", headers=h[role],
                                  json={"base_version": version, **payload})
            assert r.status_code == 200, (action, r.text)
            version = r.json()["ticket"]["version"]
        detail = (await client.get(f"/api/v1/tickets/{tid}", headers=h["dispatcher"])).json()
        assert detail["ticket"]["status"] == "closed"
        assert [e["action"] for e in detail["events"]] == ["report", "verify", "dispatch", "sign", "handle",
                                                          "recheck_pass"]
        assert detail["routing"]["rule"] == "jurisdiction" and detail["routing"]["unit_code"] == city.cm.code
        assert detail["reports"][0]["photos"] == [sha("b")] and detail["allowed_actions"] == ["note"]
        mine = (await client.get("/api/v1/reports/mine", headers=h["volunteer"])).json()
        assert [i["status"] for i in mine["items"]] == ["closed"]


class TestReportsMine:
    async def test_pages_newest_first(self, client, settings, session, city):
        user = await make_user(session, roles=["grid_worker"], grids=[city.g1])
        h = auth(settings, user)
        ids = []
        for n in range(5):
            body = {"report_id": str(uuid.uuid4()), "category_code": city.category.code, "lat": 31.5 + n,
                    "lon": 117.5, "captured_at": "2026-11-22T01:00:00Z", "photos": [sha(n)]}
            r = await client.post("/api/v1/reports", json=body, headers=h)
            assert r.status_code == 201, r.text
            ids.append(body["report_id"])
        seen, cursor = [], None
        while True:
            r = await client.get("/api/v1/reports/mine", params={"limit": 2, **({"cursor": cursor} if cursor else {})},
                                 headers=h)
            assert r.status_code == 200
            seen += [i["id"] for i in r.json()["items"]]
            cursor = r.json()["next_cursor"]
            if cursor is None:
                break
        assert sorted(seen) == sorted(ids) and len(seen) == 5

    async def test_extra_field_refused(self, client, settings, session, city):
        user = await make_user(session, roles=["grid_worker"])
        body = {"report_id": str(uuid.uuid4()), "category_code": city.category.code, "lat": 32, "lon": 118,
                "captured_at": "2026-11-22T01:00:00Z", "severity": "high"}
        r = await client.post("/api/v1/reports", json=body, headers=auth(settings, user))
        assert r.status_code == 422


class TestOpenApi:
    async def test_operations_are_published(self, client):
        paths = (await client.get("/api/v1/openapi.json")).json()["paths"]
        ops = {op["operationId"] for item in paths.values() for op in item.values()}
        assert {"tickets_list", "tickets_get", "tickets_act", "queues_triage", "queues_inbox", "queues_rechecks",
                "queues_overdue", "reports_create", "reports_mine"} <= ops
