"""Area and unit admin: writes validate geometry and references, and move the city version."""

from __future__ import annotations

from sqlalchemy import func, select

from api.org.city_version import current_city_version
from models import ChangeLog, UnitJurisdiction
from tests.api.org.conftest import bearer
from tests.factories import make_area, make_unit, make_user, square

BOWTIE = {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}


async def _admin(session):
    return bearer(await make_user(session, roles=["admin"]))


class TestCreateArea:
    async def test_district_then_street(self, client, session):
        h = await _admin(session)
        version = await current_city_version(session)
        r = await client.post("/api/v1/areas", headers=h, json={"code": "990001", "name": "测试区", "level": "district",
                                                               "geometry": square(118.9, 32.1, 0.01)})
        assert r.status_code == 201, r.text
        r = await client.post("/api/v1/areas", headers=h, json={"code": "990001001", "name": "测试街道",
                                                               "level": "street", "parent": "990001",
                                                               "geometry": square(118.9, 32.1, 0.005)})
        assert r.status_code == 201, r.text
        assert r.json()["parent"] == "990001"
        assert await current_city_version(session) == version + 2
        logged = (await session.execute(select(ChangeLog.entity_id).where(ChangeLog.entity == "area"))).scalars()
        assert {"990001", "990001001"} <= set(logged)

    async def test_self_intersecting_refused(self, client, session):
        r = await client.post("/api/v1/areas", headers=await _admin(session),
                              json={"code": "990002", "name": "坏区", "level": "district", "geometry": BOWTIE})
        assert r.status_code == 422
        assert r.json()["error"]["code"] == "invalid_geometry"
        assert r.json()["error"]["details"]["field"] == "geometry"

    async def test_wrong_parent_level(self, client, session):
        district = await make_area(session, level="district")
        r = await client.post("/api/v1/areas", headers=await _admin(session),
                              json={"code": "990003", "name": "网格", "level": "grid", "parent": district.code,
                                    "geometry": square(118.0, 32.0)})
        assert r.status_code == 422
        assert r.json()["error"]["code"] == "invalid_parent"

    async def test_unknown_parent(self, client, session):
        r = await client.post("/api/v1/areas", headers=await _admin(session),
                              json={"code": "990004", "name": "街道", "level": "street", "parent": "nowhere",
                                    "geometry": square(118.0, 32.0)})
        assert r.status_code == 422
        assert r.json()["error"]["details"] == {"field": "parent", "values": ["nowhere"]}

    async def test_duplicate_code(self, client, session):
        area = await make_area(session, level="district")
        r = await client.post("/api/v1/areas", headers=await _admin(session),
                              json={"code": area.code, "name": "重复", "level": "district",
                                    "geometry": square(118.0, 32.0)})
        assert r.status_code == 409
        assert r.json()["error"]["code"] == "area_exists"


class TestUpdateArea:
    async def test_geometry(self, client, session):
        area = await make_area(session, level="district")
        version = await current_city_version(session)
        r = await client.patch(f"/api/v1/areas/{area.code}", headers=await _admin(session),
                               json={"geometry": square(118.5, 32.5)})
        assert r.status_code == 200
        assert r.json()["geometry"]["coordinates"][0][0] == [118.5, 32.5]
        assert await current_city_version(session) == version + 1

    async def test_missing(self, client, session):
        r = await client.patch("/api/v1/areas/nope", headers=await _admin(session), json={"name": "x"})
        assert r.status_code == 404
        assert r.json()["error"]["code"] == "area_not_found"


class TestListAreas:
    async def test_filter_and_paginate(self, client, session):
        district = await make_area(session, level="district", code="P0")
        for i in range(5):
            await make_area(session, level="street", code=f"P0{i:02d}", parent_id=district.id)
        h = bearer(await make_user(session, roles=["dispatcher"]))
        seen, cursor = [], None
        while True:
            params = {"parent": "P0", "limit": 2, "geometry": "false", **({"cursor": cursor} if cursor else {})}
            r = await client.get("/api/v1/areas", headers=h, params=params)
            assert r.status_code == 200
            body = r.json()
            assert len(body["items"]) <= 2 and all(a["geometry"] is None for a in body["items"])
            seen += [a["code"] for a in body["items"]]
            cursor = body["next_cursor"]
            if not cursor:
                break
        assert seen == [f"P0{i:02d}" for i in range(5)]

    async def test_page_cap(self, client, session):
        h = bearer(await make_user(session, roles=["admin"]))
        r = await client.get("/api/v1/areas", headers=h, params={"limit": 101})
        assert r.status_code == 422
        assert r.json()["error"]["code"] == "validation_error"

    async def test_bad_cursor(self, client, session):
        h = bearer(await make_user(session, roles=["admin"]))
        r = await client.get("/api/v1/areas", headers=h, params={"cursor": "!!not-ours"})
        assert r.status_code == 400
        assert r.json()["error"]["code"] == "invalid_cursor"


