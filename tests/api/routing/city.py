"""A small hand-built city (plain rows), used by the pure-core tests and loaded into the DB.

    lat 32.02 +-----------+-----------+-----------+-----------+
              |           |           | G4 (hole) | G3 (part2)|
              |    G1     |    G2     |    [H]    |           |
    lat 32.01 +           +           +-----------+-----------+
              |           |           | G3 (part1)| G4 (part2)|
              |           |           |  ===== 滨河路 (lat 32.005, lon 118.02..118.04) =====
    lat 32.00 +-----------+-----------+-----------+-----------+
           118.00      118.01      118.02      118.03      118.04
              '----- street S1 / C1 --'----- street S2 / C2 --'     district D = everything

G3 is a MultiPolygon; G4 a MultiPolygon whose first part has a hole H (in C2 but in no grid).
"""

from __future__ import annotations

import uuid
from typing import Any


def box(x0: float, y0: float, x1: float, y1: float) -> list[list[float]]:
    return [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]


def polygon(x0: float, y0: float, x1: float, y1: float) -> dict[str, Any]:
    return {"type": "Polygon", "coordinates": [box(x0, y0, x1, y1)]}


D, S1, S2 = "320102", "320102001", "320102002"
C1, C2 = "320102001001", "320102002001"
G1, G2, G3, G4 = "320102001001001", "320102001001002", "320102002001001", "320102002001002"

AREAS: list[dict[str, Any]] = [
    {"code": D, "name": "江滨区", "level": "district", "parent": None, "geometry": polygon(118.00, 32.00, 118.04, 32.02)},
    {"code": S1, "name": "滨河街道", "level": "street", "parent": D, "geometry": polygon(118.00, 32.00, 118.02, 32.02)},
    {"code": S2, "name": "湖畔街道", "level": "street", "parent": D, "geometry": polygon(118.02, 32.00, 118.04, 32.02)},
    {"code": C1, "name": "滨河社区", "level": "community", "parent": S1,
     "geometry": polygon(118.00, 32.00, 118.02, 32.02)},
    {"code": C2, "name": "湖畔社区", "level": "community", "parent": S2,
     "geometry": polygon(118.02, 32.00, 118.04, 32.02)},
    {"code": G1, "name": "滨河一网格", "level": "grid", "parent": C1, "geometry": polygon(118.00, 32.00, 118.01, 32.02)},
    {"code": G2, "name": "滨河二网格", "level": "grid", "parent": C1, "geometry": polygon(118.01, 32.00, 118.02, 32.02)},
    {"code": G3, "name": "湖畔一网格", "level": "grid", "parent": C2, "geometry": {
        "type": "MultiPolygon",
        "coordinates": [[box(118.02, 32.00, 118.03, 32.01)], [box(118.03, 32.01, 118.04, 32.02)]]}},
    {"code": G4, "name": "湖畔二网格", "level": "grid", "parent": C2, "geometry": {
        "type": "MultiPolygon",
        "coordinates": [[box(118.02, 32.01, 118.03, 32.02), box(118.024, 32.014, 118.026, 32.016)[::-1]],
                        [box(118.03, 32.00, 118.04, 32.01)]]}},
]

# (code, name, dept_type, jurisdiction area codes)
UNITS: list[tuple[str, str, str, list[str]]] = [
    ("SO-1", "滨河街道办事处", "street_office", [S1]),
    ("SO-2", "湖畔街道办事处", "street_office", [S2]),
    ("TP-1", "江滨区交警大队", "traffic_police", [D]),
    ("CM-1", "滨河一网格城管中队", "city_management", [G1]),
    ("CM-2", "滨河街道城管中队", "city_management", [S1]),
    ("CM-3", "湖畔二网格城管中队", "city_management", [G4]),
    ("PC-1", "湖畔物业公司", "property_company", []),
    ("PC-2", "滨河物业公司", "property_company", []),
    ("SAN-1", "滨河路包街单位", "sanitation", []),
    ("SAN-2", "滨河北路包街单位", "sanitation", []),
]

