"""Importing a city pack: the whole pack or nothing, idempotent by code."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from sqlalchemy import func, select

from api.org.city_version import current_city_version
from api.org.citypack import CityPackInvalid
from api.org.citypack_import import import_city_pack
from models import Area, ChangeLog, RoadSegment, Unit, UnitJurisdiction, User, UserGrid
from tests.api.org.conftest import edited, row_counts
from tests.factories import login, make_user

BOWTIE = {"type": "Polygon", "coordinates": [[[118.77, 32.03], [118.78, 32.04], [118.78, 32.03],
                                               [118.77, 32.04], [118.77, 32.03]]]}


class TestImportDemo:
    async def test_creates_everything(self, session, demo_files):
        before = await current_city_version(session)
        summary = await import_city_pack(session, demo_files)
        assert summary["areas"] == {"created": 31, "updated": 0, "unchanged": 0}
        assert summary["units"]["created"] == 17
        assert summary["roads"]["created"] == 6
        assert summary["rules"]["created"] == 5
        assert summary["users"]["created"] == 25
        assert await current_city_version(session) == before + 1
        levels = dict((await session.execute(
            select(Area.level, func.count()).where(Area.code.like("320199%")).group_by(Area.level))).all())
        assert levels == {"district": 1, "street": 2, "community": 4, "grid": 24}

    async def test_twice_is_idempotent(self, session, demo_files):
        await import_city_pack(session, demo_files)
        counts = await row_counts(session)
        version = await current_city_version(session)
        changes = (await session.execute(select(func.count()).select_from(ChangeLog))).scalar_one()
        summary = await import_city_pack(session, demo_files)
        assert all(c["created"] == 0 and c["updated"] == 0 for c in summary.values()), summary
        assert await row_counts(session) == counts
        assert await current_city_version(session) == version
        assert (await session.execute(select(func.count()).select_from(ChangeLog))).scalar_one() == changes

    async def test_area_changes_recorded_for_phones(self, session, demo_files):
        await import_city_pack(session, demo_files)
        logged = set((await session.execute(select(ChangeLog.entity_id).where(ChangeLog.entity == "area"))).scalars())
        assert {"320199", "320199001001005", "320199002002006"} <= logged

    async def test_links_parents_jurisdictions_grids_and_calendars(self, session, demo_files):
        await import_city_pack(session, demo_files)
        grid = (await session.execute(select(Area).where(Area.code == "320199001001005"))).scalar_one()
        parent = await session.get(Area, grid.parent_id)
        assert parent.code == "320199001001"
        assert len(grid.geometry["coordinates"]) == 2  # the lake hole
        cm = (await session.execute(select(Unit).where(Unit.code == "CM-S1"))).scalar_one()
        juris = (await session.execute(select(Area.code).join(UnitJurisdiction, UnitJurisdiction.area_id == Area.id)
                                       .where(UnitJurisdiction.unit_id == cm.id))).scalars().all()
        assert juris == ["320199001"]
        assert cm.calendar["work_hours"] == [["08:30", "12:00"], ["14:00", "17:30"]]
        assert "2026-10-01" in cm.calendar["holidays"]
        traffic = (await session.execute(select(Unit).where(Unit.code == "JT-TRAFFIC"))).scalar_one()
        assert traffic.calendar["workdays"] == [0, 1, 2, 3, 4, 5, 6]
        grid01 = (await session.execute(select(User).where(User.username == "grid01"))).scalar_one()
        grids = (await session.execute(select(func.count()).select_from(UserGrid)
                                       .where(UserGrid.user_id == grid01.id))).scalar_one()
        assert grids == 6
        road = (await session.execute(select(RoadSegment).where(RoadSegment.code == "RD-003"))).scalar_one()
        bank = await session.get(Unit, road.unit_id)
        assert bank.code == "BZ-BANK" and road.buffer_m == 15

    async def test_changed_name_updates_in_place(self, session, demo_files):
        await import_city_pack(session, demo_files)
        version = await current_city_version(session)

        def rename(doc):
            doc["features"][0]["properties"]["name"] = "江滨新区"
        summary = await import_city_pack(session, edited(demo_files, "areas.geojson", rename))
        assert summary["areas"] == {"created": 0, "updated": 1, "unchanged": 30}
        assert await current_city_version(session) == version + 1
        names = (await session.execute(select(Area.name).where(Area.code == "320199"))).scalars().all()
        assert names == ["江滨新区"]

    async def test_existing_user_keeps_password(self, session, client, demo_files):
        await import_city_pack(session, demo_files)

        def new_password(doc):
            next(u for u in doc if u["username"] == "grid01")["password"] = "Another@2027"
        await import_city_pack(session, edited(demo_files, "users.json", new_password))
        await login(client, "grid01", "Demo@2026")


def _problems(exc: pytest.ExceptionInfo) -> list[dict]:
    assert exc.value.status_code == 422 and exc.value.code == "citypack_invalid"
    return exc.value.details["problems"]


class TestRefuseBrokenPack:
    async def _refused(self, session, files) -> list[dict]:
        before = await row_counts(session)
        version = await current_city_version(session)
        with pytest.raises(CityPackInvalid) as exc:
            await import_city_pack(session, files)
        assert await row_counts(session) == before
        assert await current_city_version(session) == version
        return _problems(exc)

    async def test_self_intersecting_polygon(self, session, demo_files):
        def bowtie(doc):
            doc["features"][7]["geometry"] = BOWTIE
        problems = await self._refused(session, edited(demo_files, "areas.geojson", bowtie))
        assert len(problems) == 1
        p = problems[0]
        assert (p["file"], p["index"], p["field"]) == ("areas.geojson", 7, "geometry")
        assert p["code"] == json.loads(demo_files["areas.geojson"])["features"][7]["properties"]["code"]
        assert "Self-intersection" in p["message"]

    async def test_unknown_parent_area(self, session, demo_files):
        def orphan(doc):
            doc["features"][3]["properties"]["parent"] = "999999999"
        problems = await self._refused(session, edited(demo_files, "areas.geojson", orphan))
        assert [(p["file"], p["index"], p["field"]) for p in problems] == [("areas.geojson", 3, "parent")]
        assert "999999999" in problems[0]["message"]

    async def test_unit_jurisdiction_names_unknown_area(self, session, demo_files):
        def bad(doc):
            doc[1]["jurisdiction"] = ["320199001", "320199777"]
        problems = await self._refused(session, edited(demo_files, "units.json", bad))
        assert [(p["file"], p["index"], p["code"], p["field"]) for p in problems] == [
            ("units.json", 1, "CM-S1", "jurisdiction")]

    async def test_rule_names_unknown_category(self, session, demo_files):
        def bad(doc):
            doc[0]["category"] = "09999"
        problems = await self._refused(session, edited(demo_files, "rules.json", bad))
        assert [(p["file"], p["index"], p["field"]) for p in problems] == [("rules.json", 0, "category")]

    async def test_every_problem_is_reported(self, session, demo_files):
        files = edited(demo_files, "rules.json", lambda d: d[1].update(unit="NOPE", area="1"))
        files = edited(files, "roads.geojson", lambda d: d["features"][0]["properties"].update(unit="GHOST"))
        files = edited(files, "users.json", lambda d: d[0].update(roles=["mayor"]))
        files = edited(files, "users.json", lambda d: d[3].update(grids=["320199001"]))
        problems = await self._refused(session, files)
        where = {(p["file"], p["index"], p["field"]) for p in problems}
        assert where == {("rules.json", 1, "unit"), ("rules.json", 1, "area"), ("roads.geojson", 0, "unit"),
                         ("users.json", 0, "roles"), ("users.json", 3, "grids")}

    async def test_wrong_parent_level(self, session, demo_files):
        def skip_level(doc):
            grid = next(f for f in doc["features"] if f["properties"]["level"] == "grid")
            grid["properties"]["parent"] = "320199"
        problems = await self._refused(session, edited(demo_files, "areas.geojson", skip_level))
        assert [p["field"] for p in problems] == ["parent"]

    async def test_not_json(self, session, demo_files):
        problems = await self._refused(session, {**demo_files, "units.json": b"[{\"code\": "})
        assert problems[0]["file"] == "units.json" and "not valid JSON" in problems[0]["message"]

    async def test_unknown_fields_and_bad_calendar(self, session, demo_files):
        def bad(doc):
            doc[0]["jurisdication"] = []
            doc[2]["calendar"] = {"work_hours": [["17:30", "08:30"]], "workdays": [7]}
        problems = await self._refused(session, edited(demo_files, "units.json", bad))
        assert {(p["index"], p["field"]) for p in problems} == {
            (0, "jurisdication"), (2, "calendar.work_hours"), (2, "calendar.workdays")}

    async def test_wrong_geometry_type(self, session, demo_files):
        def point(doc):
            doc["features"][0]["geometry"] = {"type": "Point", "coordinates": [118.78, 32.04]}
        problems = await self._refused(session, edited(demo_files, "roads.geojson", point))
        assert (problems[0]["file"], problems[0]["code"], problems[0]["field"]) == (
            "roads.geojson", "RD-001", "geometry")


class TestUploadEndpoint:
    async def test_admin_uploads_files(self, client, session, demo_files):
        admin = await make_user(session, roles=["admin"])
        headers = await login(client, admin.username)
        files = [("files", (name, data, "application/json")) for name, data in demo_files.items()]
        r = await client.post("/api/v1/admin/city-pack", files=files, headers=headers)
        assert r.status_code == 200, r.text
        assert r.json()["areas"]["created"] == 31

    async def test_admin_uploads_zip(self, client, session, demo_files):
        admin = await make_user(session, roles=["admin"])
        headers = await login(client, admin.username)
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            for name, data in demo_files.items():
                z.writestr(f"city/{name}", data)
            z.writestr("city/README.md", "not part of the pack")
        r = await client.post("/api/v1/admin/city-pack", headers=headers,
                              files=[("files", ("city.zip", buf.getvalue(), "application/zip"))])
        assert r.status_code == 200, r.text
        assert r.json()["units"]["created"] == 17

    async def test_refusal_is_an_envelope(self, client, session, demo_files):
        admin = await make_user(session, roles=["admin"])
        headers = await login(client, admin.username)
        units = edited(demo_files, "units.json", lambda d: d[0].update(jurisdiction=["nowhere"]))["units.json"]
        r = await client.post("/api/v1/admin/city-pack", headers=headers,
                              files=[("files", ("units.json", units, "application/json"))])
        assert r.status_code == 422
        body = r.json()["error"]
        assert body["code"] == "citypack_invalid"
        assert body["details"]["problems"][0]["field"] == "jurisdiction"
        assert (await session.execute(select(func.count()).select_from(Unit))).scalar_one() == 0

    async def test_bad_zip(self, client, session):
        admin = await make_user(session, roles=["admin"])
        headers = await login(client, admin.username)
        r = await client.post("/api/v1/admin/city-pack", headers=headers,
                              files=[("files", ("city.zip", b"PK not really", "application/zip"))])
        assert r.status_code == 422
        assert r.json()["error"]["code"] == "citypack_invalid"

    @pytest.mark.parametrize("role", ["dispatcher", "supervisor", "grid_worker", "volunteer", "unit_handler"])
    async def test_non_admin_forbidden(self, client, session, role, demo_files):
        user = await make_user(session, roles=[role])
        headers = await login(client, user.username)
        r = await client.post("/api/v1/admin/city-pack", headers=headers,
                              files=[("files", ("rules.json", demo_files["rules.json"], "application/json"))])
        assert r.status_code == 403

    async def test_no_token(self, client, demo_files):
        r = await client.post("/api/v1/admin/city-pack",
                              files=[("files", ("rules.json", demo_files["rules.json"], "application/json"))])
        assert r.status_code == 401


class TestUserPhones:
    async def test_phone_of_another_user_refused(self, session, demo_files):
        await make_user(session, phone="13800001111")

        def phone(doc):
            doc[0]["phone"] = "13800001111"
            doc[1]["phone"] = "13800002222"
            doc[2]["phone"] = "13800002222"
        with pytest.raises(CityPackInvalid) as exc:
            await import_city_pack(session, edited(demo_files, "users.json", phone))
        assert {(p["index"], p["field"]) for p in _problems(exc)} == {(0, "phone"), (2, "phone")}
