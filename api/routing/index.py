"""An immutable in-memory snapshot of the city for routing, and a per-engine cache of it.

Geometry choices (why, in a line each):

- Areas stay in WGS-84 lon/lat. Point-in-polygon does not need metres, and any affine map of
  lon/lat (such as the projection below) would give the same answer anyway.
- Roads are measured in metres on a local equirectangular plane centred on the city:
  x = N(φ0)·cos φ0·Δλ, y = M(φ0)·Δφ with the WGS-84 ellipsoid's radii of curvature at the
  city's mid latitude φ0. Within ±0.5° (≈ 55 km) of φ0 the east-west scale error is
  |tan φ0 · Δφ| ≤ 0.55 % at φ0 = 32° (0.11 m on a 20 m buffer); north-south it is below 0.01 %.
  No pyproj needed, and the map is affine, so the nearest point on a line stays the nearest.
- "Within the buffer" is the exact distance from the point to the line (round caps), not a
  polygon approximation of the buffer: STRtree `dwithin` finds candidates, `distance` decides.
- Areas are found with STRtree `intersects`, which for a point and a polygon is `covers`: a point
  on an edge belongs to every polygon sharing the edge, and a point in a hole to none.

Tie-break for shared edges: among the covering areas the deepest level wins, then the smallest
area code. The point's area chain is that leaf with its parents (the administrative tree is the
truth for 网格化); a level the parent chain lacks is filled from the covering areas of that level,
smallest code first.
"""

from __future__ import annotations

import math
import time
import uuid
import weakref
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from shapely import STRtree
from shapely.geometry import shape
from sqlalchemy.ext.asyncio import AsyncConnection

LEVEL_DEPTH = {"district": 0, "street": 1, "community": 2, "grid": 3}

# WGS-84 ellipsoid
_A = 6378137.0
_E2 = 6.69437999014e-3


@dataclass(frozen=True, slots=True)
class AreaInfo:
    id: uuid.UUID
    code: str
    name: str
    level: str
    depth: int
    parent_id: uuid.UUID | None
    geometry: Any  # shapely Polygon / MultiPolygon, lon/lat


@dataclass(frozen=True, slots=True)
class UnitInfo:
    id: uuid.UUID
    code: str
    name: str
    dept_type: str
    jurisdiction: frozenset[uuid.UUID]


@dataclass(frozen=True, slots=True)
class RoadInfo:
    id: uuid.UUID
    code: str
    name: str
    buffer_m: float
    unit_id: uuid.UUID
    categories: frozenset[str]  # empty = every category
    line_m: Any  # shapely LineString on the local metric plane

    def covers(self, category_code: str) -> bool:
        return not self.categories or category_code in self.categories or category_code[:2] in self.categories


@dataclass(frozen=True, slots=True)
class RuleInfo:
    id: uuid.UUID
    category: str  # 5-digit code or 2-digit group
    area_id: uuid.UUID | None  # None = city-wide
    unit_id: uuid.UUID
    priority: int

    def sort_key(self, unit_code: str) -> tuple:
        # category beats group, then higher priority, then the unit code, then the id
        return (0 if len(self.category) == 5 else 1, -self.priority, unit_code, str(self.id))


@dataclass(frozen=True, slots=True)
class LocalPlane:
    """Equirectangular metres around (lat0, lon0) with WGS-84 radii of curvature at lat0."""

    lat0: float
    lon0: float
    kx: float  # metres per degree of longitude
    ky: float  # metres per degree of latitude

    @classmethod
    def at(cls, lat0: float, lon0: float) -> LocalPlane:
        phi = math.radians(lat0)
        w = math.sqrt(1.0 - _E2 * math.sin(phi) ** 2)
        n = _A / w  # prime vertical radius
        m = _A * (1.0 - _E2) / w**3  # meridional radius
        return cls(lat0, lon0, math.radians(1.0) * n * math.cos(phi), math.radians(1.0) * m)

    def xy(self, lon: float, lat: float) -> tuple[float, float]:
        return (lon - self.lon0) * self.kx, (lat - self.lat0) * self.ky

    def project(self, geom: Any) -> Any:
        return shapely.transform(geom, lambda c: np.column_stack(
            ((c[:, 0] - self.lon0) * self.kx, (c[:, 1] - self.lat0) * self.ky)))


