"""Regenerate the demo city pack (江滨区, fictional) in this folder: `python demo/city/generate.py`.

The areas are a regular lattice of 0.002° cells, so every shared edge has identical vertices
and every level is exactly the union of its children. Two deliberate irregularities:
- 湖畔社区 grid 320199001001005 has a lake (镜湖) as a hole; the lake belongs to no area.
- 渔港社区 grid 320199002002006 owns an island (江心洲) across the river, so that grid, its
  community, its street and the district are MultiPolygons.
"""

from __future__ import annotations

import json
from pathlib import Path

from shapely.geometry import Polygon, box, mapping, shape
from shapely.ops import unary_union

HERE = Path(__file__).parent
LON0, LAT0, D = 118.774, 32.036, 0.002


def x(k: float) -> float:
    return round(LON0 + D * k, 6)


def y(k: float) -> float:
    return round(LAT0 + D * k, 6)


def cell(c: int, r: int) -> Polygon:
    return box(x(c), y(r), x(c + 1), y(r + 1))


LAKE = box(118.7765, 32.0385, 118.7775, 32.0395)
ISLAND = box(118.788, 32.042, 118.790, 32.044)

STREETS = [("320199001", "滨河街道", 0), ("320199002", "望江街道", 2)]  # (code, name, first row)
COMMUNITIES = {
    "320199001": [("320199001001", "湖畔社区", 0), ("320199001002", "柳岸社区", 3)],  # (code, name, first col)
    "320199002": [("320199002001", "江景社区", 0), ("320199002002", "渔港社区", 3)],
}


def _geojson(geom) -> dict:
    g = mapping(geom.normalize())
    return json.loads(json.dumps(g))  # tuples -> lists


def build_areas() -> list[dict]:
    features: list[dict] = []

    def add(code, name, level, parent, geom):
        assert geom.is_valid, code
        features.append({"type": "Feature", "properties": {"code": code, "name": name, "level": level,
                                                          "parent": parent}, "geometry": _geojson(geom)})
        return geom

    grids, streets = [], []
    for s_code, s_name, row0 in STREETS:
        communities = []
        for c_code, c_name, col0 in COMMUNITIES[s_code]:
            cells = []
            for r in range(2):
                for c in range(3):
                    seq = r * 3 + c + 1
                    geom = cell(col0 + c, row0 + r)
                    if c_code == "320199001001" and seq == 5:
                        geom = geom.difference(LAKE)
                    if c_code == "320199002002" and seq == 6:
                        geom = unary_union([geom, ISLAND])
                    cells.append((f"{c_code}{seq:03d}", f"{c_name}第{seq}网格", geom))
            communities.append((c_code, c_name, unary_union([g for _, _, g in cells]), cells))
        streets.append((s_code, s_name, unary_union([g for _, _, g, _ in communities]), communities))
    district = unary_union([g for _, _, g, _ in streets])
    add("320199", "江滨区", "district", None, district)
    for s_code, s_name, s_geom, communities in streets:
        add(s_code, s_name, "street", "320199", s_geom)
        for c_code, c_name, c_geom, cells in communities:
            add(c_code, c_name, "community", s_code, c_geom)
            for g_code, g_name, g_geom in cells:
                grids.append(add(g_code, g_name, "grid", c_code, g_geom))
    return features


ROADS = [
    # (code, name, coordinates, buffer_m, unit, categories)
    ("RD-001", "滨江大道（西段）", [[118.774, 32.04], [118.78, 32.04]], 20, "ZW-CENTER", []),
    ("RD-002", "滨江大道（东段）", [[118.78, 32.04], [118.786, 32.04]], 20, "SW-TAX", ["06", "07"]),
    ("RD-003", "江滨路（工行门前）", [[118.782, 32.037], [118.782, 32.038]], 15, "BZ-BANK",
     ["09005", "06036", "06010", "06012", "07001"]),
    ("RD-004", "望江路（医院段）", [[118.776, 32.042], [118.776, 32.044]], 20, "YY-HOSP",
     ["09009", "09010", "09011", "06010"]),
    ("RD-005", "湖滨路", [[118.774, 32.036], [118.78, 32.036]], 20, "YL-PARK", ["06017", "06045", "06010"]),
    ("RD-006", "江堤路", [[118.786, 32.04], [118.786, 32.044]], 30, "SW-TAX", []),
]

