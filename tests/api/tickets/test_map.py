"""GET /api/v1/queues/map: every open ticket in scope as a map point, with an ETag."""

from __future__ import annotations

from datetime import timedelta

from api.tickets import queries
from models import utcnow
from tests.api.tickets.factories import as_principal, auth, make_ticket


async def test_open_tickets_only_with_overdue_and_unit(client, settings, session, city, people):
    now = utcnow()
    late = await make_ticket(session, city, status="dispatched", due_at=now - timedelta(hours=1),
                             reported_at=now - timedelta(hours=3))
    filed = await make_ticket(session, city, status="filed", reported_at=now - timedelta(hours=2))
    parked = await make_ticket(session, city, status="parked", reported_at=now - timedelta(hours=1))
    await make_ticket(session, city, status="closed")

    r = await client.get("/api/v1/queues/map", headers=auth(settings, people["supervisor"]))

    assert r.status_code == 200, r.text
    body = r.json()
    mine = {i["number"]: i for i in body["items"] if i["number"] in {late.number, filed.number, parked.number}}
    assert set(mine) == {late.number, filed.number, parked.number}
    assert mine[late.number]["overdue"] is True and mine[filed.number]["overdue"] is False
    assert mine[late.number]["unit_name"] == city.cm.name and mine[filed.number]["unit_name"] is None
    assert set(mine[late.number]) == {"id", "number", "status", "category_code", "lat", "lon", "overdue", "unit_name"}
    assert body["truncated"] is False and body["total"] == len(body["items"])


async def test_etag_answers_304_until_something_moves(client, settings, session, city, people):
    ticket = await make_ticket(session, city, status="dispatched")
    headers = auth(settings, people["dispatcher"])
    first = await client.get("/api/v1/queues/map", headers=headers)
    etag = first.headers["etag"]
    again = await client.get("/api/v1/queues/map", headers={**headers, "If-None-Match": etag})
    assert again.status_code == 304
    ticket.version += 1
    ticket.updated_at = utcnow()
    await session.flush()
    moved = await client.get("/api/v1/queues/map", headers={**headers, "If-None-Match": etag})
    assert moved.status_code == 200 and moved.headers["etag"] != etag


async def test_more_than_the_cap_shows_the_most_recent_and_says_so(session, city, people):
    now = utcnow()
    made = [await make_ticket(session, city, status="filed", reported_at=now + timedelta(minutes=m)) for m in (1, 2, 3)]
    body, _ = await queries.map_points(session, await as_principal(session, people["supervisor"]), limit=2)
    assert [i["number"] for i in body["items"]] == [made[2].number, made[1].number]
    assert body["truncated"] is True and body["total"] >= 3


async def test_desk_only(client, settings, people):
    r = await client.get("/api/v1/queues/map", headers=auth(settings, people["unit_handler"]))
    assert r.status_code == 403 and r.json()["error"]["code"] == "role_forbidden"
