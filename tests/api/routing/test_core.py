"""The pure routing core on a hand-built city: geometry edge cases and every precedence level."""

from __future__ import annotations

import math

import pytest

from api.routing.index import CitySnapshot, LocalPlane
from api.routing.service import CategoryInfo, decide
from tests.api.routing import city
from tests.api.routing.city import (
    C2,
    G1,
    G2,
    G3,
    G4,
    P_EDGE_G1_G2,
    P_EDGE_S1_S2,
    P_G1,
    P_G2,
    P_G3_PART1,
    P_G3_PART2,
    P_G4,
    P_HOLE,
    P_OUTSIDE,
    ROAD_LAT,
    S1,
    S2,
)

PARKING = CategoryInfo("09009", "机动车乱停放", "09", "街面秩序", "traffic_police")
STALL = CategoryInfo("09006", "占道经营", "09", "街面秩序", "city_management")
RUBBISH = CategoryInfo("06010", "暴露垃圾", "06", "市容环境", "sanitation")
BEGGING = CategoryInfo("09003", "流浪乞讨", "09", "街面秩序", "civil_affairs")

M_PER_DEG_LAT = LocalPlane.at(32.01, 118.02).ky


def build(**kw) -> tuple[CitySnapshot, dict]:
    rows = city.snapshot_rows(**kw)
    ids = rows.pop("ids")
    return CitySnapshot.build(version=1, **rows), ids


@pytest.fixture(scope="module")
def plain():
    return build()


def code_of(snapshot: CitySnapshot, area_id) -> str | None:
    return snapshot.areas[area_id].code if area_id else None


class TestGeometry:
    def test_point_in_grid(self, plain):
        snap, _ = plain
        r = decide(snap, PARKING, *P_G1)
        assert r.grid_code == G1 and r.street_code == S1

    def test_multipolygon_second_part(self, plain):
        snap, _ = plain
        assert decide(snap, PARKING, *P_G3_PART1).grid_code == G3
        assert decide(snap, PARKING, *P_G3_PART2).grid_code == G3

    def test_point_in_hole_is_not_in_the_polygon(self, plain):
        snap, _ = plain
        r = decide(snap, PARKING, *P_HOLE)
        assert r.grid_id is None
        assert code_of(snap, r.area_id) == C2  # the community still holds it
        assert r.street_code == S2
        assert decide(snap, PARKING, *P_G4).grid_code == G4

    def test_shared_grid_edge_resolves_to_smallest_code(self, plain):
        snap, _ = plain
        assert decide(snap, PARKING, *P_EDGE_G1_G2).grid_code == G1

    def test_shared_street_edge_keeps_a_consistent_chain(self, plain):
        snap, _ = plain
        r = decide(snap, STALL, *P_EDGE_S1_S2)
        # G2 (S1) has the smaller code than G3/G4 (S2): grid and street come from one branch
        assert r.grid_code == G2 and r.street_code == S1
        assert r.unit_code == "CM-2"

    def test_shared_corner_of_four_grids(self, plain):
        snap, _ = plain
        assert decide(snap, PARKING, 32.01, 118.03).grid_code == G3

    def test_outer_boundary_is_inside(self, plain):
        snap, _ = plain
        assert decide(snap, PARKING, 32.00, 118.005).grid_code == G1

    def test_outside_every_area(self, plain):
        snap, _ = plain
        r = decide(snap, PARKING, *P_OUTSIDE)
        assert r.rule == "outside" and r.unit_id is None and r.area_id is None
        assert r.explanation == "点位不在任何辖区内，转指挥中心人工分派"

    def test_local_plane_matches_great_circle_distance(self):
        plane = LocalPlane.at(32.0, 118.0)
        for dlat, dlon in [(0.0002, 0), (0, 0.0002), (0.00015, 0.00015), (0.3, 0.3)]:
            x0, y0 = plane.xy(118.0, 32.0 + 0.2)
            x1, y1 = plane.xy(118.0 + dlon, 32.2 + dlat)
            planar = math.hypot(x1 - x0, y1 - y0)
            # haversine on the mean-radius sphere; the sphere itself is off by up to ~0.5 %
            p1, p2 = math.radians(32.2), math.radians(32.2 + dlat)
            h = (math.sin((p2 - p1) / 2) ** 2
                 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(dlon) / 2) ** 2)
            sphere = 2 * 6371008.8 * math.asin(math.sqrt(h))
            assert planar == pytest.approx(sphere, rel=0.01)