DEFAULT_CALENDAR = {
    "timezone": "Asia/Shanghai",
    "work_hours": [["08:30", "12:00"], ["14:00", "17:30"]],
    "workdays": [0, 1, 2, 3, 4],  # Monday = 0
    # 2026 public holidays and make-up workdays (调休) per the State Council notice (verify).
    "holidays": [
        "2026-01-01", "2026-01-02", "2026-01-03",
        "2026-02-15", "2026-02-16", "2026-02-17", "2026-02-18", "2026-02-19", "2026-02-20",
        "2026-02-21", "2026-02-22", "2026-02-23",
        "2026-04-04", "2026-04-05", "2026-04-06",
        "2026-05-01", "2026-05-02", "2026-05-03", "2026-05-04", "2026-05-05",
        "2026-06-19", "2026-06-20", "2026-06-21",
        "2026-09-25", "2026-09-26", "2026-09-27",
        "2026-10-01", "2026-10-02", "2026-10-03", "2026-10-04", "2026-10-05", "2026-10-06", "2026-10-07",
    ],
    "extra_workdays": ["2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"],
}

UNITS = [
    # (code, name, dept_type, jurisdiction, parent, calendar override)
    ("JT-TRAFFIC", "江滨区交警大队", "traffic_police", ["320199"], None,
     # Traffic police patrol every day, holidays included.
     # Naming the holidays as workdays takes them out of the city's holiday list.
     {"workdays": [0, 1, 2, 3, 4, 5, 6], "work_hours": [["08:00", "18:00"]], "holidays": [],
      "extra_workdays": DEFAULT_CALENDAR["holidays"]}),
    ("CM-S1", "城管执法滨河中队", "city_management", ["320199001"], None, None),
    ("CM-S2", "城管执法望江中队", "city_management", ["320199002"], None, None),
    ("HW-SAN", "江滨区环卫所", "sanitation", ["320199"], None, None),
    ("JD-S1", "滨河街道办事处", "street_office", ["320199001"], None, None),
    ("JD-S2", "望江街道办事处", "street_office", ["320199002"], None, None),
    ("SC-MKT", "江滨市场监管所", "market_regulation", ["320199"], None, None),
    ("ZJ-BUREAU", "江滨区住建局", "housing_construction", ["320199"], None, None),
    ("SZ-MUNI", "江滨区市政所", "municipal", ["320199"], None, None),
    ("YL-PARK", "江滨区园林所", "landscaping", ["320199"], None, None),
    ("WMB-CIV", "江滨区文明办", "civilization_office", ["320199"], None, None),
    ("BK-QING", "青桔单车江滨运维站", "bike_operator", ["320199"], None, None),
    ("WY-LAKE", "湖畔物业公司", "property_company", ["320199001001"], None, None),
    # 包街 / 门前三包 units: no jurisdiction, they answer only for their road segments.
    ("ZW-CENTER", "江滨区政务服务中心", "owner", [], None, None),
    ("SW-TAX", "国家税务总局江滨区税务局", "owner", [], None, None),
    ("BZ-BANK", "工商银行江滨支行", "owner", [], None, None),
    ("YY-HOSP", "江滨区人民医院", "owner", [], None, None),
]

RULES = [
    {"category": "09009", "area": "320199001001", "unit": "WY-LAKE", "priority": 10},
    {"category": "09011", "area": "320199", "unit": "BK-QING"},
    {"category": "06010", "area": "320199002", "unit": "JD-S2"},
    {"category": "08", "area": "320199", "unit": "ZJ-BUREAU"},
    {"category": "09020", "unit": "SC-MKT"},
]

PASSWORD = "Demo@2026"