class TestUnits:
    async def test_create_with_jurisdiction_and_calendar(self, client, session):
        street = await make_area(session, level="street")
        version = await current_city_version(session)
        r = await client.post("/api/v1/units", headers=await _admin(session), json={
            "code": "T-UNIT", "name": "测试中队", "dept_type": "city_management", "jurisdiction": [street.code],
            "calendar": {"work_hours": [["09:00", "17:00"]], "workdays": [0, 1, 2, 3, 4, 5]}})
        assert r.status_code == 201, r.text
        body = r.json()
        assert body["jurisdiction"] == [street.code] and body["calendar"]["workdays"] == [0, 1, 2, 3, 4, 5]
        assert await current_city_version(session) == version + 1

    async def test_unknown_jurisdiction_area(self, client, session):
        r = await client.post("/api/v1/units", headers=await _admin(session), json={
            "code": "T-UNIT2", "name": "测试", "dept_type": "sanitation", "jurisdiction": ["ghost"]})
        assert r.status_code == 422
        assert r.json()["error"]["details"] == {"field": "jurisdiction", "values": ["ghost"]}

    async def test_bad_calendar(self, client, session):
        r = await client.post("/api/v1/units", headers=await _admin(session), json={
            "code": "T-UNIT3", "name": "测试", "dept_type": "sanitation",
            "calendar": {"holidays": ["2026-13-01"], "work_hours": [["18:00", "08:00"]]}})
        assert r.status_code == 422
        fields = {p["field"] for p in r.json()["error"]["details"]["problems"]}
        assert fields == {"holidays", "work_hours"}

    async def test_update_replaces_jurisdiction(self, client, session):
        a, b = await make_area(session, level="street"), await make_area(session, level="street")
        unit = await make_unit(session, jurisdiction=[a])
        r = await client.patch(f"/api/v1/units/{unit.code}", headers=await _admin(session),
                               json={"jurisdiction": [b.code], "active": False})
        assert r.status_code == 200
        assert r.json()["jurisdiction"] == [b.code] and r.json()["active"] is False
        rows = (await session.execute(select(func.count()).select_from(UnitJurisdiction)
                                      .where(UnitJurisdiction.unit_id == unit.id))).scalar_one()
        assert rows == 1

    async def test_parent_loop_refused(self, client, session):
        top = await make_unit(session)
        child = await make_unit(session, parent_id=top.id)
        r = await client.patch(f"/api/v1/units/{top.code}", headers=await _admin(session),
                               json={"parent": child.code})
        assert r.status_code == 422
        assert r.json()["error"]["code"] == "invalid_parent"

    async def test_list_by_area_and_dept(self, client, session):
        street = await make_area(session, level="street")
        inside = await make_unit(session, dept_type="sanitation", jurisdiction=[street])
        await make_unit(session, dept_type="sanitation")
        h = bearer(await make_user(session, roles=["supervisor"]))
        r = await client.get("/api/v1/units", headers=h, params={"area": street.code, "dept_type": "sanitation"})
        assert [u["code"] for u in r.json()["items"]] == [inside.code]


class TestBadInput:
    async def test_malformed_json(self, client, session):
        r = await client.post("/api/v1/units", headers={**await _admin(session), "content-type": "application/json"},
                              content=b'{"code": ')
        assert r.status_code == 422
        assert r.json()["error"]["code"] == "malformed_json"

    async def test_wrong_types(self, client, session):
        r = await client.post("/api/v1/areas", headers=await _admin(session),
                              json={"code": 5, "name": ["x"], "level": "planet", "geometry": "square"})
        assert r.status_code == 422
        locs = {tuple(e["loc"]) for e in r.json()["error"]["details"]["errors"]}
        assert {("body", "code"), ("body", "name"), ("body", "level"), ("body", "geometry")} <= locs

    async def test_unknown_field(self, client, session):
        unit = await make_unit(session)
        r = await client.patch(f"/api/v1/units/{unit.code}", headers=await _admin(session),
                               json={"name": "x", "budget": 100})
        assert r.status_code == 422
        assert r.json()["error"]["details"]["errors"][0]["type"] == "extra_forbidden"

    async def test_geometry_garbage(self, client, session):
        r = await client.post("/api/v1/areas", headers=await _admin(session),
                              json={"code": "G1", "name": "x", "level": "district",
                                    "geometry": {"type": "Polygon", "coordinates": [["a", "b"]]}})
        assert r.status_code == 422
        assert r.json()["error"]["code"] == "invalid_geometry"