@dataclass(frozen=True)
class CitySnapshot:
    """Everything `decide()` needs, built once per city version. Never mutated after build
    (apart from `memo`, a cache of pure results keyed by their whole input)."""

    version: int
    areas: Mapping[uuid.UUID, AreaInfo]
    units: Mapping[uuid.UUID, UnitInfo]
    roads: tuple[RoadInfo, ...]
    rules: tuple[RuleInfo, ...]
    plane: LocalPlane
    area_list: tuple[AreaInfo, ...]
    area_tree: STRtree
    road_tree: STRtree | None
    max_buffer_m: float
    # (category-or-group, area_id or None) -> the best rule there (already tie-broken)
    rule_at: Mapping[tuple[str, uuid.UUID | None], RuleInfo]
    # (area_id, dept_type) -> unit with that jurisdiction and type, smallest code
    unit_at: Mapping[tuple[uuid.UUID, str], UnitInfo]
    memo: dict = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def build(cls, *, version: int, areas: Iterable[dict], units: Iterable[dict], jurisdictions: Iterable[tuple],
              roads: Iterable[dict], rules: Iterable[dict]) -> CitySnapshot:
        """Build from plain rows (dicts), so tests and benchmarks need no database."""
        raw_areas, roads = list(areas), list(roads)
        parent_of = {a["id"]: a.get("parent_id") for a in raw_areas}

        def depth(a: dict) -> int:
            if a["level"] in LEVEL_DEPTH:
                return LEVEL_DEPTH[a["level"]]
            d, p, seen = 0, a.get("parent_id"), set()
            while p is not None and p not in seen:
                seen.add(p)
                d, p = d + 1, parent_of.get(p)
            return d

        area_list = []
        for a in raw_areas:
            geom = shape(a["geometry"])
            if not geom.is_valid:
                geom = shapely.make_valid(geom)
            shapely.prepare(geom)
            area_list.append(AreaInfo(a["id"], a["code"], a["name"], a["level"], depth(a), a.get("parent_id"), geom))
        area_by_id = {a.id: a for a in area_list}

        juris: dict[uuid.UUID, set[uuid.UUID]] = {}
        for unit_id, area_id in jurisdictions:
            juris.setdefault(unit_id, set()).add(area_id)
        unit_by_id = {
            u["id"]: UnitInfo(u["id"], u["code"], u["name"], u["dept_type"], frozenset(juris.get(u["id"], ())))
            for u in units if u.get("active", True)
        }

        if area_list:
            minx, miny, maxx, maxy = shapely.total_bounds([a.geometry for a in area_list])
        else:
            lines = [shape(r["geometry"]) for r in roads]
            minx, miny, maxx, maxy = shapely.total_bounds(lines) if lines else (0.0, 0.0, 0.0, 0.0)
        plane = LocalPlane.at((miny + maxy) / 2, (minx + maxx) / 2)

        road_list = []
        for r in roads:
            if r["unit_id"] not in unit_by_id:
                continue  # a duty held by an inactive unit is no duty
            line = plane.project(shape(r["geometry"]))
            shapely.prepare(line)
            road_list.append(RoadInfo(r["id"], r["code"], r["name"], float(r["buffer_m"]), r["unit_id"],
                                      frozenset(r.get("categories") or ()), line))
        road_list.sort(key=lambda r: r.code)

        rule_list = [RuleInfo(r["id"], r["category"], r.get("area_id"), r["unit_id"], int(r.get("priority") or 0))
                     for r in rules
                     if r.get("active", True) and r["unit_id"] in unit_by_id
                     and (r.get("area_id") is None or r["area_id"] in area_by_id)]
        rule_at: dict[tuple[str, uuid.UUID | None], RuleInfo] = {}
        for rule in rule_list:
            key = (rule.category, rule.area_id)
            best = rule_at.get(key)
            if best is None or rule.sort_key(unit_by_id[rule.unit_id].code) < best.sort_key(
                    unit_by_id[best.unit_id].code):
                rule_at[key] = rule

        unit_at: dict[tuple[uuid.UUID, str], UnitInfo] = {}
        for unit in sorted(unit_by_id.values(), key=lambda u: u.code, reverse=True):
            for area_id in unit.jurisdiction:
                unit_at[(area_id, unit.dept_type)] = unit  # smallest code written last, so it wins

        return cls(
            version=version, areas=area_by_id, units=unit_by_id, roads=tuple(road_list), rules=tuple(rule_list),
            plane=plane, area_list=tuple(area_list), area_tree=STRtree([a.geometry for a in area_list]),
            road_tree=STRtree([r.line_m for r in road_list]) if road_list else None,
            max_buffer_m=max((r.buffer_m for r in road_list), default=0.0),
            rule_at=rule_at, unit_at=unit_at,
        )

    # --- lookups -------------------------------------------------------------------------

    def area_chain(self, lon: float, lat: float) -> tuple[AreaInfo, ...]:
        """The areas holding the point, deepest first (leaf, its parents, gaps filled); () if none."""
        hits = self.area_tree.query(shapely.Point(lon, lat), predicate="intersects")
        if len(hits) == 0:
            return ()
        covering = [self.area_list[i] for i in hits]
        if len(covering) == 1:
            leaf = covering[0]
        else:
            leaf = min(covering, key=lambda a: (-a.depth, a.code))
        chain = [leaf]
        seen = {leaf.id}
        parent = leaf.parent_id
        while parent is not None and parent not in seen and parent in self.areas:
            seen.add(parent)
            area = self.areas[parent]
            chain.append(area)
            parent = area.parent_id
        if len(covering) > 1 or len(chain) < leaf.depth + 1:
            depths = {a.depth for a in chain}
            for a in sorted(covering, key=lambda a: (a.depth, a.code)):
                if a.depth not in depths:
                    depths.add(a.depth)
                    chain.append(a)
            chain.sort(key=lambda a: -a.depth)
        return tuple(chain)

    def nearest_road(self, lon: float, lat: float, category_code: str) -> tuple[RoadInfo, float] | None:
        """The nearest road whose buffer holds the point and whose duty covers the category."""
        if self.road_tree is None:
            return None
        x, y = self.plane.xy(lon, lat)
        pt = shapely.Point(x, y)
        hits = self.road_tree.query(pt, predicate="dwithin", distance=self.max_buffer_m)
        best: tuple[float, str, RoadInfo] | None = None
        for i in hits:
            road = self.roads[i]
            if not road.covers(category_code):
                continue
            d = road.line_m.distance(pt)
            if d <= road.buffer_m and (best is None or (d, road.code) < best[:2]):
                best = (d, road.code, road)
        return None if best is None else (best[2], best[0])


