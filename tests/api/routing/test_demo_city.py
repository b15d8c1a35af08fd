"""The demo city's sample points (demo/city/README.md) route as documented."""

from __future__ import annotations

import pytest

from api.routing.service import decide
from tests.api.routing import demo

SAMPLES = demo.samples()


@pytest.mark.parametrize("sample", SAMPLES, ids=[s["id"] for s in SAMPLES])
def test_sample_point(sample):
    result = decide(demo.snapshot(), demo.categories()[sample["category"]], sample["lat"], sample["lon"])
    assert result.rule == sample["rule"], result.explanation
    assert result.unit_code == sample["unit"], result.explanation
    if sample["grid"]:
        assert result.grid_code == sample["grid"]


def test_every_precedence_level_is_sampled():
    assert {s["rule"] for s in SAMPLES} == {"explicit_rule", "road_segment", "jurisdiction", "territorial", "outside"}


def test_lake_hole_is_in_no_area():
    r = decide(demo.snapshot(), demo.categories()["09006"], 32.039, 118.777)
    assert (r.rule, r.area_id, r.unit_id) == ("outside", None, None)


def test_island_belongs_to_its_grid():
    r = decide(demo.snapshot(), demo.categories()["09006"], 32.043, 118.789)
    assert r.grid_code == "320199002002006" and r.street_code == "320199002"
    assert (r.rule, r.unit_code) == ("jurisdiction", "CM-S2")


def test_shared_edge_between_streets_is_deterministic():
    # lat 32.040 is the boundary of 滨河街道 (south) and 望江街道 (north); away from the roads'
    # buffers is impossible here (RD-001/002 run along it), so use a category no road covers
    snap = demo.snapshot()
    r = decide(snap, demo.categories()["09012"], 32.040, 118.7835)
    # the smaller grid code (south, 滨河) wins the edge; the street office follows the chain
    assert r.grid_code.startswith("320199001") and r.unit_code == "JD-S1"
    assert decide(snap, demo.categories()["09012"], 32.040, 118.7835) == r


def test_shared_edge_between_grids_resolves_to_the_smaller_code():
    r = decide(demo.snapshot(), demo.categories()["06013"], 32.037, 118.776)
    assert r.grid_code == "320199001001001"
