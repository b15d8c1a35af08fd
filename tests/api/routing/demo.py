"""The demo city pack (demo/city, DESIGN §7) read straight from its files into a snapshot,
and the seeded categories (migration 0002), so the pure core can be tested on real data."""

from __future__ import annotations

import functools
import importlib.util
import json
import uuid
from pathlib import Path

from api.routing.index import CitySnapshot
from api.routing.service import CategoryInfo

ROOT = Path(__file__).resolve().parents[3]
PACK = ROOT / "demo" / "city"
SEED = ROOT / "models" / "migrations" / "versions" / "0002_seed_categories.py"


def _id(kind: str, code: str) -> uuid.UUID:
    return uuid.uuid5(uuid.NAMESPACE_URL, f"{kind}:{code}")


def _read(name: str):
    return json.loads((PACK / name).read_text(encoding="utf-8"))


@functools.cache
def categories() -> dict[str, CategoryInfo]:
    spec = importlib.util.spec_from_file_location("seed_categories", SEED)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return {r["code"]: CategoryInfo(r["code"], r["name"], r["group_code"], r["group_name"], r["dept_type"])
            for r in module.rows()}


@functools.cache
def samples() -> list[dict]:
    return _read("samples.json")


@functools.cache
def area_features() -> list[dict]:
    return _read("areas.geojson")["features"]


@functools.cache
def snapshot() -> CitySnapshot:
    areas = [{"id": _id("area", f["properties"]["code"]), "code": f["properties"]["code"],
              "name": f["properties"]["name"], "level": f["properties"]["level"],
              "parent_id": _id("area", f["properties"]["parent"]) if f["properties"].get("parent") else None,
              "geometry": f["geometry"]} for f in area_features()]
    units = _read("units.json")
    roads = _read("roads.geojson")["features"]
    return CitySnapshot.build(
        version=1, areas=areas,
        units=[{"id": _id("unit", u["code"]), "code": u["code"], "name": u["name"], "dept_type": u["dept_type"]}
               for u in units],
        jurisdictions=[(_id("unit", u["code"]), _id("area", a)) for u in units for a in u.get("jurisdiction", [])],
        roads=[{"id": _id("road", f["properties"]["code"]), "code": f["properties"]["code"],
                "name": f["properties"]["name"], "geometry": f["geometry"], "buffer_m": f["properties"]["buffer_m"],
                "unit_id": _id("unit", f["properties"]["unit"]), "categories": f["properties"].get("categories", [])}
               for f in roads],
        rules=[{"id": _id("rule", f"{i}"), "category": r["category"],
                "area_id": _id("area", r["area"]) if r.get("area") else None, "unit_id": _id("unit", r["unit"]),
                "priority": r.get("priority", 0)} for i, r in enumerate(_read("rules.json"))],
    )