ROAD_LAT = 32.005
ROADS: list[dict[str, Any]] = [
    {"code": "R-1", "name": "滨河路", "unit": "SAN-1", "buffer_m": 20.0, "categories": ["06"],
     "geometry": {"type": "LineString", "coordinates": [[118.02, ROAD_LAT], [118.04, ROAD_LAT]]}},
]

# a point inside each part of the map
P_G1 = (32.015, 118.005)
P_G2 = (32.015, 118.015)
P_G3_PART1 = (32.008, 118.025)
P_G3_PART2 = (32.015, 118.035)
P_G4 = (32.018, 118.028)
P_HOLE = (32.015, 118.025)
P_OUTSIDE = (32.03, 118.05)
P_EDGE_G1_G2 = (32.015, 118.01)
P_EDGE_S1_S2 = (32.015, 118.02)


def snapshot_rows(*, rules: list[dict[str, Any]] = (), roads: list[dict[str, Any]] | None = None,
                  units: list[tuple] | None = None) -> dict[str, Any]:
    """Rows for CitySnapshot.build with stable uuids. Rules: {category, area (code|None), unit, priority}."""
    ids = {code: uuid.uuid5(uuid.NAMESPACE_DNS, code) for code in
           [a["code"] for a in AREAS] + [u[0] for u in (units or UNITS)] + [r["code"] for r in (roads or ROADS)]}
    areas = [{"id": ids[a["code"]], "code": a["code"], "name": a["name"], "level": a["level"],
              "parent_id": ids[a["parent"]] if a["parent"] else None, "geometry": a["geometry"]} for a in AREAS]
    unit_rows = [{"id": ids[c], "code": c, "name": n, "dept_type": t, "active": True} for c, n, t, _ in (units or UNITS)]
    jurisdictions = [(ids[c], ids[a]) for c, _, _, js in (units or UNITS) for a in js]
    road_rows = [{"id": ids[r["code"]], "code": r["code"], "name": r["name"], "geometry": r["geometry"],
                  "buffer_m": r["buffer_m"], "unit_id": ids[r["unit"]], "categories": r["categories"]}
                 for r in (ROADS if roads is None else roads)]
    rule_rows = [{"id": uuid.uuid5(uuid.NAMESPACE_DNS, f"rule{i}"), "category": r["category"],
                  "area_id": ids[r["area"]] if r.get("area") else None, "unit_id": ids[r["unit"]],
                  "priority": r.get("priority", 0), "active": r.get("active", True)} for i, r in enumerate(rules)]
    return {"areas": areas, "units": unit_rows, "jurisdictions": jurisdictions, "roads": road_rows,
            "rules": rule_rows, "ids": ids}


async def load_into(session, *, rules: list[dict[str, Any]] = ()) -> dict[str, uuid.UUID]:
    """Insert the city (and rules) through the models, bump the city version; return code → id."""
    from api.org.city_version import bump_city_version
    from models import Area, RoadSegment, RoutingRule, Unit, UnitJurisdiction

    ids: dict[str, uuid.UUID] = {}
    for a in AREAS:
        area = Area(code=a["code"], name=a["name"], level=a["level"], geometry=a["geometry"],
                    parent_id=ids[a["parent"]] if a["parent"] else None)
        session.add(area)
        await session.flush()
        ids[a["code"]] = area.id
    for code, name, dept, _ in UNITS:
        unit = Unit(code=code, name=name, dept_type=dept)
        session.add(unit)
        await session.flush()
        ids[code] = unit.id
    for code, _, _, js in UNITS:
        for a in js:
            session.add(UnitJurisdiction(unit_id=ids[code], area_id=ids[a]))
    for r in ROADS:
        road = RoadSegment(code=r["code"], name=r["name"], geometry=r["geometry"], buffer_m=r["buffer_m"],
                           unit_id=ids[r["unit"]], categories=r["categories"])
        session.add(road)
    for r in rules:
        session.add(RoutingRule(category=r["category"], area_id=ids[r["area"]] if r.get("area") else None,
                                unit_id=ids[r["unit"]], priority=r.get("priority", 0)))
    await session.flush()
    await bump_city_version(session)
    return ids