class TestExplicitRules:
    def test_rule_in_grid(self):
        snap, ids = build(rules=[{"category": "09009", "area": G2, "unit": "PC-1"}])
        r = decide(snap, PARKING, *P_G2)
        assert (r.rule, r.unit_code) == ("explicit_rule", "PC-1")
        assert r.explanation == "规则：机动车乱停放(09009) 在 滨河二网格 由 湖畔物业公司 负责（显式规则，最具体区域优先）"
        assert r.matched_area_id == ids[G2]
        # the next grid has no rule: jurisdiction decides
        assert decide(snap, PARKING, *P_G1).rule == "jurisdiction"

    def test_most_specific_area_wins(self):
        snap, _ = build(rules=[{"category": "09009", "area": S1, "unit": "PC-2", "priority": 99},
                               {"category": "09009", "area": G2, "unit": "PC-1"}])
        assert decide(snap, PARKING, *P_G2).unit_code == "PC-1"
        assert decide(snap, PARKING, *P_G1).unit_code == "PC-2"

    def test_group_rule_in_deeper_area_beats_category_rule_higher_up(self):
        snap, _ = build(rules=[{"category": "09009", "area": S1, "unit": "PC-2"},
                               {"category": "09", "area": G1, "unit": "PC-1"}])
        assert decide(snap, PARKING, *P_G1).unit_code == "PC-1"

    def test_category_beats_group_in_the_same_area(self):
        snap, _ = build(rules=[{"category": "09", "area": G1, "unit": "PC-1", "priority": 50},
                               {"category": "09009", "area": G1, "unit": "PC-2"}])
        assert decide(snap, PARKING, *P_G1).unit_code == "PC-2"
        r = decide(snap, STALL, *P_G1)
        assert r.unit_code == "PC-1"
        assert r.explanation.startswith("规则：街面秩序类(09) 在 滨河一网格 由 湖畔物业公司 负责")

    def test_higher_priority_then_unit_code(self):
        snap, _ = build(rules=[{"category": "09009", "area": G1, "unit": "PC-1"},
                               {"category": "09009", "area": G1, "unit": "PC-2", "priority": 5}])
        assert decide(snap, PARKING, *P_G1).unit_code == "PC-2"
        snap, _ = build(rules=[{"category": "09009", "area": G1, "unit": "PC-2"},
                               {"category": "09009", "area": G1, "unit": "PC-1"}])
        assert decide(snap, PARKING, *P_G1).unit_code == "PC-1"

    def test_city_wide_rule_is_least_specific(self):
        snap, _ = build(rules=[{"category": "09009", "area": None, "unit": "PC-2"},
                               {"category": "09", "area": C2, "unit": "PC-1"}])
        assert decide(snap, PARKING, *P_G1).unit_code == "PC-2"
        assert "在 全市 由 滨河物业公司" in decide(snap, PARKING, *P_G1).explanation
        assert decide(snap, PARKING, *P_G4).unit_code == "PC-1"

    def test_inactive_rule_is_ignored(self):
        snap, _ = build(rules=[{"category": "09009", "area": G1, "unit": "PC-1", "active": False}])
        assert decide(snap, PARKING, *P_G1).rule == "jurisdiction"

    def test_rule_beats_road(self):
        snap, _ = build(rules=[{"category": "06", "area": None, "unit": "PC-1"}])
        assert decide(snap, RUBBISH, ROAD_LAT, 118.025).rule == "explicit_rule"

    def test_rule_does_not_apply_outside_the_city(self):
        snap, _ = build(rules=[{"category": "09009", "area": None, "unit": "PC-1"}])
        assert decide(snap, PARKING, *P_OUTSIDE).rule == "outside"


class TestRoadSegments:
    def test_within_buffer(self, plain):
        snap, _ = plain
        r = decide(snap, RUBBISH, ROAD_LAT + 12 / M_PER_DEG_LAT, 118.025)
        assert (r.rule, r.unit_code, r.rule_ref) == ("road_segment", "SAN-1", "R-1")
        assert r.distance_m == pytest.approx(12, abs=0.05)
        assert r.explanation.startswith("包街：点位距 滨河路 12 米（缓冲 20 米）")
        assert r.explanation.endswith("由 滨河路包街单位 负责")

    def test_just_outside_buffer(self, plain):
        snap, _ = plain
        inside = decide(snap, RUBBISH, ROAD_LAT - 19.9 / M_PER_DEG_LAT, 118.03)
        outside = decide(snap, RUBBISH, ROAD_LAT - 20.1 / M_PER_DEG_LAT, 118.03)
        assert inside.rule == "road_segment"
        assert outside.rule == "territorial"  # no sanitation unit holds jurisdiction there

    def test_round_cap_past_the_end(self, plain):
        snap, _ = plain
        # 15 m east of the east end, same latitude: within the round cap
        kx = LocalPlane.at(32.01, 118.02).kx
        assert decide(snap, RUBBISH, ROAD_LAT, 118.04 + 15 / kx).rule == "outside"  # past the city, too
        assert decide(snap, RUBBISH, ROAD_LAT + 14 / M_PER_DEG_LAT, 118.02 - 10 / kx).rule == "road_segment"
        assert decide(snap, RUBBISH, ROAD_LAT + 16 / M_PER_DEG_LAT, 118.02 - 16 / kx).rule != "road_segment"

    def test_duty_must_cover_the_category(self, plain):
        snap, _ = plain
        r = decide(snap, STALL, ROAD_LAT, 118.035)
        assert (r.rule, r.unit_code) == ("jurisdiction", "CM-3")

    def test_empty_duty_covers_everything_and_five_digit_entries(self):
        roads = [{**city.ROADS[0], "categories": []},
                 {"code": "R-2", "name": "滨河北路", "unit": "SAN-2", "buffer_m": 50.0, "categories": ["09006"],
                  "geometry": {"type": "LineString", "coordinates": [[118.02, 32.0055], [118.04, 32.0055]]}}]
        snap, _ = build(roads=roads)
        near_r1 = ROAD_LAT + 10 / M_PER_DEG_LAT  # 10 m from R-1, ~45 m from R-2
        assert decide(snap, PARKING, near_r1, 118.03).unit_code == "SAN-1"
        assert decide(snap, STALL, near_r1, 118.03).unit_code == "SAN-1"  # nearest wins
        near_r2 = 32.0055 + 10 / M_PER_DEG_LAT  # 10 m from R-2, ~71 m from R-1
        assert decide(snap, STALL, near_r2, 118.03).unit_code == "SAN-2"
        assert decide(snap, PARKING, near_r2, 118.03).rule == "jurisdiction"

    def test_equal_distance_tie_breaks_on_road_code(self):
        roads = [{**city.ROADS[0], "code": "R-9", "unit": "SAN-2", "categories": []},
                 {**city.ROADS[0], "code": "R-1", "categories": []}]
        snap, _ = build(roads=roads)
        assert decide(snap, RUBBISH, ROAD_LAT, 118.03).rule_ref == "R-1"


