"""GET /api/v1/notifications and POST /api/v1/notifications/{id}/read."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from models import Notification, NotificationRead
from tests.factories import login, make_unit, make_user

T0 = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)


async def add(session, minutes, **kw):
    n = Notification(kind=kw.pop("kind", "overdue"), message=kw.pop("message", "案件已超期"),
                     created_at=T0 + timedelta(minutes=minutes), **kw)
    session.add(n)
    await session.flush()
    return n


class TestList:
    async def test_the_callers_own_unit_and_role(self, client, session):
        unit, other_unit = await make_unit(session), await make_unit(session)
        handler = await make_user(session, roles=["unit_handler"], unit_id=unit.id)
        someone = await make_user(session)
        mine = await add(session, 1, user_id=handler.id)
        for_unit = await add(session, 2, unit_id=unit.id)
        for_role = await add(session, 3, role="unit_handler")
        await add(session, 4, unit_id=other_unit.id)
        await add(session, 5, role="supervisor")
        await add(session, 6, user_id=someone.id)

        r = await client.get("/api/v1/notifications", headers=await login(client, handler.username))

        assert r.status_code == 200
        body = r.json()
        assert [i["id"] for i in body["items"]] == [str(for_role.id), str(for_unit.id), str(mine.id)]
        assert body["unread"] == 3 and body["next_cursor"] is None

    async def test_unread_filter_and_mark_read(self, client, session):
        sup = await make_user(session, roles=["supervisor"])
        a = await add(session, 1, role="supervisor")
        b = await add(session, 2, role="supervisor")
        headers = await login(client, sup.username)

        r = await client.post(f"/api/v1/notifications/{a.id}/read", headers=headers)
        assert r.status_code == 200 and r.json()["read_at"] is not None
        again = await client.post(f"/api/v1/notifications/{a.id}/read", headers=headers)
        assert again.json()["read_at"] == r.json()["read_at"]  # idempotent

        unread = (await client.get("/api/v1/notifications?unread=true", headers=headers)).json()
        assert [i["id"] for i in unread["items"]] == [str(b.id)] and unread["unread"] == 1
        everything = (await client.get("/api/v1/notifications", headers=headers)).json()
        assert len(everything["items"]) == 2

    async def test_cursor_pagination_walks_every_row_once(self, client, session):
        user = await make_user(session)
        made = [await add(session, m, user_id=user.id) for m in (1, 2, 2, 2, 3, 4, 5)]  # ties on created_at
        headers = await login(client, user.username)
        seen, cursor = [], None
        for _ in range(10):
            params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
            page = (await client.get("/api/v1/notifications", params=params, headers=headers)).json()
            assert len(page["items"]) <= 2
            seen += [i["id"] for i in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert sorted(seen) == sorted(str(n.id) for n in made) and len(seen) == len(set(seen))
        by_id = {str(n.id): n.created_at for n in made}
        assert [by_id[i] for i in seen] == sorted(by_id.values(), reverse=True)  # newest first

    async def test_bad_cursor_and_page_cap(self, client, session):
        user = await make_user(session)
        headers = await login(client, user.username)
        r = await client.get("/api/v1/notifications", params={"cursor": "not-a-cursor"}, headers=headers)
        assert r.status_code == 400 and r.json()["error"]["code"] == "bad_cursor"
        r = await client.get("/api/v1/notifications", params={"limit": 1000}, headers=headers)
        assert r.status_code == 422

    async def test_needs_sign_in(self, client):
        assert (await client.get("/api/v1/notifications")).status_code == 401


class TestMarkRead:
    async def test_someone_elses_is_not_found(self, client, session):
        owner, other = await make_user(session), await make_user(session)
        n = await add(session, 1, user_id=owner.id)
        r = await client.post(f"/api/v1/notifications/{n.id}/read", headers=await login(client, other.username))
        assert r.status_code == 404
        assert not await read_by(session, other, [n]) and not await read_by(session, owner, [n])

    async def test_unknown_id(self, client, session):
        user = await make_user(session)
        r = await client.post(f"/api/v1/notifications/{uuid.uuid4()}/read", headers=await login(client, user.username))
        assert r.status_code == 404


class TestReadAll:
    async def test_marks_only_what_reaches_the_caller(self, client, session):
        unit, other_unit = await make_unit(session), await make_unit(session)
        handler = await make_user(session, roles=["unit_handler"], unit_id=unit.id)
        mine = [await add(session, 1, unit_id=unit.id, kind="urge"), await add(session, 2, user_id=handler.id)]
        already = await add(session, 3, unit_id=unit.id, read_at=T0)  # read before per-reader state
        others = [await add(session, 4, unit_id=other_unit.id), await add(session, 5, role="supervisor")]
        headers = await login(client, handler.username)

        r = await client.post("/api/v1/notifications/read-all", headers=headers)

        assert r.status_code == 200 and r.json() == {"marked": 2}
        listed = (await client.get("/api/v1/notifications", headers=headers)).json()
        assert listed["unread"] == 0
        read_at = {i["id"]: i["read_at"] for i in listed["items"]}
        assert all(read_at[str(n.id)] is not None for n in mine)
        assert datetime.fromisoformat(read_at[str(already.id)]) == T0  # first reading kept
        assert not await read_by(session, handler, others)
        assert (await client.post("/api/v1/notifications/read-all", headers=headers)).json() == {"marked": 0}


class TestReadPerReader:
    async def test_one_handler_reading_a_unit_notice_leaves_it_new_for_the_others(self, client, session):
        unit = await make_unit(session)
        first, second = [await make_user(session, roles=["unit_handler"], unit_id=unit.id) for _ in range(2)]
        urge = await add(session, 1, unit_id=unit.id, kind="urge", message="请尽快处置")
        also = await add(session, 2, unit_id=unit.id)
        as_first, as_second = await login(client, first.username), await login(client, second.username)

        r = await client.post(f"/api/v1/notifications/{urge.id}/read", headers=as_first)
        assert r.status_code == 200 and r.json()["read_at"] is not None

        seen_by_second = (await client.get("/api/v1/notifications", headers=as_second)).json()
        assert seen_by_second["unread"] == 2
        assert all(i["read_at"] is None for i in seen_by_second["items"])
        assert (await client.get("/api/v1/notifications", headers=as_first)).json()["unread"] == 1

        assert (await client.post("/api/v1/notifications/read-all", headers=as_second)).json() == {"marked": 2}
        unread_for_first = (await client.get("/api/v1/notifications?unread=true", headers=as_first)).json()
        assert [i["id"] for i in unread_for_first["items"]] == [str(also.id)]  # the second's reading is theirs
        assert await read_by(session, first, [urge, also]) == [urge]


async def read_by(session, user, notifications) -> list[Notification]:
    """Which of `notifications` `user` has read."""
    ids = (await session.execute(select(NotificationRead.notification_id).where(
        NotificationRead.user_id == user.id,
        NotificationRead.notification_id.in_([n.id for n in notifications])))).scalars().all()
    return [n for n in notifications if n.id in set(ids)]