def _grids(community: str) -> list[str]:
    return [f"{community}{i:03d}" for i in range(1, 7)]


USERS = [
    ("admin", "系统管理员", ["admin"], None, []),
    ("dispatcher", "指挥中心值班长 王敏", ["dispatcher"], None, []),
    ("supervisor", "创城办督查员 李强", ["supervisor"], None, []),
    ("grid01", "网格员 张伟", ["grid_worker"], None, _grids("320199001001")),
    ("grid02", "网格员 刘芳", ["grid_worker"], None, _grids("320199001002")),
    ("grid03", "网格员 陈静", ["grid_worker"], None, _grids("320199002001")),
    ("grid04", "网格员 杨洋", ["grid_worker"], None, _grids("320199002002")),
    ("volunteer01", "文明劝导志愿者 赵丽", ["volunteer"], None, []),
    ("traffic01", "交警 孙浩", ["unit_handler"], "JT-TRAFFIC", []),
    ("cm01", "城管队员 周军", ["unit_handler"], "CM-S1", []),
    ("cm02", "城管队员 吴磊", ["unit_handler"], "CM-S2", []),
    ("sanitation01", "环卫所 郑红", ["unit_handler"], "HW-SAN", []),
    ("street01", "滨河街道 冯涛", ["unit_handler"], "JD-S1", []),
    ("street02", "望江街道 何琳", ["unit_handler"], "JD-S2", []),
    ("market01", "市场监管所 许斌", ["unit_handler"], "SC-MKT", []),
    ("housing01", "住建局 韩梅", ["unit_handler"], "ZJ-BUREAU", []),
    ("municipal01", "市政所 曹刚", ["unit_handler"], "SZ-MUNI", []),
    ("park01", "园林所 邓宇", ["unit_handler"], "YL-PARK", []),
    ("civ01", "文明办 彭静", ["unit_handler"], "WMB-CIV", []),
    ("bike01", "青桔运维 宋杰", ["unit_handler"], "BK-QING", []),
    ("lake01", "湖畔物业 唐娜", ["unit_handler"], "WY-LAKE", []),
    ("center01", "政务服务中心 罗斌", ["unit_handler"], "ZW-CENTER", []),
    ("tax01", "税务局 梁晨", ["unit_handler"], "SW-TAX", []),
    ("bank01", "工行江滨支行 谢婷", ["unit_handler"], "BZ-BANK", []),
    ("hospital01", "区人民医院 蒋涛", ["unit_handler"], "YY-HOSP", []),
]

