"""Properties of the pure core over random points, checked against a brute-force oracle."""

from __future__ import annotations

import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import shape

from api.routing.index import CitySnapshot
from api.routing.service import decide
from tests.api.routing import city, demo

GRIDS = [(f["properties"]["code"], shape(f["geometry"])) for f in demo.area_features()
         if f["properties"]["level"] == "grid"]
ALL_AREAS = [shape(f["geometry"]) for f in demo.area_features()]
CODES = sorted(demo.categories())
MINX, MINY, MAXX, MAXY = shapely.total_bounds(ALL_AREAS)

# on the 0.002° lattice, snapped coordinates hit shared edges and corners often
coord = st.one_of(st.floats(0, 1, allow_nan=False), st.integers(0, 16).map(lambda i: i / 16))
lons = coord.map(lambda t: MINX - 0.002 + t * (MAXX - MINX + 0.004))
lats = coord.map(lambda t: MINY - 0.002 + t * (MAXY - MINY + 0.004))
categories = st.sampled_from(CODES)


def grids_covering(lon: float, lat: float) -> list[str]:
    point = shapely.Point(lon, lat)
    return sorted(code for code, geom in GRIDS if geom.covers(point))


@settings(max_examples=400, deadline=None)
@given(lat=lats, lon=lons, code=categories)
def test_a_point_in_a_grid_routes_to_exactly_one_unit(lat, lon, code):
    covering = grids_covering(lon, lat)
    result = decide(demo.snapshot(), demo.categories()[code], lat, lon)
    if covering:
        assert result.unit_id is not None and result.rule != "outside", result.explanation
        assert result.grid_code == covering[0]  # the documented tie-break: smallest code
        assert result.unit_id in demo.snapshot().units
    elif not any(a.covers(shapely.Point(lon, lat)) for a in ALL_AREAS):
        assert (result.rule, result.unit_id, result.area_id) == ("outside", None, None)


@settings(max_examples=200, deadline=None)
@given(lat=lats, lon=lons, code=categories)
def test_deterministic_across_calls_and_memo(lat, lon, code):
    snap = demo.snapshot()
    first = decide(snap, demo.categories()[code], lat, lon)
    snap.memo.clear()
    assert decide(snap, demo.categories()[code], lat, lon) == first
    assert decide(snap, demo.categories()[code], lat, lon) == first


@settings(max_examples=200, deadline=None)
@given(lat=st.floats(-90, 90), lon=st.floats(-180, 180), code=categories)
def test_points_outside_every_area_wait_in_triage(lat, lon, code):
    if any(a.covers(shapely.Point(lon, lat)) for a in ALL_AREAS):
        return
    result = decide(demo.snapshot(), demo.categories()[code], lat, lon)
    assert (result.rule, result.unit_id) == ("outside", None)
    assert result.explanation == "点位不在任何辖区内，转指挥中心人工分派"


@settings(max_examples=400, deadline=None)
@given(lat=lats, lon=lons)
def test_bucket_lookup_agrees_with_the_strtree(lat, lon):
    snap = demo.snapshot()
    assert snap.covering(lon, lat) == snap.covering_by_tree(lon, lat)


HAND_BUILT = CitySnapshot.build(version=1, **{k: v for k, v in city.snapshot_rows().items() if k != "ids"})


@settings(max_examples=400, deadline=None)
@given(lat=st.one_of(st.floats(31.99, 32.03), st.integers(0, 40).map(lambda i: 31.995 + i * 0.001)),
       lon=st.one_of(st.floats(117.99, 118.05), st.integers(0, 60).map(lambda i: 117.995 + i * 0.001)))
def test_bucket_lookup_agrees_on_the_hand_built_city(lat, lon):
    assert HAND_BUILT.covering(lon, lat) == HAND_BUILT.covering_by_tree(lon, lat)
