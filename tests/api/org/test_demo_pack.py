"""The demo city pack itself: exact nesting, the hole and the island, and trustworthy sample points."""

from __future__ import annotations

import json

import pytest
from shapely.geometry import Point, shape
from shapely.ops import unary_union

from api.org.citypack import parse_pack
from api.org.cli import demo_city_dir


@pytest.fixture(scope="module")
def areas(demo_files):
    feats = json.loads(demo_files["areas.geojson"])["features"]
    return {f["properties"]["code"]: (f["properties"], shape(f["geometry"])) for f in feats}


def test_pack_parses(demo_files):
    pack = parse_pack(demo_files)
    assert len(pack.areas) == 31 and len(pack.roads) == 6 and len(pack.units) >= 12
    assert {u["username"] for u in pack.users} >= {
        "admin", "dispatcher", "supervisor", "grid01", "grid02", "grid03", "volunteer01", "traffic01", "cm01",
        "cm02", "sanitation01", "street01", "street02", "bike01"}


def test_each_level_is_the_union_of_its_children(areas):
    for code, (_, geom) in areas.items():
        kids = [g for p, g in areas.values() if p["parent"] == code]
        if kids:
            assert unary_union(kids).symmetric_difference(geom).area == pytest.approx(0, abs=1e-12), code
            assert sum(k.area for k in kids) == pytest.approx(geom.area, rel=1e-9), f"{code}: children overlap"


def test_hole_and_multipolygon(areas):
    lake_grid = areas["320199001001005"][1]
    assert lake_grid.geom_type == "Polygon" and len(lake_grid.interiors) == 1
    assert areas["320199002002006"][1].geom_type == "MultiPolygon"
    assert areas["320199"][1].geom_type == "MultiPolygon"


def test_grid_codes_are_15_characters_under_their_community(areas):
    grids = {c: p for c, (p, _) in areas.items() if p["level"] == "grid"}
    assert len(grids) == 24
    assert all(len(c) == 15 and c.startswith(p["parent"]) for c, p in grids.items())


def test_sample_points(areas):
    samples = json.loads((demo_city_dir() / "samples.json").read_text(encoding="utf-8"))
    grids = {c: g for c, (p, g) in areas.items() if p["level"] == "grid"}
    for s in samples:
        point = Point(s["lon"], s["lat"])
        covering = sorted(c for c, g in grids.items() if g.covers(point))
        if s["grid"]:
            assert covering == [s["grid"]], s["id"]
        elif s["rule"] == "outside":
            assert covering == [], s["id"]
        else:
            assert len(covering) == 2, f"{s['id']} should sit on a shared edge"
    assert {s["rule"] for s in samples} == {"explicit_rule", "road_segment", "jurisdiction", "territorial",
                                            "outside"}