# (id, lat, lon, category, expected unit or None, expected rule, grid or None, what it shows)
SAMPLES = [
    ("S01", 32.037, 118.779, "09009", "WY-LAKE", "explicit_rule", "320199001001003",
     "09009 inside 湖畔社区 → property company (community rule beats the district traffic police)"),
    ("S02", 32.041, 118.783, "09011", "BK-QING", "explicit_rule", "320199002002002",
     "shared bikes, district-wide rule"),
    ("S03", 32.0401, 118.783, "06010", "JD-S2", "explicit_rule", "320199002002002",
     "06010 in 望江街道 → street office; the rule beats road RD-002 (group 06) 11 m away"),
    ("S04", 32.037, 118.785, "08011", "ZJ-BUREAU", "explicit_rule", "320199001002003",
     "group rule 08 beats the category's dept_type (city_management)"),
    ("S05", 32.0399, 118.775, "09006", "ZW-CENTER", "road_segment", "320199001001004",
     "within 20 m of RD-001 (categories empty = all)"),
    ("S06", 32.043, 118.7761, "09009", "YY-HOSP", "road_segment", "320199002001005",
     "within 20 m of RD-004, 09009 is in its list"),
    ("S07", 32.043, 118.7761, "09006", "CM-S2", "jurisdiction", "320199002001005",
     "same spot, 09006 not in RD-004's list → falls through to 城管 of the street"),
    ("S08", 32.0375, 118.7821, "09005", "BZ-BANK", "road_segment", "320199001002002",
     "门前三包 frontage RD-003"),
    ("S09", 32.0401, 118.785, "07001", "SW-TAX", "road_segment", "320199002002003",
     "RD-002 covers group 07"),
    ("S10", 32.043, 118.7858, "09006", "SW-TAX", "road_segment", "320199002002006",
     "within 30 m of RD-006 (all categories)"),
    ("S11", 32.0361, 118.775, "06010", "YL-PARK", "road_segment", "320199001001001",
     "RD-005 lists 06010 (beats 环卫 by jurisdiction)"),
    ("S12", 32.037, 118.783, "09006", "CM-S1", "jurisdiction", "320199001002002",
     "city_management: the street-level 中队 (smallest area)"),
    ("S13", 32.037, 118.783, "06013", "SZ-MUNI", "jurisdiction", "320199001002002",
     "municipal, district-wide jurisdiction"),
    ("S14", 32.037, 118.783, "06010", "HW-SAN", "jurisdiction", "320199001002002",
     "06010 in 滨河街道 (no rule there) → sanitation"),
    ("S15", 32.041, 118.781, "09009", "JT-TRAFFIC", "jurisdiction", "320199002002001",
     "09009 outside 湖畔社区 → traffic police"),
    ("S16", 32.037, 118.783, "09012", "JD-S1", "territorial", "320199001002002",
     "no fire_rescue unit in the pack → 属地兜底 street office"),
    ("S17", 32.041, 118.781, "06004", "JD-S2", "territorial", "320199002002001",
     "owner units have no jurisdiction → street office"),
    ("S18", 32.039, 118.777, "06010", None, "outside", None,
     "inside the lake hole of grid 320199001001005: no area"),
    ("S19", 32.037, 118.776, "06013", "SZ-MUNI", "jurisdiction", None,
     "on the shared edge of grids 320199001001001 and 320199001001002 (same unit either way)"),
    ("S20", 32.05, 118.8, "09009", None, "outside", None, "outside every area"),
    ("S21", 32.043, 118.789, "06010", "JD-S2", "explicit_rule", "320199002002006",
     "on the island (MultiPolygon part) of grid 320199002002006"),
    ("S22", 32.043, 118.787, "09006", None, "outside", None, "in the river between the district and its island"),
    ("S23", 32.043, 118.775, "09020", "SC-MKT", "explicit_rule", "320199002001004",
     "rule without an area (applies anywhere in the city)"),
]


def main() -> None:
    def dump(name, data):
        (HERE / name).write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")

    dump("areas.geojson", {"type": "FeatureCollection", "features": build_areas()})
    dump("roads.geojson", {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": c, "name": n, "buffer_m": b, "unit": u, "categories": cats},
         "geometry": {"type": "LineString", "coordinates": coords}}
        for c, n, coords, b, u, cats in ROADS]})
    dump("calendar.json", DEFAULT_CALENDAR)
    dump("units.json", [{"code": c, "name": n, "dept_type": d, "jurisdiction": j, "parent": p,
                         **({"calendar": cal} if cal else {})} for c, n, d, j, p, cal in UNITS])
    dump("rules.json", RULES)
    dump("users.json", [{"username": u, "name": n, "password": PASSWORD, "roles": r,
                         **({"unit": unit} if unit else {}), **({"grids": g} if g else {})}
                        for u, n, r, unit, g in USERS])
    dump("samples.json", [{"id": i, "lat": la, "lon": lo, "category": cat, "unit": unit, "rule": rule,
                           "grid": grid, "note": note} for i, la, lo, cat, unit, rule, grid, note in SAMPLES])
    _check()


def _check() -> None:
    feats = json.loads((HERE / "areas.geojson").read_text())["features"]
    geoms = {f["properties"]["code"]: shape(f["geometry"]) for f in feats}
    for f in feats:
        kids = [geoms[k["properties"]["code"]] for k in feats if k["properties"]["parent"] == f["properties"]["code"]]
        if kids:
            assert unary_union(kids).symmetric_difference(geoms[f["properties"]["code"]]).area < 1e-12


if __name__ == "__main__":
    main()
