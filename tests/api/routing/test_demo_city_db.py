"""The demo city imported through the real importer (api/org), routed through route()."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from api.org.citypack import read_dir
from api.org.citypack_import import import_city_pack
from api.routing.service import record_decision, route
from models import RoutingDecision
from tests.api.routing import demo
from tests.factories import login, make_user

SAMPLES = demo.samples()


@pytest.fixture
async def demo_city(session):
    files = {name: data for name, data in read_dir(demo.PACK).items() if name != "users.json"}
    await import_city_pack(session, files)
    await session.flush()


async def test_every_sample_point_routes_as_documented(session, demo_city):
    for sample in SAMPLES:
        r = await route(session, category_code=sample["category"], lat=sample["lat"], lon=sample["lon"])
        assert (sample["id"], r.rule, r.unit_code) == (sample["id"], sample["rule"], sample["unit"]), r.explanation
        if sample["grid"]:
            assert r.grid_code == sample["grid"], sample["id"]


async def test_preview_over_http(client, session, demo_city):
    user = await make_user(session, roles=["dispatcher"])
    headers = await login(client, user.username)
    s01 = next(s for s in SAMPLES if s["id"] == "S01")
    r = await client.post("/api/v1/routing/preview",
                          json={"category_code": s01["category"], "lat": s01["lat"], "lon": s01["lon"]},
                          headers=headers)
    assert r.status_code == 200
    body = r.json()
    assert (body["unit_code"], body["rule"], body["grid_code"]) == ("WY-LAKE", "explicit_rule", s01["grid"])
    assert body["explanation"] == "规则：机动车乱停放(09009) 在 湖畔社区 由 湖畔物业公司 负责（显式规则，最具体区域优先）"


async def test_a_rule_change_never_reroutes_a_stored_decision(client, session, demo_city):
    s01 = next(s for s in SAMPLES if s["id"] == "S01")
    before = await route(session, category_code="09009", lat=s01["lat"], lon=s01["lon"])
    stored = await record_decision(session, result=before, category_code="09009", lat=s01["lat"], lon=s01["lon"],
                                   ticket_id=None)
    admin = await make_user(session, roles=["admin"])
    headers = await login(client, admin.username)
    rule_id = before.rule_ref
    r = await client.patch(f"/api/v1/admin/routing-rules/{rule_id}", json={"unit_code": "JD-S1"}, headers=headers)
    assert r.status_code == 200, r.text
    after = await route(session, category_code="09009", lat=s01["lat"], lon=s01["lon"])
    assert (after.rule, after.unit_code) == ("explicit_rule", "JD-S1")
    row = (await session.execute(select(RoutingDecision).where(RoutingDecision.id == stored.id))).scalar_one()
    assert row.unit_id == before.unit_id and row.explanation == before.explanation
