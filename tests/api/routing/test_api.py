"""POST /routing/preview and the routing-rules admin over HTTP."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from api.org.city_version import current_city_version
from models import RoutingRule
from tests.api.routing.city import C1, G1, G2, P_G1, P_G2, P_OUTSIDE, load_into
from tests.factories import login, make_user

PREVIEW = "/api/v1/routing/preview"
RULES = "/api/v1/admin/routing-rules"


async def headers_for(client, session, role: str) -> dict[str, str]:
    user = await make_user(session, roles=[role])
    return await login(client, user.username)


class TestPreview:
    @pytest.mark.parametrize("role", ["dispatcher", "supervisor", "admin"])
    async def test_desk_roles(self, client, session, role):
        await load_into(session, rules=[{"category": "09009", "area": G2, "unit": "PC-1"}])
        h = await headers_for(client, session, role)
        r = await client.post(PREVIEW, json={"category_code": "09009", "lat": P_G2[0], "lon": P_G2[1]}, headers=h)
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["unit_code"] == "PC-1" and body["unit_name"] == "湖畔物业公司"
        assert body["rule"] == "explicit_rule"
        assert body["grid_code"] == G2 and body["street_code"] == "320102001"
        assert body["explanation"].startswith("规则：机动车乱停放(09009) 在 滨河二网格 由 湖畔物业公司 负责")

    @pytest.mark.parametrize("role", ["grid_worker", "volunteer", "unit_handler"])
    async def test_field_roles_forbidden(self, client, session, role):
        h = await headers_for(client, session, role)
        r = await client.post(PREVIEW, json={"category_code": "09009", "lat": 32.0, "lon": 118.0}, headers=h)
        assert r.status_code == 403
        assert r.json()["error"]["code"] == "role_forbidden"

    async def test_needs_a_token(self, client):
        r = await client.post(PREVIEW, json={"category_code": "09009", "lat": 32.0, "lon": 118.0})
        assert r.status_code == 401

    async def test_outside(self, client, session):
        await load_into(session)
        h = await headers_for(client, session, "dispatcher")
        r = await client.post(PREVIEW, json={"category_code": "09009", "lat": P_OUTSIDE[0], "lon": P_OUTSIDE[1]},
                              headers=h)
        assert r.status_code == 200
        assert r.json()["rule"] == "outside" and r.json()["unit_code"] is None

    @pytest.mark.parametrize("body", [
        {"category_code": "09009", "lat": 90.5, "lon": 118.0},
        {"category_code": "09009", "lat": 32.0, "lon": -180.1},
        {"category_code": "9009", "lat": 32.0, "lon": 118.0},
        {"category_code": "09009", "lat": 32.0},
        {"category_code": "09009", "lat": 32.0, "lon": 118.0, "unit_code": "PC-1"},
    ])
    async def test_bad_input(self, client, session, body):
        h = await headers_for(client, session, "dispatcher")
        r = await client.post(PREVIEW, json=body, headers=h)
        assert r.status_code == 422
        assert r.json()["error"]["code"] == "validation_error"

    async def test_unknown_category(self, client, session):
        h = await headers_for(client, session, "dispatcher")
        r = await client.post(PREVIEW, json={"category_code": "99999", "lat": 32.0, "lon": 118.0}, headers=h)
        assert r.status_code == 404
        assert r.json()["error"]["code"] == "unknown_category"


class TestRulesAdmin:
    async def test_create_bumps_the_version_and_changes_routing(self, client, session):
        await load_into(session)
        admin = await headers_for(client, session, "admin")
        point = {"category_code": "09009", "lat": P_G1[0], "lon": P_G1[1]}
        assert (await client.post(PREVIEW, json=point, headers=admin)).json()["rule"] == "jurisdiction"
        before = await current_city_version(session)
        r = await client.post(RULES, json={"category": "09", "area_code": C1, "unit_code": "PC-2", "priority": 3},
                              headers=admin)
        assert r.status_code == 201, r.text
        body = r.json()
        assert body["category"] == "09" and body["area_code"] == C1 and body["unit_code"] == "PC-2"
        assert body["priority"] == 3 and body["active"] is True
        assert await current_city_version(session) == before + 1
        after = (await client.post(PREVIEW, json=point, headers=admin)).json()
        assert (after["rule"], after["unit_code"]) == ("explicit_rule", "PC-2")

    async def test_city_wide_rule(self, client, session):
        await load_into(session)
        admin = await headers_for(client, session, "admin")
        r = await client.post(RULES, json={"category": "09009", "unit_code": "PC-1"}, headers=admin)
        assert r.status_code == 201 and r.json()["area_code"] is None
        r = await client.post(PREVIEW, json={"category_code": "09009", "lat": P_G1[0], "lon": P_G1[1]},
                              headers=admin)
        assert "在 全市" in r.json()["explanation"]

    @pytest.mark.parametrize("body,code", [
        ({"category": "88", "unit_code": "PC-1"}, "unknown_category"),
        ({"category": "09999", "unit_code": "PC-1"}, "unknown_category"),
        ({"category": "09009", "area_code": "nowhere", "unit_code": "PC-1"}, "unknown_area"),
        ({"category": "09009", "unit_code": "ghost"}, "unknown_unit"),
        ({"category": "0900", "unit_code": "PC-1"}, "validation_error"),
        ({"category": "09009", "unit_code": "PC-1", "colour": "red"}, "validation_error"),
    ])
    async def test_create_refused(self, client, session, body, code):
        await load_into(session)
        admin = await headers_for(client, session, "admin")
        before = await current_city_version(session)
        r = await client.post(RULES, json=body, headers=admin)
        assert r.status_code == 422
        assert r.json()["error"]["code"] == code
        assert await current_city_version(session) == before

    async def test_duplicate_conflicts(self, client, session):
        await load_into(session)
        admin = await headers_for(client, session, "admin")
        body = {"category": "09009", "unit_code": "PC-1"}  # city-wide: NULL area, so SQL alone would not refuse
        assert (await client.post(RULES, json=body, headers=admin)).status_code == 201
        r = await client.post(RULES, json=body, headers=admin)
        assert r.status_code == 409 and r.json()["error"]["code"] == "routing_rule_exists"

    @pytest.mark.parametrize("role", ["dispatcher", "supervisor"])
    async def test_desk_reads_but_cannot_write(self, client, session, role):
        await load_into(session, rules=[{"category": "09009", "area": G2, "unit": "PC-1"}])
        h = await headers_for(client, session, role)
        r = await client.get(RULES, headers=h)
        assert r.status_code == 200
        [item] = r.json()["items"]
        assert item["area_code"] == G2 and item["unit_name"] == "湖畔物业公司"
        assert (await client.get(f"{RULES}/{item['id']}", headers=h)).status_code == 200
        r = await client.post(RULES, json={"category": "09009", "unit_code": "PC-2"}, headers=h)
        assert r.status_code == 403
        assert (await client.patch(f"{RULES}/{item['id']}", json={"priority": 1}, headers=h)).status_code == 403
        assert (await client.delete(f"{RULES}/{item['id']}", headers=h)).status_code == 403

    async def test_grid_worker_cannot_read(self, client, session):
        h = await headers_for(client, session, "grid_worker")
        assert (await client.get(RULES, headers=h)).status_code == 403

    async def test_patch(self, client, session):
        await load_into(session)
        admin = await headers_for(client, session, "admin")
        rule = (await client.post(RULES, json={"category": "09009", "area_code": G1, "unit_code": "PC-1"},
                                  headers=admin)).json()
        before = await current_city_version(session)
        r = await client.patch(f"{RULES}/{rule['id']}", json={"unit_code": "PC-2", "priority": 7}, headers=admin)
        assert r.status_code == 200, r.text
        assert (r.json()["unit_code"], r.json()["priority"], r.json()["area_code"]) == ("PC-2", 7, G1)
        assert await current_city_version(session) == before + 1
        r = await client.patch(f"{RULES}/{rule['id']}", json={"area_code": None}, headers=admin)
        assert r.json()["area_code"] is None  # explicit null: city-wide
        r = await client.patch(f"{RULES}/{rule['id']}", json={"active": False}, headers=admin)
        assert r.json()["active"] is False
        r = await client.post(PREVIEW, json={"category_code": "09009", "lat": P_G1[0], "lon": P_G1[1]}, headers=admin)
        assert r.json()["rule"] == "jurisdiction"
        r = await client.patch(f"{RULES}/{rule['id']}", json={"unit_code": None}, headers=admin)
        assert r.status_code == 422

    async def test_patch_into_a_duplicate(self, client, session):
        await load_into(session)
        admin = await headers_for(client, session, "admin")
        await client.post(RULES, json={"category": "09009", "area_code": G1, "unit_code": "PC-1"}, headers=admin)
        other = (await client.post(RULES, json={"category": "09009", "area_code": G2, "unit_code": "PC-1"},
                                   headers=admin)).json()
        r = await client.patch(f"{RULES}/{other['id']}", json={"area_code": G1}, headers=admin)
        assert r.status_code == 409

    async def test_delete(self, client, session):
        await load_into(session)
        admin = await headers_for(client, session, "admin")
        rule = (await client.post(RULES, json={"category": "09009", "unit_code": "PC-1"}, headers=admin)).json()
        before = await current_city_version(session)
        assert (await client.delete(f"{RULES}/{rule['id']}", headers=admin)).status_code == 204
        assert await current_city_version(session) == before + 1
        assert (await session.execute(select(RoutingRule))).first() is None
        r = await client.delete(f"{RULES}/{rule['id']}", headers=admin)
        assert r.status_code == 404 and r.json()["error"]["code"] == "routing_rule_not_found"

    async def test_list_filters_and_pages(self, client, session):
        await load_into(session, rules=[{"category": c, "area": a, "unit": u} for c, a, u in [
            ("09009", G1, "PC-1"), ("09009", G2, "PC-1"), ("09", G1, "PC-2"), ("06", None, "PC-2"),
            ("06010", C1, "PC-1")]])
        h = await headers_for(client, session, "dispatcher")
        seen, cursor = [], None
        while True:
            params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
            page = (await client.get(RULES, params=params, headers=h)).json()
            seen += page["items"]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert [i["category"] for i in seen] == ["06", "06010", "09", "09009", "09009"]
        assert len({i["id"] for i in seen}) == 5
        r = await client.get(RULES, params={"category": "09009"}, headers=h)
        assert len(r.json()["items"]) == 2
        r = await client.get(RULES, params={"unit_code": "PC-2"}, headers=h)
        assert {i["category"] for i in r.json()["items"]} == {"09", "06"}
        r = await client.get(RULES, params={"area_code": G1}, headers=h)
        assert {i["category"] for i in r.json()["items"]} == {"09009", "09"}
        r = await client.get(RULES, params={"cursor": "nonsense"}, headers=h)
        assert r.status_code == 400
