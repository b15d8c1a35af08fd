"""Routing: decisions per second of the pure core on a synthetic city of 10,000 grids.

The city: a 100 × 100 lattice of 0.001° grid cells (≈ 94 m × 111 m) near lat 32, 10 × 10 grids
per community (100), 25 communities per street (4), one district. Units: per street a street
office and a 城管 squad, per community a property company and an explicit 09009 rule, a
district-wide traffic police / sanitation / municipal unit; group rules for 08 and a city-wide
rule for 09020; 200 road segments (one per 10 cells along every 5th lattice line, 20 m buffer,
mixed duties). Points are uniform over the city plus a 5 % margin outside it, categories drawn
from the seeded set. One process, one core.
"""

from __future__ import annotations

import asyncio
import os
import platform
import random
import re
import subprocess
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import shapely

from api.routing.index import CitySnapshot
from api.routing.service import CategoryInfo, decide

N = 100  # cells per side
CELL = 0.001
LON0, LAT0 = 118.70, 32.00
TARGET = 20_000
DOC = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"
SECTION = "## Routing (bench/bench_routing.py)"

CATEGORIES = [
    CategoryInfo("09009", "机动车乱停放", "09", "街面秩序", "traffic_police"),
    CategoryInfo("09006", "占道经营", "09", "街面秩序", "city_management"),
    CategoryInfo("09011", "共享单车乱象", "09", "街面秩序", "bike_operator"),
    CategoryInfo("09020", "农贸市场秩序问题", "09", "街面秩序", "market_regulation"),
    CategoryInfo("09012", "占用消防通道", "09", "街面秩序", "fire_rescue"),
    CategoryInfo("07001", "非法小广告", "07", "宣传广告", "sanitation"),
    CategoryInfo("06010", "暴露垃圾", "06", "市容环境", "sanitation"),
    CategoryInfo("06013", "道路破损", "06", "市容环境", "municipal"),
    CategoryInfo("06004", "建筑物外立面污损", "06", "市容环境", "owner"),
    CategoryInfo("08004", "工地扬尘", "08", "施工管理", "housing_construction"),
]


def _box(x0: float, y0: float, x1: float, y1: float) -> dict:
    return {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}


def _id() -> uuid.UUID:
    return uuid.uuid4()


