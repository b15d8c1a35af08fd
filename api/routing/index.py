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
  polygon approximation of the buffer: STRtree `dwithin` picks each cell's candidate roads,
  a plain-Python point-to-segment distance decides.
- Areas are found with `intersects`, which for a point and a polygon is `covers`: a point on an
  edge belongs to every polygon sharing the edge, and a point in a hole to none. STRtree
  queries fill a lattice of cells once per build (`Buckets`); a lookup is then arithmetic, plus
  one vectorised `intersects_xy` only when the cell crosses an area's boundary. The property
  tests check it against a direct `STRtree.query(point, predicate="intersects")`.

Tie-break for shared edges: among the covering areas the deepest level wins, then the smallest
area code. The point's area chain is that leaf with its parents (the administrative tree is the
truth for 网格化); a level the parent chain lacks is filled from the covering areas of that level,
smallest code first.
"""

from __future__ import annotations

import asyncio
import math
import time
import uuid
import weakref
from collections.abc import Awaitable, Callable, Hashable, Iterable, Mapping
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
    idx: int  # position in CitySnapshot.area_list; the internal key (ints hash fast, UUIDs do not)
    id: uuid.UUID
    code: str
    name: str
    level: str
    depth: int
    parent_idx: int  # -1 = no parent
    geometry: Any  # shapely Polygon / MultiPolygon, lon/lat, prepared


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
    line_m: Any  # shapely (Multi)LineString on the local metric plane
    parts_m: tuple[tuple[tuple[float, float], ...], ...]  # the same vertices, for plain-Python distance

    def covers(self, category_code: str) -> bool:
        return not self.categories or category_code in self.categories or category_code[:2] in self.categories

    def distance_m(self, x: float, y: float) -> float:
        """Exact distance from (x, y) on the local plane to the polyline (no shapely call: ~1 µs)."""
        best = math.inf
        for part in self.parts_m:
            if len(part) == 1:
                best = min(best, math.hypot(x - part[0][0], y - part[0][1]))
            for (ax, ay), (bx, by) in zip(part, part[1:], strict=False):
                dx, dy = bx - ax, by - ay
                seg = dx * dx + dy * dy
                t = 0.0 if seg == 0 else max(0.0, min(1.0, ((x - ax) * dx + (y - ay) * dy) / seg))
                best = min(best, math.hypot(x - ax - t * dx, y - ay - t * dy))
        return best


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


_NO_AREAS: tuple[tuple[int, ...], np.ndarray, np.ndarray] = ((), np.empty(0, dtype=np.intp), np.empty(0, dtype=object))


@dataclass(frozen=True)
class Buckets:
    """A uniform lattice of cells over the city, each holding the areas (and roads) that may
    touch it. Filled once from STRtree queries. Per cell the areas are split in two: `sure`
    (the area covers the whole cell: no test needed) and `maybe` (tested with one vectorised
    `intersects_xy`). Most points land in a cell inside one grid and need no geometry call at
    all; the rest need one, instead of building a Point and walking the tree (see bench)."""

    minx: float
    miny: float
    cw: float
    ch: float
    nx: int
    ny: int
    # per cell: (sure area indices, maybe area indices, their geometries)
    areas: tuple[tuple[tuple[int, ...], np.ndarray, np.ndarray], ...]
    roads: tuple[tuple[int, ...], ...]  # per cell: road indices whose buffer may reach it

    def cell(self, lon: float, lat: float) -> int:
        fx = (lon - self.minx) / self.cw
        fy = (lat - self.miny) / self.ch
        if not (0.0 <= fx <= self.nx and 0.0 <= fy <= self.ny):
            return -1  # also NaN
        return min(int(fy), self.ny - 1) * self.nx + min(int(fx), self.nx - 1)

    def covering(self, cell: int, lon: float, lat: float) -> tuple[int, ...]:
        sure, idx, geoms = self.areas[cell]
        if len(idx) == 0:
            return sure
        found = idx[shapely.intersects_xy(geoms, lon, lat)]
        if len(found) == 0:
            return sure
        return tuple(sorted((*sure, *found.tolist()))) if sure else tuple(found.tolist())

    @classmethod
    def build(cls, area_geoms: list, area_tree: STRtree, road_tree: STRtree | None, plane: LocalPlane,
              max_buffer_m: float, bounds: tuple[float, float, float, float]) -> Buckets:
        minx, miny, maxx, maxy = bounds
        # pad by the widest road buffer so roads just outside the areas still have cells
        pad_x, pad_y = max_buffer_m / plane.kx + 1e-6, max_buffer_m / plane.ky + 1e-6
        minx, miny, maxx, maxy = minx - pad_x, miny - pad_y, maxx + pad_x, maxy + pad_y
        w, h = maxx - minx, maxy - miny
        target = min(max(8 * max(len(area_geoms), 1), 64), 1 << 18)
        nx = max(1, math.ceil(math.sqrt(target * w / h)))
        ny = max(1, math.ceil(target / nx))
        cw, ch = w / nx, h / ny
        ix, iy = np.meshgrid(np.arange(nx), np.arange(ny))
        ix, iy = ix.ravel(), iy.ravel()  # cell k = iy * nx + ix
        eps = 1e-9  # ≈ 0.1 mm: a point rounded into the neighbouring cell still finds its areas
        x0, y0 = minx + ix * cw - eps, miny + iy * ch - eps
        x1, y1 = minx + (ix + 1) * cw + eps, miny + (iy + 1) * ch + eps
        boxes = shapely.box(x0, y0, x1, y1)

        geoms = np.array(area_geoms, dtype=object)
        sure: list[list[int]] = [[] for _ in range(nx * ny)]
        maybe: list[list[int]] = [[] for _ in range(nx * ny)]
        if len(area_geoms):
            cells, hits = area_tree.query(boxes, predicate="intersects")
            whole = shapely.covers(geoms[hits], boxes[cells])
            for c, a, w_ in zip(cells.tolist(), hits.tolist(), whole.tolist(), strict=True):
                (sure if w_ else maybe)[c].append(a)
        shared: dict[tuple, tuple] = {((), ()): _NO_AREAS}
        area_cells = []
        for s_, m_ in zip(sure, maybe, strict=True):
            key = (tuple(sorted(s_)), tuple(sorted(m_)))
            if key not in shared:
                idx = np.array(key[1], dtype=np.intp)
                shared[key] = (key[0], idx, geoms[idx])
            area_cells.append(shared[key])

        road_cells: list[tuple[int, ...]] = [()] * (nx * ny)
        if road_tree is not None:
            boxes_m = shapely.box((x0 - plane.lon0) * plane.kx, (y0 - plane.lat0) * plane.ky,
                                  (x1 - plane.lon0) * plane.kx, (y1 - plane.lat0) * plane.ky)
            cells, hits = road_tree.query(boxes_m, predicate="dwithin", distance=max_buffer_m)
            grouped: dict[int, list[int]] = {}
            for c, r in zip(cells.tolist(), hits.tolist(), strict=True):
                grouped.setdefault(c, []).append(r)
            for c, members in grouped.items():
                road_cells[c] = tuple(sorted(members))
        return cls(minx, miny, cw, ch, nx, ny, tuple(area_cells), tuple(road_cells))


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
    buckets: Buckets
    # (category-or-group, area idx or -1 for city-wide) -> the best rule there (already tie-broken)
    rule_at: Mapping[tuple[str, int], RuleInfo]
    # (area idx, dept_type) -> unit with that jurisdiction and type, smallest code
    unit_at: Mapping[tuple[int, str], UnitInfo]
    # category-or-group keys that have at least one rule anywhere (most categories have none)
    rule_keys: frozenset[str] = frozenset()
    memo: dict = field(default_factory=dict, compare=False, repr=False)
    chains: dict = field(default_factory=dict, compare=False, repr=False)  # covering hits -> chain

    @classmethod
    def build(cls, *, version: int, areas: Iterable[dict], units: Iterable[dict], jurisdictions: Iterable[tuple],
              roads: Iterable[dict], rules: Iterable[dict]) -> CitySnapshot:
        """Build from plain rows (dicts), so tests and benchmarks need no database."""
        raw_areas, roads = list(areas), list(roads)
        raw_areas.sort(key=lambda a: a["code"])
        position = {a["id"]: i for i, a in enumerate(raw_areas)}
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
        for i, a in enumerate(raw_areas):
            geom = shape(a["geometry"])
            if not geom.is_valid:
                geom = shapely.make_valid(geom)
            shapely.prepare(geom)
            area_list.append(AreaInfo(i, a["id"], a["code"], a["name"], a["level"], depth(a),
                                      position.get(a.get("parent_id"), -1), geom))
        area_by_id = {a.id: a for a in area_list}

        juris: dict[uuid.UUID, set[uuid.UUID]] = {}
        for unit_id, area_id in jurisdictions:
            juris.setdefault(unit_id, set()).add(area_id)
        unit_by_id = {
            u["id"]: UnitInfo(u["id"], u["code"], u["name"], u["dept_type"], frozenset(juris.get(u["id"], ())))
            for u in units if u.get("active", True)
        }

        road_geoms_ll = {r["id"]: shape(r["geometry"]) for r in roads}
        if area_list:
            bounds = tuple(shapely.total_bounds([a.geometry for a in area_list]))
        elif road_geoms_ll:
            bounds = tuple(shapely.total_bounds(list(road_geoms_ll.values())))
        else:
            bounds = (0.0, 0.0, 0.0, 0.0)
        plane = LocalPlane.at((bounds[1] + bounds[3]) / 2, (bounds[0] + bounds[2]) / 2)

        road_list = []
        for r in roads:
            if r["unit_id"] not in unit_by_id:
                continue  # a duty held by an inactive unit is no duty
            line = plane.project(road_geoms_ll[r["id"]])
            parts = tuple(tuple((float(x), float(y)) for x, y in shapely.get_coordinates(part))
                          for part in shapely.get_parts(line))
            road_list.append(RoadInfo(r["id"], r["code"], r["name"], float(r["buffer_m"]), r["unit_id"],
                                      frozenset(r.get("categories") or ()), line, parts))
        road_list.sort(key=lambda r: r.code)

        rule_list = [RuleInfo(r["id"], r["category"], r.get("area_id"), r["unit_id"], int(r.get("priority") or 0))
                     for r in rules
                     if r.get("active", True) and r["unit_id"] in unit_by_id
                     and (r.get("area_id") is None or r["area_id"] in area_by_id)]
        rule_at: dict[tuple[str, int], RuleInfo] = {}
        for rule in rule_list:
            key = (rule.category, area_by_id[rule.area_id].idx if rule.area_id else -1)
            best = rule_at.get(key)
            if best is None or rule.sort_key(unit_by_id[rule.unit_id].code) < best.sort_key(
                    unit_by_id[best.unit_id].code):
                rule_at[key] = rule

        unit_at: dict[tuple[int, str], UnitInfo] = {}
        for unit in sorted(unit_by_id.values(), key=lambda u: u.code, reverse=True):
            for area_id in unit.jurisdiction:
                if area_id in area_by_id:  # smallest code written last, so it wins
                    unit_at[(area_by_id[area_id].idx, unit.dept_type)] = unit

        area_geoms = [a.geometry for a in area_list]
        area_tree = STRtree(area_geoms)
        road_tree = STRtree([r.line_m for r in road_list]) if road_list else None
        max_buffer_m = max((r.buffer_m for r in road_list), default=0.0)
        return cls(
            version=version, areas=area_by_id, units=unit_by_id, roads=tuple(road_list), rules=tuple(rule_list),
            plane=plane, area_list=tuple(area_list), area_tree=area_tree, road_tree=road_tree,
            max_buffer_m=max_buffer_m,
            buckets=Buckets.build(area_geoms, area_tree, road_tree, plane, max_buffer_m, bounds),
            rule_at=rule_at, unit_at=unit_at, rule_keys=frozenset(k for k, _ in rule_at),
        )

    # --- lookups -------------------------------------------------------------------------

    def covering(self, lon: float, lat: float) -> tuple[int, ...]:
        """Indices (sorted) of the areas covering the point: edges included, holes excluded."""
        cell = self.buckets.cell(lon, lat)
        return () if cell < 0 else self.buckets.covering(cell, lon, lat)

    def covering_by_tree(self, lon: float, lat: float) -> tuple[int, ...]:
        """The same answer straight from the STRtree (the reference the buckets are checked against)."""
        return tuple(sorted(self.area_tree.query(shapely.Point(lon, lat), predicate="intersects").tolist()))

    def area_chain(self, lon: float, lat: float) -> tuple[AreaInfo, ...]:
        """The areas holding the point, deepest first (leaf, its parents, gaps filled); () if none."""
        return self.chain_of(self.covering(lon, lat))

    def chain_of(self, hits: tuple[int, ...]) -> tuple[AreaInfo, ...]:
        chain = self.chains.get(hits)
        if chain is None:
            if len(self.chains) >= 200_000:
                self.chains.clear()
            chain = self.chains[hits] = self._chain_of(hits)
        return chain

    def _chain_of(self, hits: tuple[int, ...]) -> tuple[AreaInfo, ...]:
        if not hits:
            return ()
        areas = self.area_list
        if len(hits) == 1:
            leaf = areas[hits[0]]
        else:  # deepest level, then smallest code (area_list is sorted by code)
            leaf = areas[min(hits, key=lambda i: (-areas[i].depth, i))]
        chain = [leaf]
        seen = {leaf.idx}
        parent = leaf.parent_idx
        while parent >= 0 and parent not in seen:
            seen.add(parent)
            chain.append(areas[parent])
            parent = areas[parent].parent_idx
        if len(hits) > len(chain) or len(chain) < leaf.depth + 1:
            depths = {a.depth for a in chain}
            for i in sorted(hits, key=lambda i: (areas[i].depth, i)):
                if areas[i].depth not in depths:
                    depths.add(areas[i].depth)
                    chain.append(areas[i])
            chain.sort(key=lambda a: -a.depth)
        return tuple(chain)

    def nearest_road(self, lon: float, lat: float, category_code: str) -> tuple[RoadInfo, float] | None:
        """The nearest road whose buffer holds the point and whose duty covers the category."""
        cell = self.buckets.cell(lon, lat)
        if cell < 0:
            return None
        candidates = self.buckets.roads[cell]
        if not candidates:
            return None
        x, y = self.plane.xy(lon, lat)
        best: tuple[float, str, RoadInfo] | None = None
        for i in candidates:
            road = self.roads[i]
            if not road.covers(category_code):
                continue
            d = road.distance_m(x, y)
            if d <= road.buffer_m and (best is None or (d, road.code) < best[:2]):
                best = (d, road.code, road)
        return None if best is None else (best[2], best[0])


# --- cache -------------------------------------------------------------------------------



class SnapshotCache:
    """Holds the current snapshot; rebuilds when the city version key moves.

    `check_interval_s` = 0 reads the key on every call (one primary-key SELECT; bench shows the
    cost), which gives read-your-writes after a rule edit. A positive interval trusts the held
    snapshot for that long between checks.

    The key is the counter's value and, on PostgreSQL, the row version (`xmin`) that holds it:
    a bump that rolled back leaves a value a later, different commit may take again, but never
    the same `xmin`; and a transaction's own uncommitted bump carries a key nobody else sees.
    """

    def __init__(self, check_interval_s: float = 0.0) -> None:
        self.check_interval_s = check_interval_s
        self.snapshot: CitySnapshot | None = None
        self.key: Hashable = None
        self.checked_at = -math.inf
        self.builds = 0
        self._lock = asyncio.Lock()  # one rebuild at a time; the others wait and reuse it

    async def get(self, read_key: Callable[[], Awaitable[Hashable]],
                  load: Callable[[Hashable], Awaitable[CitySnapshot]]) -> CitySnapshot:
        now = time.monotonic()
        snap = self.snapshot
        if snap is not None and now - self.checked_at < self.check_interval_s:
            return snap
        key = await read_key()
        self.checked_at = now
        if snap is not None and key == self.key:
            return snap
        async with self._lock:
            if self.snapshot is not None and key == self.key:
                return self.snapshot  # built by whoever held the lock
            snap = await load(key)
            self.snapshot, self.key = snap, key
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
