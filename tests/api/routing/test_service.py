"""route() and record_decision() against the database, and the snapshot cache."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from api.errors import NotFound, ValidationFailed
from api.org.city_version import bump_city_version, current_city_version
from api.routing.index import CitySnapshot, SnapshotCache, cache_for
from api.routing.repository import city_version_key
from api.routing.service import record_decision, route
from models import RoutingDecision, RoutingRule
from tests.api.routing.city import G2, P_G1, P_G2, P_HOLE, P_OUTSIDE, ROAD_LAT, S1, load_into
from tests.factories import make_category


class TestRoute:
    async def test_each_precedence_level(self, session):
        await load_into(session, rules=[{"category": "09009", "area": G2, "unit": "PC-1"}])
        r = await route(session, category_code="09009", lat=P_G2[0], lon=P_G2[1])
        assert (r.rule, r.unit_code, r.unit_name) == ("explicit_rule", "PC-1", "湖畔物业公司")
        r = await route(session, category_code="06010", lat=ROAD_LAT, lon=118.025)
        assert (r.rule, r.unit_code) == ("road_segment", "SAN-1")
        r = await route(session, category_code="09009", lat=P_G1[0], lon=P_G1[1])
        assert (r.rule, r.unit_code) == ("jurisdiction", "TP-1")
        await make_category(session, code="10950", dept_type="civil_affairs")
        r = await route(session, category_code="10950", lat=P_G1[0], lon=P_G1[1])
        assert (r.rule, r.unit_code) == ("territorial", "SO-1")
        r = await route(session, category_code="09009", lat=P_OUTSIDE[0], lon=P_OUTSIDE[1])
        assert (r.rule, r.unit_id) == ("outside", None)

    async def test_result_carries_grid_and_street(self, session):
        ids = await load_into(session)
        r = await route(session, category_code="09006", lat=P_G2[0], lon=P_G2[1])
        assert r.grid_id == ids[G2] and r.street_id == ids[S1] and r.area_id == ids[G2]
        assert r.unit_id == ids["CM-2"]
        r = await route(session, category_code="09006", lat=P_HOLE[0], lon=P_HOLE[1])
        assert r.grid_id is None and r.street_id == ids["320102002"]

    async def test_unknown_category(self, session):
        await load_into(session)
        with pytest.raises(NotFound) as info:
            await route(session, category_code="99999", lat=P_G1[0], lon=P_G1[1])
        assert info.value.code == "unknown_category"

    @pytest.mark.parametrize("lat,lon", [(91, 118), (32, 181), (float("nan"), 118), (32, float("inf"))])
    async def test_bad_point(self, session, lat, lon):
        with pytest.raises(ValidationFailed):
            await route(session, category_code="09009", lat=lat, lon=lon)

    async def test_empty_city_is_outside(self, session):
        r = await route(session, category_code="09009", lat=32.0, lon=118.0)
        assert r.rule == "outside"


class TestSnapshotCache:
    async def test_rebuilds_when_the_city_version_moves(self, session):
        ids = await load_into(session)
        cache = cache_for(session.bind)
        first = await route(session, category_code="09009", lat=P_G1[0], lon=P_G1[1])
        assert first.rule == "jurisdiction"
        builds = cache.builds
        await route(session, category_code="09009", lat=P_G2[0], lon=P_G2[1])
        assert cache.builds == builds  # same version: no rebuild

        session.add(RoutingRule(category="09009", area_id=ids[S1], unit_id=ids["PC-2"]))
        await session.flush()
        # without a version bump the held snapshot stands (routing never rescans tables)
        assert (await route(session, category_code="09009", lat=P_G1[0], lon=P_G1[1])).rule == "jurisdiction"
        version = await bump_city_version(session)
        r = await route(session, category_code="09009", lat=P_G1[0], lon=P_G1[1])
        assert (r.rule, r.unit_code, r.city_version) == ("explicit_rule", "PC-2", version)
        assert cache.builds == builds + 1

    async def test_check_interval_trusts_the_snapshot_between_checks(self, session):
        ids = await load_into(session)
        cache = SnapshotCache(check_interval_s=3600)
        await route(session, category_code="09009", lat=P_G1[0], lon=P_G1[1], cache=cache)
        session.add(RoutingRule(category="09009", area_id=ids[S1], unit_id=ids["PC-2"]))
        await session.flush()
        await bump_city_version(session)
        r = await route(session, category_code="09009", lat=P_G1[0], lon=P_G1[1], cache=cache)
        assert r.rule == "jurisdiction" and cache.builds == 1
        cache.checked_at -= 7200
        r = await route(session, category_code="09009", lat=P_G1[0], lon=P_G1[1], cache=cache)
        assert r.rule == "explicit_rule" and cache.builds == 2


class TestRecordDecision:
    async def test_stores_the_row(self, session):
        ids = await load_into(session, rules=[{"category": "09009", "area": G2, "unit": "PC-1"}])
        r = await route(session, category_code="09009", lat=P_G2[0], lon=P_G2[1])
        decision = await record_decision(session, result=r, category_code="09009", lat=P_G2[0], lon=P_G2[1],
                                         ticket_id=None)
        row = (await session.execute(select(RoutingDecision).where(RoutingDecision.id == decision.id))).scalar_one()
        assert row.unit_id == ids["PC-1"] and row.area_id == ids[G2]
        assert row.rule == "explicit_rule" and row.rule_ref == r.rule_ref
        assert row.explanation == r.explanation and row.lat == P_G2[0] and row.lon == P_G2[1]

    async def test_outside_has_no_unit(self, session):
        r = await route(session, category_code="09009", lat=P_OUTSIDE[0], lon=P_OUTSIDE[1])
        decision = await record_decision(session, result=r, category_code="09009", lat=P_OUTSIDE[0],
                                         lon=P_OUTSIDE[1], ticket_id=None)
        assert decision.unit_id is None and decision.rule == "outside"


class TestRolledBackBump:
    async def test_a_bump_that_rolled_back_never_leaves_a_stale_index(self, session):
        if session.bind.dialect.name != "postgresql":
            pytest.skip("needs PostgreSQL row versions (xmin); SQLite keys on the value alone")
        ids = await load_into(session)
        cache = cache_for(session.bind)
        async with session.begin_nested() as sp:  # a transaction that bumps, routes, and rolls back
            session.add(RoutingRule(category="09009", area_id=ids[S1], unit_id=ids["PC-2"]))
            await session.flush()
            taken = await bump_city_version(session)
            r = await route(session, category_code="09009", lat=P_G1[0], lon=P_G1[1])
            assert r.unit_code == "PC-2"
            await sp.rollback()
        # a different change takes the same version number
        session.add(RoutingRule(category="09009", area_id=ids[S1], unit_id=ids["PC-1"]))
        await session.flush()
        assert await bump_city_version(session) == taken
        builds = cache.builds
        r = await route(session, category_code="09009", lat=P_G1[0], lon=P_G1[1])
        assert (r.unit_code, cache.builds) == ("PC-1", builds + 1)

    async def test_key_reads_the_counter(self, session):
        assert (await city_version_key(session))[0] == 0
        await bump_city_version(session)
        assert (await city_version_key(session))[0] == await current_city_version(session) == 1


class TestConcurrentRebuild:
    async def test_callers_arriving_together_share_one_build(self):
        cache, loads = SnapshotCache(), []
        gate = asyncio.Event()

        async def key():
            return (1, None)

        async def load(k):
            loads.append(k)
            await gate.wait()
            return CitySnapshot.build(version=k[0], areas=[], units=[], jurisdictions=[], roads=[], rules=[])

        waiting = [asyncio.create_task(cache.get(key, load)) for _ in range(5)]
        await asyncio.sleep(0)
        gate.set()
        snaps = await asyncio.gather(*waiting)
        assert len(loads) == 1 and all(s is snaps[0] for s in snaps)
