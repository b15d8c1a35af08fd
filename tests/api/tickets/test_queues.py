"""Lists and work queues: scoping by role and territory, filters, keyset cursors, ETag/304."""

from __future__ import annotations

from datetime import timedelta

import pytest

from models import utcnow
from tests.api.tickets.factories import auth, make_ticket
from tests.factories import make_area, make_unit, make_user


async def get(client, settings, user, path, **params):
    r = await client.get(f"/api/v1{path}", params=params, headers=auth(settings, user))
    assert r.status_code == 200, r.text
    return r.json()


def numbers(page):
    return [i["number"] for i in page["items"]]


class TestScope:
    async def test_unit_handler_sees_only_their_unit(self, client, settings, session, city, people):
        mine = await make_ticket(session, city, status="dispatched", unit=city.cm)
        await make_ticket(session, city, status="dispatched", unit=city.so)
        page = await get(client, settings, people["unit_handler"], "/tickets")
        assert numbers(page) == [mine.number]

    async def test_grid_worker_sees_their_grids_and_own_reports(self, client, settings, session, city, people):
        in_grid = await make_ticket(session, city, status="filed", grid=city.g1)
        own = await make_ticket(session, city, status="filed", grid=city.g2, reporter=people["grid_worker"])
        await make_ticket(session, city, status="filed", grid=city.g2)
        page = await get(client, settings, people["grid_worker"], "/tickets", sort="reported_at", order="asc")
        assert sorted(numbers(page)) == sorted([in_grid.number, own.number])

    async def test_volunteer_sees_only_own(self, client, settings, session, city, people):
        await make_ticket(session, city, status="filed")
        own = await make_ticket(session, city, status="filed", reporter=people["volunteer"])
        assert numbers(await get(client, settings, people["volunteer"], "/tickets")) == [own.number]

    async def test_desk_sees_everything(self, client, settings, session, city, people):
        for status in ("reported", "closed", "dispatched"):
            await make_ticket(session, city, status=status)
        assert len((await get(client, settings, people["supervisor"], "/tickets"))["items"]) == 3


class TestFilters:
    async def test_status_multi_category_unit_source(self, client, settings, session, city, people):
        a = await make_ticket(session, city, status="dispatched", unit=city.so, source="volunteer")
        b = await make_ticket(session, city, status="in_progress")
        await make_ticket(session, city, status="closed")
        d = people["dispatcher"]
        page = await get(client, settings, d, "/tickets", status=["dispatched", "in_progress"])
        assert sorted(numbers(page)) == sorted([a.number, b.number])
        assert numbers(await get(client, settings, d, "/tickets", unit=city.so.code)) == [a.number]
        assert numbers(await get(client, settings, d, "/tickets", unit=str(city.so.id))) == [a.number]
        assert numbers(await get(client, settings, d, "/tickets", source="volunteer")) == [a.number]
        assert len((await get(client, settings, d, "/tickets", category="06010"))["items"]) == 0

    async def test_area_includes_descendants(self, client, settings, session, city, people):
        g1 = await make_ticket(session, city, status="filed", grid=city.g1)
        g2 = await make_ticket(session, city, status="filed", grid=city.g2)
        d = people["dispatcher"]
        assert numbers(await get(client, settings, d, "/tickets", area=city.g2.code)) == [g2.number]
        both = await get(client, settings, d, "/tickets", area=city.district.code)
        assert sorted(numbers(both)) == sorted([g1.number, g2.number])
        elsewhere = await make_area(session, level="street")
        assert numbers(await get(client, settings, d, "/tickets", area=elsewhere.code)) == []

    async def test_period_and_overdue(self, client, settings, session, city, people):
        now = utcnow()
        late = await make_ticket(session, city, status="in_progress", due_at=now - timedelta(hours=1),
                                 reported_at=now - timedelta(days=3))
        fine = await make_ticket(session, city, status="in_progress", due_at=now + timedelta(hours=1))
        d = people["dispatcher"]
        page = await get(client, settings, d, "/tickets", overdue="true")
        assert numbers(page) == [late.number] and page["items"][0]["overdue"] is True
        assert numbers(await get(client, settings, d, "/tickets", overdue="false")) == [fine.number]
        since = (now - timedelta(days=1)).isoformat()
        assert numbers(await get(client, settings, d, "/tickets", **{"from": since})) == [fine.number]
        assert numbers(await get(client, settings, d, "/tickets", to=since)) == [late.number]


