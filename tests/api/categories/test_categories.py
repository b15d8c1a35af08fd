"""Categories: the seeded 创城 set, local additions, and changes reaching the phones."""

from __future__ import annotations

from sqlalchemy import select

from api.org.city_version import current_city_version
from models import ChangeAudience, ChangeLog
from tests.api.org.conftest import bearer
from tests.factories import make_user


async def _admin(session):
    return bearer(await make_user(session, roles=["admin"]))


async def _changes(session, code):
    rows = await session.execute(select(ChangeLog.seq, ChangeAudience.key)
                                 .join(ChangeAudience, ChangeAudience.seq == ChangeLog.seq)
                                 .where(ChangeLog.entity == "category", ChangeLog.entity_id == code))
    return rows.all()


class TestList:
    async def test_seeded_set_for_a_grid_worker(self, client, session):
        h = bearer(await make_user(session, roles=["grid_worker"]))
        r = await client.get("/api/v1/categories", headers=h, params={"limit": 100})
        assert r.status_code == 200
        codes = {c["code"] for c in r.json()["items"]}
        assert {"09009", "09011", "06010", "06042", "07001", "08004"} <= codes

    async def test_filters(self, client, session):
        h = bearer(await make_user(session, roles=["dispatcher"]))
        r = await client.get("/api/v1/categories", headers=h, params={"group": "08"})
        assert {c["code"] for c in r.json()["items"]} == {"08004", "08007", "08011"}
        r = await client.get("/api/v1/categories", headers=h, params={"q": "垃圾", "common": "true"})
        assert {c["code"] for c in r.json()["items"]} >= {"06010", "06042"}

    async def test_hint_disambiguates(self, client, session):
        h = bearer(await make_user(session, roles=["volunteer"]))
        r = await client.get("/api/v1/categories/09005", headers=h)
        assert "09006" in r.json()["hint"]
        r = await client.get("/api/v1/categories/06010", headers=h)
        assert "06042" in r.json()["hint"] and "06011" in r.json()["hint"]

    async def test_paginates(self, client, session):
        h = bearer(await make_user(session, roles=["admin"]))
        first = (await client.get("/api/v1/categories", headers=h, params={"limit": 10})).json()
        second = (await client.get("/api/v1/categories", headers=h,
                                   params={"limit": 10, "cursor": first["next_cursor"]})).json()
        assert len(first["items"]) == 10
        assert first["items"][-1]["code"] < second["items"][0]["code"]


class TestCreate:
    async def test_local_category_in_existing_group(self, client, session):
        r = await client.post("/api/v1/categories", headers=await _admin(session), json={
            "code": "09901", "name": "占道洗车", "dept_type": "city_management", "limit_hours": 2,
            "keywords": ["洗车", " "]})
        assert r.status_code == 201, r.text
        body = r.json()
        assert body["group_code"] == "09" and body["group_name"] == "街面秩序"
        assert body["keywords"] == ["洗车"]
        assert [k for _, k in await _changes(session, "09901")] == ["all"]

    async def test_new_group_needs_name(self, client, session):
        h = await _admin(session)
        r = await client.post("/api/v1/categories", headers=h,
                              json={"code": "11001", "name": "水域不洁", "dept_type": "water"})
        assert r.status_code == 422
        assert r.json()["error"]["code"] == "group_name_required"
        r = await client.post("/api/v1/categories", headers=h, json={
            "code": "11001", "name": "水域不洁", "dept_type": "water", "group_name": "水域环境",
            "tier": "special", "limit_hours": 105})
        assert r.status_code == 201

    async def test_duplicate(self, client, session):
        r = await client.post("/api/v1/categories", headers=await _admin(session),
                              json={"code": "09009", "name": "重复", "dept_type": "traffic_police"})
        assert r.status_code == 409
        assert r.json()["error"]["code"] == "category_exists"

    async def test_bad_input(self, client, session):
        h = await _admin(session)
        r = await client.post("/api/v1/categories", headers=h, json={
            "code": "9", "name": "", "dept_type": "Traffic Police", "tier": "urgent", "limit_hours": -1,
            "colour": "red"})
        assert r.status_code == 422
        fields = {e["loc"][-1] for e in r.json()["error"]["details"]["errors"]}
        assert {"code", "name", "dept_type", "tier", "limit_hours", "colour"} <= fields


class TestUpdate:
    async def test_limit_change_recorded_without_city_bump(self, client, session):
        version = await current_city_version(session)
        r = await client.patch("/api/v1/categories/06010", headers=await _admin(session),
                               json={"limit_hours": 7, "common": False})
        assert r.status_code == 200
        assert r.json()["limit_hours"] == 7 and r.json()["common"] is False
        assert len(await _changes(session, "06010")) == 1
        assert await current_city_version(session) == version

    async def test_dept_change_bumps_city_version(self, client, session):
        version = await current_city_version(session)
        r = await client.patch("/api/v1/categories/09010", headers=await _admin(session),
                               json={"dept_type": "street_office"})
        assert r.status_code == 200
        assert await current_city_version(session) == version + 1

    async def test_deactivate_and_missing(self, client, session):
        h = await _admin(session)
        r = await client.patch("/api/v1/categories/06029", headers=h, json={"active": False})
        assert r.json()["active"] is False
        r = await client.patch("/api/v1/categories/00000", headers=h, json={"active": False})
        assert r.status_code == 404

    async def test_code_is_immutable(self, client, session):
        r = await client.patch("/api/v1/categories/06010", headers=await _admin(session), json={"code": "06099"})
        assert r.status_code == 422