def synthetic_city() -> dict:
    areas, units, juris, roads, rules = [], [], [], [], []
    district = {"id": _id(), "code": "320199", "name": "合成区", "level": "district", "parent_id": None,
                "geometry": _box(LON0, LAT0, LON0 + N * CELL, LAT0 + N * CELL)}
    areas.append(district)

    def unit(code: str, name: str, dept: str, *area_ids: uuid.UUID) -> uuid.UUID:
        uid = _id()
        units.append({"id": uid, "code": code, "name": name, "dept_type": dept})
        juris.extend((uid, a) for a in area_ids)
        return uid

    for dept in ("traffic_police", "sanitation", "municipal", "market_regulation"):
        unit(f"D-{dept}", f"区{dept}", dept, district["id"])
    zj = unit("D-ZJ", "住建局", "housing_construction")
    rules.append({"id": _id(), "category": "08", "area_id": district["id"], "unit_id": zj, "priority": 0})
    mkt = unit("C-MKT", "市场运营", "owner")
    rules.append({"id": _id(), "category": "09020", "area_id": None, "unit_id": mkt, "priority": 0})

    for s in range(4):  # streets: 2 × 2 blocks of 50 × 50 cells
        sx, sy = (s % 2) * 50, (s // 2) * 50
        street = {"id": _id(), "code": f"320199{s + 1:03d}", "name": f"街道{s + 1}", "level": "street",
                  "parent_id": district["id"],
                  "geometry": _box(LON0 + sx * CELL, LAT0 + sy * CELL, LON0 + (sx + 50) * CELL,
                                   LAT0 + (sy + 50) * CELL)}
        areas.append(street)
        unit(f"JD-{s}", f"街道办{s}", "street_office", street["id"])
        unit(f"CM-{s}", f"城管中队{s}", "city_management", street["id"])
        for c in range(25):  # communities: 5 × 5 blocks of 10 × 10 cells
            cx, cy = sx + (c % 5) * 10, sy + (c // 5) * 10
            community = {"id": _id(), "code": f"{street['code']}{c + 1:03d}", "name": f"社区{s}-{c}",
                         "level": "community", "parent_id": street["id"],
                         "geometry": _box(LON0 + cx * CELL, LAT0 + cy * CELL, LON0 + (cx + 10) * CELL,
                                          LAT0 + (cy + 10) * CELL)}
            areas.append(community)
            wy = unit(f"WY-{s}-{c}", f"物业{s}-{c}", "property_company")
            rules.append({"id": _id(), "category": "09009", "area_id": community["id"], "unit_id": wy,
                          "priority": 10})
            for g in range(100):
                gx, gy = cx + g % 10, cy + g // 10
                areas.append({"id": _id(), "code": f"{community['code']}{g + 1:03d}", "name": f"网格{s}-{c}-{g}",
                              "level": "grid", "parent_id": community["id"],
                              "geometry": _box(LON0 + gx * CELL, LAT0 + gy * CELL, LON0 + (gx + 1) * CELL,
                                               LAT0 + (gy + 1) * CELL)})
    duties = [[], ["06", "07"], ["09009", "09011"], ["06010"]]
    for row in range(0, N, 5):
        for seg in range(N // 10):
            owner = unit(f"RD-U-{row}-{seg}", f"包街单位{row}-{seg}", "owner")
            y = LAT0 + row * CELL
            roads.append({"id": _id(), "code": f"RD-{row:03d}-{seg:02d}", "name": f"路{row}-{seg}",
                          "geometry": {"type": "LineString", "coordinates": [
                              [LON0 + seg * 10 * CELL, y], [LON0 + (seg + 1) * 10 * CELL, y]]},
                          "buffer_m": 20.0, "unit_id": owner, "categories": duties[(row + seg) % 4]})
    return {"areas": areas, "units": units, "jurisdictions": juris, "roads": roads, "rules": rules}


def points(count: int, seed: int = 7) -> list[tuple[CategoryInfo, float, float]]:
    rng = random.Random(seed)
    span = N * CELL
    return [(rng.choice(CATEGORIES), LAT0 - 0.05 * span + rng.random() * 1.1 * span,
             LON0 - 0.05 * span + rng.random() * 1.1 * span) for _ in range(count)]


class Rate(tuple):
    """(per CPU-second, per wall-second): on a shared machine the CPU figure is the one that
    measures the code; the wall figure also counts time spent waiting for the core."""

    cpu = property(lambda self: self[0])
    wall = property(lambda self: self[1])

    def __str__(self) -> str:
        return f"{self[0]:,.0f} /CPU-s ({self[1]:,.0f} /wall-s)"


def _timed(count: int, started: tuple[float, float]) -> Rate:
    return Rate((count / (time.process_time() - started[0]), count / (time.perf_counter() - started[1])))


def _now() -> tuple[float, float]:
    return time.process_time(), time.perf_counter()


def best(runs: list[Rate]) -> Rate:
    return Rate((max(r.cpu for r in runs), max(r.wall for r in runs)))


def rate(snap: CitySnapshot, sample: list, *, memo: bool, clear: bool = True) -> tuple[Rate, dict[str, int]]:
    counts: dict[str, int] = {}
    if clear:
        snap.memo.clear()
        snap.chains.clear()
    started = _now()
    if memo:
        for cat, lat, lon in sample:
            r = decide(snap, cat, lat, lon)
            counts[r.rule] = counts.get(r.rule, 0) + 1
    else:
        for cat, lat, lon in sample:
            snap.memo.clear()
            r = decide(snap, cat, lat, lon)
            counts[r.rule] = counts.get(r.rule, 0) + 1
    return _timed(len(sample), started), counts


def lookup_rate(lookup, sample: list) -> Rate:
    started = _now()
    for _, lat, lon in sample:
        lookup(lon, lat)
    return _timed(len(sample), started)


async def db_figures(rows: dict, sample: list, n: int = 2000) -> dict[str, float]:
    """On a migrated SQLite file holding the synthetic city: the per-call version read, the
    snapshot rebuild from the database, and `route()` end to end (category read + version read
    + decide)."""
    from sqlalchemy import insert

    from api.db import make_engine, make_sessionmaker
    from api.org.city_version import bump_city_version, current_city_version
    from api.routing.index import SnapshotCache
    from api.routing.service import route
    from models import Area, RoadSegment, RoutingRule, Unit, UnitJurisdiction
    from models.migrate import upgrade

    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{tmp}/bench.db"
        await asyncio.to_thread(upgrade, url)
        engine = make_engine(url)
        maker = make_sessionmaker(engine)
        now = datetime.now(UTC)
        async with maker() as session:
            levels = ["district", "street", "community", "grid"]
            by_depth = sorted(rows["areas"], key=lambda a: levels.index(a["level"]))
            await session.execute(insert(Area), [{**a, "updated_at": now} for a in by_depth])
            await session.execute(insert(Unit), [{**u, "calendar": {}, "active": True, "updated_at": now}
                                                 for u in rows["units"]])
            await session.execute(insert(UnitJurisdiction), [{"unit_id": u, "area_id": a}
                                                             for u, a in rows["jurisdictions"]])
            await session.execute(insert(RoadSegment), [{**r, "updated_at": now} for r in rows["roads"]])
            await session.execute(insert(RoutingRule), [{**r, "active": True, "created_at": now}
                                                        for r in rows["rules"]])
            await bump_city_version(session)
            await session.commit()
        async with maker() as session:
            await current_city_version(session)
            started = time.perf_counter()
            for _ in range(n):
                await current_city_version(session)
            figures["check_us"] = (time.perf_counter() - started) / n * 1e6
            cache = SnapshotCache()
            cat, lat, lon = sample[0]
            started = time.perf_counter()
            await route(session, category_code=cat.code, lat=lat, lon=lon, cache=cache)
            figures["rebuild_s"] = time.perf_counter() - started
            started = time.perf_counter()
            for cat, lat, lon in sample[:n]:
                await route(session, category_code=cat.code, lat=lat, lon=lon, cache=cache)
            figures["route_us"] = (time.perf_counter() - started) / n * 1e6
        await engine.dispose()
    return figures


def cpu_model() -> str:
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
        m = re.search(r"Model name:\s*(.+)", out)
        return m.group(1).strip() if m else platform.processor()
    except (OSError, subprocess.CalledProcessError):
        return platform.processor() or "unknown"


def write_section(text: str) -> None:
    doc = DOC.read_text(encoding="utf-8") if DOC.exists() else "# Benchmarks\n"
    start = doc.find(SECTION)
    if start == -1:
        doc = doc.rstrip("\n") + "\n\n" + text
    else:
        end = doc.find("\n## ", start + len(SECTION))
        doc = doc[:start] + text + (doc[end + 1:] if end != -1 else "")
    DOC.write_text(doc if doc.endswith("\n") else doc + "\n", encoding="utf-8")


def main() -> None:
    rows = synthetic_city()
    started = time.perf_counter()
    snap = CitySnapshot.build(version=1, **rows)
    build_s = time.perf_counter() - started
    grids = sum(1 for a in rows["areas"] if a["level"] == "grid")
    print(f"city: {len(rows['areas'])} areas ({grids} grids), {len(rows['units'])} units, "
          f"{len(rows['roads'])} roads, {len(rows['rules'])} rules; snapshot build {build_s:.2f} s")

    sample = points(100_000)
    decide(snap, *sample[0])  # warm imports
    # best of 3 runs each: the machine is shared, the best run is the least disturbed one
    cold = best([rate(snap, sample[:30_000], memo=False)[0] for _ in range(3)])
    warm_runs = [rate(snap, sample, memo=True) for _ in range(3)]
    warm, counts = best([r for r, _ in warm_runs]), warm_runs[0][1]
    again = best([rate(snap, sample, memo=True, clear=False)[0] for _ in range(3)])
    tree_rate = best([lookup_rate(snap.covering_by_tree, sample[:30_000]) for _ in range(3)])
    bucket_rate = best([lookup_rate(snap.covering, sample[:30_000]) for _ in range(3)])
    load = os.getloadavg()[0]
    print(f"decide(), memo cleared before every call: {cold} decisions")
    print(f"decide(), memo (cold start, 100k points): {warm} decisions")
    print(f"decide(), second pass:                    {again} decisions")
    print(f"area lookup alone: STRtree query {tree_rate}, buckets {bucket_rate}")
    print("rules hit:", ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    db = asyncio.run(db_figures(rows, sample))
    check_us = db["check_us"]
    print(f"SQLite: version check {check_us:.0f} µs, snapshot rebuild from the database {db['rebuild_s']:.2f} s, "
          f"route() {db['route_us']:.0f} µs per call")
    ok = "met" if warm.cpu >= TARGET else "NOT met"

    cores = os.cpu_count()
    text = f"""{SECTION}

Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {cores} cores ({cpu_model()}), Python
{platform.python_version()}, shapely {shapely.__version__}; one process, one core, best of 3 runs (load
average {load:.1f} at the time: the machine is shared with other work, so rates are given per
CPU-second of this process as well as per wall-second). Synthetic city: {len(rows['areas']):,} areas
({grids:,} grid polygons on a 100 × 100 lattice, 100 communities, 4 streets, 1 district),
{len(rows['units'])} units, {len(rows['roads'])} road segments (20 m buffers), {len(rows['rules'])} explicit rules.
100,000 points uniform over the city plus a 5 % margin outside it, 10 categories.

| Measure | per CPU-second | per wall-second |
|---|---:|---:|
| `decide()` with its memo cleared before every call | {cold.cpu:,.0f} | {cold.wall:,.0f} |
| `decide()` from a cold memo over 100k points | {warm.cpu:,.0f} | {warm.wall:,.0f} |
| `decide()` second pass (memo warm) | {again.cpu:,.0f} | {again.wall:,.0f} |
| area lookup alone: `STRtree.query(Point, predicate="intersects")` | {tree_rate.cpu:,.0f} | {tree_rate.wall:,.0f} |
| area lookup alone: cell lattice (what `decide()` uses) | {bucket_rate.cpu:,.0f} | {bucket_rate.wall:,.0f} |

| Measure (wall clock, so inflated by the load above) | Result |
|---|---|
| snapshot build from rows (parse + index every polygon) | {build_s:.2f} s |
| city-version check per `route()` call (one PK read, SQLite) | {check_us:.0f} µs |
| snapshot rebuild from the database (read rows + build, SQLite) | {db['rebuild_s']:.2f} s |
| `route()` end to end on SQLite (category read + version read + `decide()`) | {db['route_us']:.0f} µs/call |

Target ≥ {TARGET:,} decisions/s on one core (`decide()` from a cold memo, per CPU-second): **{ok}**. Rules hit over the sample:
{", ".join(f"{k} {v:,}" for k, v in sorted(counts.items()))}.
The memo caches the area-determined part of a decision (explicit rule, jurisdiction, fallback)
per (category, covering areas); only the road-buffer lookup depends on the exact point, so a
warm memo is the steady state of a running server (categories × grids is finite).

`route()` = category read + city-version read + `decide()`. The version read costs
{check_us:.0f} µs here against ≈ {1e6 / warm.cpu:.0f} µs for `decide()`, but it is one primary-key read next to the
category read `route()` makes anyway, and it gives read-your-writes after a rule edit and no
cross-instance lag, so the cache checks on every call. `SnapshotCache(check_interval_s=1)` would
save that one read per call at the price of up to a second of staleness.
"""
    write_section(text)
    print(f"target {TARGET:,}/s: {ok}; written to {DOC}")


if __name__ == "__main__":
    main()