# --- cache -------------------------------------------------------------------------------

Loader = Callable[[], Awaitable[CitySnapshot]]
VersionReader = Callable[[], Awaitable[int]]


class SnapshotCache:
    """Holds the current snapshot; rebuilds when the city version moves.

    `check_interval_s` = 0 reads the version on every call (one primary-key SELECT; bench shows
    the cost), which gives read-your-writes after a rule edit. A positive interval trusts the
    held snapshot for that long between checks.
    """

    def __init__(self, check_interval_s: float = 0.0) -> None:
        self.check_interval_s = check_interval_s
        self.snapshot: CitySnapshot | None = None
        self.checked_at = -math.inf
        self.builds = 0

    async def get(self, read_version: VersionReader, load: Callable[[int], Awaitable[CitySnapshot]]) -> CitySnapshot:
        now = time.monotonic()
        snap = self.snapshot
        if snap is not None and now - self.checked_at < self.check_interval_s:
            return snap
        version = await read_version()
        self.checked_at = now
        if snap is not None and snap.version == version:
            return snap
        snap = await load(version)
        self.snapshot = snap
        self.builds += 1
        return snap


_caches: weakref.WeakKeyDictionary[Any, SnapshotCache] = weakref.WeakKeyDictionary()


def cache_for(bind: Any) -> SnapshotCache:
    """One cache per engine (per app in production; per test connection in tests)."""
    # A test's connection (rolled back at the end) gets its own cache, never the engine's.
    key = bind.sync_connection if isinstance(bind, AsyncConnection) else getattr(bind, "sync_engine", bind)
    cache = _caches.get(key)
    if cache is None:
        cache = _caches[key] = SnapshotCache()
    return cache