class TestQueues:
    async def test_inbox_is_the_units_open_work_by_due(self, client, settings, session, city, people):
        now = utcnow()
        later = await make_ticket(session, city, status="in_progress", due_at=now + timedelta(hours=5))
        sooner = await make_ticket(session, city, status="dispatched", due_at=now + timedelta(hours=1))
        await make_ticket(session, city, status="handled")
        await make_ticket(session, city, status="dispatched", unit=city.so)
        page = await get(client, settings, people["unit_handler"], "/queues/inbox")
        assert numbers(page) == [sooner.number, later.number]

    async def test_inbox_needs_the_role(self, client, settings, session, city, people):
        r = await client.get("/api/v1/queues/inbox", headers=auth(settings, people["grid_worker"]))
        assert r.status_code == 403

    async def test_triage(self, client, settings, session, city, people):
        want = [await make_ticket(session, city, status=s) for s in
                ("reported", "pending_verification", "returned", "filed")]
        want.append(await make_ticket(session, city, status="in_progress", pending_extension={"hours": 2,
                                                                                               "reason": "r"}))
        want.append(await make_ticket(session, city, status="handled", unit_id=None))  # fixed on the spot
        await make_ticket(session, city, status="handled")  # waits for the grid worker's re-check
        await make_ticket(session, city, status="in_progress")
        await make_ticket(session, city, status="closed")
        page = await get(client, settings, people["dispatcher"], "/queues/triage")
        assert sorted(numbers(page)) == sorted(t.number for t in want)

    async def test_rechecks_in_the_grid_workers_grids(self, client, settings, session, city, people):
        mine = await make_ticket(session, city, status="handled", grid=city.g1)
        await make_ticket(session, city, status="handled", grid=city.g2)
        await make_ticket(session, city, status="in_progress", grid=city.g1)
        assert numbers(await get(client, settings, people["grid_worker"], "/queues/rechecks")) == [mine.number]

    async def test_overdue_for_supervisors(self, client, settings, session, city, people):
        now = utcnow()
        late = await make_ticket(session, city, status="dispatched", due_at=now - timedelta(minutes=5))
        await make_ticket(session, city, status="dispatched", due_at=now + timedelta(minutes=5))
        await make_ticket(session, city, status="parked", due_at=now - timedelta(minutes=5))  # clock paused
        await make_ticket(session, city, status="handled", due_at=now - timedelta(minutes=5))
        page = await get(client, settings, people["supervisor"], "/queues/overdue")
        assert numbers(page) == [late.number]
        r = await client.get("/api/v1/queues/overdue", headers=auth(settings, people["unit_handler"]))
        assert r.status_code == 403


class TestPagination:
    @pytest.mark.parametrize(("sort", "order"), [("updated_at", "desc"), ("due_at", "asc"), ("due_at", "desc"),
                                                 ("reported_at", "asc")])
    async def test_cursor_walks_every_ticket_once(self, client, settings, session, city, people, sort, order):
        now = utcnow()
        made = []
        for n in range(7):
            # Ties on the sort key and missing due dates: the keyset must still be exact.
            due = None if n % 3 == 0 else now + timedelta(hours=n // 2)
            made.append(await make_ticket(session, city, status="filed", due_at=due,
                                          reported_at=now - timedelta(minutes=n // 2)))
        seen, cursor = [], None
        while True:
            params = {"limit": 3, "sort": sort, "order": order, **({"cursor": cursor} if cursor else {})}
            page = await get(client, settings, people["dispatcher"], "/tickets", **params)
            assert len(page["items"]) <= 3
            seen += numbers(page)
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert sorted(seen) == sorted(t.number for t in made) and len(seen) == 7
        if sort == "due_at":
            dues = [t.due_at for t in sorted(made, key=lambda t: seen.index(t.number))]
            present = [d for d in dues if d is not None]
            assert present == sorted(present, reverse=order == "desc")
            assert dues[len(present):] == [None] * (7 - len(present))  # missing deadlines last

    async def test_page_cap_and_bad_cursor(self, client, settings, session, city, people):
        h = auth(settings, people["dispatcher"])
        assert (await client.get("/api/v1/tickets", params={"limit": 101}, headers=h)).status_code == 422
        r = await client.get("/api/v1/tickets", params={"cursor": "garbage"}, headers=h)
        assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_cursor"


class TestETag:
    async def test_304_until_something_changes(self, client, settings, session, city, people):
        t = await make_ticket(session, city, status="filed")
        h = auth(settings, people["dispatcher"])
        r = await client.get("/api/v1/queues/triage", headers=h)
        etag = r.headers["etag"]
        assert etag.startswith('W/"')
        r = await client.get("/api/v1/queues/triage", headers={**h, "If-None-Match": etag})
        assert r.status_code == 304 and r.content == b""
        r = await client.post(f"/api/v1/tickets/{t.id}/actions/dispatch", json={}, headers=h)
        assert r.status_code == 200
        r = await client.get("/api/v1/queues/triage", headers={**h, "If-None-Match": etag})
        assert r.status_code == 200 and r.headers["etag"] != etag and r.json()["items"] == []

    async def test_etag_differs_per_user_and_query(self, client, settings, session, city, people):
        await make_ticket(session, city, status="filed")
        other = await make_user(session, roles=["dispatcher"])
        a = (await client.get("/api/v1/tickets", headers=auth(settings, people["dispatcher"]))).headers["etag"]
        b = (await client.get("/api/v1/tickets", headers=auth(settings, other))).headers["etag"]
        c = (await client.get("/api/v1/tickets", params={"limit": 5},
                              headers=auth(settings, people["dispatcher"]))).headers["etag"]
        assert len({a, b, c}) == 3

    async def test_new_ticket_in_another_unit_does_not_change_inbox_etag(self, client, settings, session, city,
                                                                          people):
        await make_ticket(session, city, status="dispatched")
        h = auth(settings, people["unit_handler"])
        etag = (await client.get("/api/v1/queues/inbox", headers=h)).headers["etag"]
        await make_ticket(session, city, status="dispatched", unit=await make_unit(session))
        r = await client.get("/api/v1/queues/inbox", headers={**h, "If-None-Match": etag})
        assert r.status_code == 304