class TestJurisdiction:
    def test_smallest_area_first(self, plain):
        snap, ids = plain
        r = decide(snap, STALL, *P_G1)
        assert (r.rule, r.unit_code, r.rule_ref) == ("jurisdiction", "CM-1", G1)
        assert decide(snap, STALL, *P_G2).unit_code == "CM-2"

    def test_district_jurisdiction(self, plain):
        snap, _ = plain
        r = decide(snap, PARKING, *P_G4)
        assert (r.rule, r.unit_code) == ("jurisdiction", "TP-1")
        assert r.explanation == (f"属地：点位位于 {G4} 网格（湖畔二网格），按部门类型 交警 由 江滨区交警大队 负责"
                                 "（管辖 江滨区）")

    def test_hole_falls_to_the_street_office(self, plain):
        snap, _ = plain
        # CM-3 holds G4 only; the hole is not G4
        assert decide(snap, STALL, *P_G4).unit_code == "CM-3"
        r = decide(snap, STALL, *P_HOLE)
        assert (r.rule, r.unit_code) == ("territorial", "SO-2")


class TestTerritorialFallback:
    def test_no_unit_of_the_type(self, plain):
        snap, _ = plain
        r = decide(snap, BEGGING, *P_G1)
        assert (r.rule, r.unit_code, r.rule_ref) == ("territorial", "SO-1", S1)
        assert r.explanation.startswith("属地兜底：")
        assert "无对口单位，由 滨河街道办事处 负责" in r.explanation

    def test_no_street_office_either_goes_to_triage(self):
        units = [u for u in city.UNITS if u[0] != "SO-2"]
        snap, _ = build(units=units, roads=[])
        r = decide(snap, BEGGING, *P_G4)
        assert r.rule == "outside" and r.unit_id is None
        assert r.grid_code == G4
        assert "转指挥中心人工分派" in r.explanation


class TestDeterminism:
    def test_same_input_same_output_across_builds(self):
        a, _ = build(rules=[{"category": "09", "area": S2, "unit": "PC-1"}])
        b, _ = build(rules=[{"category": "09", "area": S2, "unit": "PC-1"}])
        for point in (P_G1, P_G2, P_G3_PART1, P_G3_PART2, P_G4, P_HOLE, P_EDGE_G1_G2, P_EDGE_S1_S2, P_OUTSIDE):
            for cat in (PARKING, STALL, RUBBISH, BEGGING):
                first = decide(a, cat, *point)
                assert decide(a, cat, *point) == first  # memoised
                assert decide(b, cat, *point) == first  # rebuilt


class TestInactiveUnits:
    def test_an_inactive_unit_takes_no_rule_road_or_jurisdiction(self):
        rows = city.snapshot_rows(rules=[{"category": "09009", "area": G1, "unit": "PC-1"}])
        rows.pop("ids")
        for unit in rows["units"]:
            if unit["code"] in ("PC-1", "SAN-1", "CM-1"):
                unit["active"] = False
        snap = CitySnapshot.build(version=1, **rows)
        assert decide(snap, PARKING, *P_G1).rule == "jurisdiction"  # the rule's unit is gone
        assert decide(snap, RUBBISH, ROAD_LAT, 118.025).rule != "road_segment"
        assert decide(snap, STALL, *P_G1).unit_code == "CM-2"  # the street squad, not the grid's
