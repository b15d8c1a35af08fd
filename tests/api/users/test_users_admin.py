"""User admin: roles, unit, grid beats, password resets; and every demo user can sign in."""

from __future__ import annotations

import asyncio

import httpx
from sqlalchemy import select

from api.app import create_app
from api.cli import main as cli_main
from api.db import make_engine, make_sessionmaker
from api.settings import Settings
from models import RefreshToken
from models.migrate import upgrade
from tests.api.org.conftest import bearer
from tests.conftest import TEST_SECRET
from tests.factories import PASSWORD, login, make_area, make_unit, make_user
from tests.fresh_db import fresh_database


async def _admin(session):
    return bearer(await make_user(session, roles=["admin"]))


class TestCreateUser:
    async def test_grid_worker_with_beat(self, client, session):
        g1, g2 = await make_area(session, level="grid"), await make_area(session, level="grid")
        r = await client.post("/api/v1/users", headers=await _admin(session), json={
            "username": "gw100", "name": "网格员", "password": "Secret#2026", "phone": "13900000100",
            "roles": ["grid_worker"], "grids": [g2.code, g1.code]})
        assert r.status_code == 201, r.text
        assert r.json()["grid_codes"] == sorted([g1.code, g2.code])
        await login(client, "13900000100", "Secret#2026")

    async def test_handler_with_unit(self, client, session):
        unit = await make_unit(session)
        r = await client.post("/api/v1/users", headers=await _admin(session), json={
            "username": "h100", "name": "处置员", "password": "Secret#2026", "roles": ["unit_handler"],
            "unit": unit.code})
        assert r.json()["unit_code"] == unit.code and r.json()["unit_name"] == unit.name

    async def test_unknown_unit_and_non_grid(self, client, session):
        h = await _admin(session)
        r = await client.post("/api/v1/users", headers=h, json={
            "username": "h101", "name": "x", "password": "Secret#2026", "roles": ["unit_handler"], "unit": "NOPE"})
        assert r.status_code == 422 and r.json()["error"]["details"]["field"] == "unit"
        street = await make_area(session, level="street")
        r = await client.post("/api/v1/users", headers=h, json={
            "username": "h102", "name": "x", "password": "Secret#2026", "roles": ["grid_worker"],
            "grids": [street.code]})
        assert r.status_code == 422 and r.json()["error"]["code"] == "not_a_grid"

    async def test_taken_username_and_phone(self, client, session):
        other = await make_user(session, phone="13900000200")
        h = await _admin(session)
        r = await client.post("/api/v1/users", headers=h, json={
            "username": other.username, "name": "x", "password": "Secret#2026", "roles": ["volunteer"]})
        assert r.status_code == 409 and r.json()["error"]["code"] == "username_taken"
        r = await client.post("/api/v1/users", headers=h, json={
            "username": "fresh1", "name": "x", "password": "Secret#2026", "roles": ["volunteer"],
            "phone": "13900000200"})
        assert r.status_code == 409 and r.json()["error"]["code"] == "phone_taken"

    async def test_bad_input(self, client, session):
        r = await client.post("/api/v1/users", headers=await _admin(session), json={
            "username": "a b", "name": "x", "password": "short", "roles": ["mayor"], "is_superuser": True})
        assert r.status_code == 422
        fields = {e["loc"][1] for e in r.json()["error"]["details"]["errors"]}
        assert {"username", "password", "roles", "is_superuser"} <= fields


class TestUpdateUser:
    async def test_password_reset_signs_out(self, client, session):
        user = await make_user(session)
        r = await client.post("/api/v1/auth/login", json={"username": user.username, "password": PASSWORD})
        refresh = r.json()["refresh_token"]
        r = await client.patch(f"/api/v1/users/{user.id}", headers=await _admin(session),
                               json={"password": "Brand-new-1"})
        assert r.status_code == 200
        r = await client.post("/api/v1/auth/refresh", json={"refresh_token": refresh})
        assert r.status_code == 401
        revoked = (await session.execute(select(RefreshToken.revoked_at)
                                         .where(RefreshToken.user_id == user.id))).scalars().all()
        assert revoked and all(revoked)
        await login(client, user.username, "Brand-new-1")

    async def test_roles_unit_grids_clear(self, client, session):
        grid = await make_area(session, level="grid")
        unit = await make_unit(session)
        user = await make_user(session, roles=["grid_worker"], grids=[grid], unit_id=unit.id)
        r = await client.patch(f"/api/v1/users/{user.id}", headers=await _admin(session),
                               json={"roles": ["volunteer"], "grids": [], "unit": None})
        body = r.json()
        assert body["roles"] == ["volunteer"] and body["grid_codes"] == [] and body["unit_code"] is None

    async def test_disable(self, client, session):
        user = await make_user(session)
        r = await client.patch(f"/api/v1/users/{user.id}", headers=await _admin(session), json={"active": False})
        assert r.json()["active"] is False
        r = await client.post("/api/v1/auth/login", json={"username": user.username, "password": PASSWORD})
        assert r.status_code == 401

    async def test_unknown_user(self, client, session):
        h = await _admin(session)
        r = await client.patch("/api/v1/users/00000000-0000-0000-0000-000000000000", headers=h, json={"name": "x"})
        assert r.status_code == 404
        r = await client.get("/api/v1/users/not-a-uuid", headers=h)
        assert r.status_code == 422


class TestListUsers:
    async def test_filter_by_role_and_unit(self, client, session):
        unit = await make_unit(session)
        handler = await make_user(session, roles=["unit_handler"], unit_id=unit.id)
        await make_user(session, roles=["unit_handler"])
        h = await _admin(session)
        r = await client.get("/api/v1/users", headers=h, params={"role": "unit_handler", "unit": unit.code})
        assert [u["username"] for u in r.json()["items"]] == [handler.username]
        r = await client.get("/api/v1/users", headers=h, params={"role": "supervisor"})
        assert all("supervisor" in u["roles"] for u in r.json()["items"])
        r = await client.get("/api/v1/users", headers=h, params={"role": "mayor"})
        assert r.status_code == 422


async def test_every_demo_user_signs_in_after_seed_demo(tmp_path, monkeypatch):
    """`civicloop seed-demo` on a fresh database, then each demo user signs in with Demo@2026."""
    import json

    from api.org.cli import demo_city_dir
    from api.settings import get_settings

    async with fresh_database(tmp_path) as url:
        await asyncio.to_thread(upgrade, url, "heads")
        monkeypatch.setenv("DATABASE_URL", url)
        get_settings.cache_clear()
        try:
            assert await asyncio.to_thread(cli_main, ["seed-demo"]) == 0
            assert await asyncio.to_thread(cli_main, ["seed-demo"]) == 0  # twice: idempotent
        finally:
            get_settings.cache_clear()
        users = json.loads((demo_city_dir() / "users.json").read_text())
        engine = make_engine(url)
        settings = Settings(environment="test", database_url=url, media_dir=tmp_path / "media",
                            secret_key=TEST_SECRET, run_sweeper=False, pwa_dist=tmp_path / "no-pwa")
        app = create_app(settings, sessionmaker=make_sessionmaker(engine))
        try:
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
                for user in users:
                    r = await client.post("/api/v1/auth/login",
                                          json={"username": user["username"], "password": "Demo@2026"})
                    assert r.status_code == 200, (user["username"], r.text)
                    assert r.json()["user"]["roles"] == user["roles"]
                    assert r.json()["user"]["unit_code"] == user.get("unit")
                    assert len(r.json()["user"]["grid_codes"]) == len(user.get("grids", []))
        finally:
            await engine.dispose()
