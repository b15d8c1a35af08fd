"""Work queues at city scale: a unit inbox page and the overdue board over 1,000,000 tickets.

Builds a fresh PostgreSQL database `civicloop_bench` (dropped first), runs the real migrations,
and bulk-loads with `generate_series` inside PostgreSQL:
- areas: 1 district, 10 streets, 100 communities, 2,000 grids;
- 200 units: 60 city departments (12 dept types × 5), 10 street offices, 40 communities,
  90 enterprises (bike operators, property companies, owners);
- 1,000,000 tickets over the last 365 days, unit drawn with a skew (the busiest unit holds
  about 4 % of them), the seeded categories, statuses: ~85 % closed, the rest rejected, merged,
  handled, in progress, dispatched, parked, returned, filed, reported; open ones are recent, and
  about a third of them are past due (the overdue board);
- one `dispatch` event per dispatched ticket (the timeline the statistics read).
Then it times, through the real HTTP API (httpx against the ASGI app, signed in with bearer
tokens; every request passes auth, scoping, the list ETag and the page query), ≥ 200 requests
each of: the busiest unit's inbox, a median unit's inbox, the overdue board (first page and a
page deep via the cursor), and this month's statistics dashboard. Writes docs/benchmarks.md.
"""

from __future__ import annotations

import asyncio
import os
import platform
import statistics
import subprocess
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import httpx

N_TICKETS = int(os.environ.get("BENCH_TICKETS", "1000000"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "300"))
REUSE = os.environ.get("BENCH_REUSE") == "1"  # skip the load, measure an existing civicloop_bench
ADMIN_DSN = os.environ.get("BENCH_PG_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
DB_NAME = os.environ.get("BENCH_DB", "civicloop_bench")
DOC = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"
SECTION = "## Work queues (bench/bench_queues.py)"
TARGET_P95_MS = 50.0
PASSWORD = "Bench-Passw0rd!"
MEDIA_DIR = Path("./var/bench-media")

DEPT_TYPES = ["traffic_police", "city_management", "sanitation", "municipal", "landscaping",
              "market_regulation", "housing_construction", "civilization_office", "fire_rescue",
              "civil_affairs", "ecology", "water"]


def _dsn(db: str) -> str:
    return ADMIN_DSN.rsplit("/", 1)[0] + "/" + db


async def create_database() -> str:
    conn = await asyncpg.connect(ADMIN_DSN)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    finally:
        await conn.close()
    return _dsn(DB_NAME).replace("postgresql://", "postgresql+asyncpg://")


def units_plan() -> list[tuple[str, str, str]]:
    plan = [(f"D{t[:6].upper()}{i}", f"{t}-{i}", t) for t in DEPT_TYPES for i in range(1, 6)]
    plan += [(f"SO{i:02d}", f"街道办{i}", "street_office") for i in range(1, 11)]
    plan += [(f"CM{i:02d}", f"社区{i}", "community") for i in range(1, 41)]
    plan += [(f"BK{i:02d}", f"单车{i}", "bike_operator") for i in range(1, 31)]
    plan += [(f"PC{i:02d}", f"物业{i}", "property_company") for i in range(1, 41)]
    plan += [(f"OW{i:02d}", f"产权{i}", "owner") for i in range(1, 21)]
    assert len(plan) == 200
    return plan


LOAD_SQL = [
    # Areas: district → 10 streets → 100 communities → 2,000 grids.
    """INSERT INTO area (id, code, name, level, parent_id, geometry, updated_at)
       VALUES (gen_random_uuid(), '320100', '基准区', 'district', NULL, '{}'::jsonb, now())""",
    """INSERT INTO area (id, code, name, level, parent_id, geometry, updated_at)
       SELECT gen_random_uuid(), '320100' || lpad(s::text, 3, '0'), '街道' || s, 'street',
              (SELECT id FROM area WHERE code = '320100'), '{}'::jsonb, now()
       FROM generate_series(1, 10) s""",
    """INSERT INTO area (id, code, name, level, parent_id, geometry, updated_at)
       SELECT gen_random_uuid(), st.code || lpad(c::text, 3, '0'), st.name || '社区' || c, 'community', st.id,
              '{}'::jsonb, now()
       FROM area st, generate_series(1, 10) c WHERE st.level = 'street'""",
    """INSERT INTO area (id, code, name, level, parent_id, geometry, updated_at)
       SELECT gen_random_uuid(), cm.code || lpad(g::text, 3, '0'), cm.name || '网格' || g, 'grid', cm.id,
              '{}'::jsonb, now()
       FROM area cm, generate_series(1, 20) g WHERE cm.level = 'community'""",
    # Tickets. r1..r4 are independent uniform draws per row.
    """
    WITH un AS (SELECT id, row_number() OVER (ORDER BY code) AS rn FROM unit),
         gn AS (SELECT a.id, cm.parent_id AS street_id, row_number() OVER (ORDER BY a.code) AS rn
                FROM area a JOIN area cm ON cm.id = a.parent_id WHERE a.level = 'grid'),
         c AS (SELECT array_agg(code ORDER BY code) AS codes FROM category),
         rnd AS (SELECT n, random() AS r1, random() AS r2, random() AS r3, random() AS r4
                 FROM generate_series(1, {n}) n),
         base AS (
           SELECT n, r1, r2, r3, r4,
                  CASE WHEN r2 < 0.850 THEN 'closed' WHEN r2 < 0.880 THEN 'rejected' WHEN r2 < 0.900 THEN 'merged'
                       WHEN r2 < 0.925 THEN 'handled' WHEN r2 < 0.955 THEN 'in_progress'
                       WHEN r2 < 0.980 THEN 'dispatched' WHEN r2 < 0.985 THEN 'parked'
                       WHEN r2 < 0.990 THEN 'returned' WHEN r2 < 0.995 THEN 'filed' ELSE 'reported' END AS status,
                  1 + floor(200 * power(r1, 2.2))::int AS unit_ix,
                  1 + floor(2000 * r3)::int AS grid_ix
           FROM rnd),
         timed AS (
           SELECT b.*,
                  -- open tickets are recent (last 10 days), finished ones spread over a year
                  now() - (CASE WHEN b.status IN ('closed', 'rejected', 'merged') THEN 365 ELSE 10 END
                           * b.r4) * interval '1 day' AS reported_at,
                  (4 + floor(68 * b.r3))::int AS limit_h
           FROM base b),
         shaped AS (
           SELECT t.*,
                  CASE WHEN t.status IN ('reported', 'filed', 'rejected', 'merged') THEN NULL
                       ELSE t.reported_at + interval '10 min' END AS dispatched_at,
                  CASE WHEN t.status IN ('reported', 'filed', 'rejected', 'merged') THEN NULL
                       ELSE t.reported_at + interval '10 min' + t.limit_h * interval '1 hour' * 2.4 END AS due_at,
                  CASE WHEN t.status IN ('handled', 'closed')
                       THEN t.reported_at + (t.limit_h * 2.6 * t.r1 + 1) * interval '1 hour' END AS handled_at,
                  CASE WHEN t.status = 'closed'
                       THEN t.reported_at + (t.limit_h * 2.6 * t.r1 + 3) * interval '1 hour' END AS closed_at
           FROM timed t)
    INSERT INTO ticket (id, number, status, version, category_code, source, lat, lon, description, grid_id,
                        street_id, unit_id, routing_rule, routing_explanation, report_count, urgent,
                        photos_complete, reported_at, filed_at, dispatched_at, signed_at, handled_at, closed_at,
                        rejected_at, parked_at, returned_at, due_at, overdue_at, handled_on_time, closed_on_time,
                        rework_count, extension_count, return_count, urge_count, pending_extension, updated_at)
    SELECT gen_random_uuid(), 'B' || lpad(t.n::text, 9, '0'), t.status, 1 + (t.n % 5),
           c.codes[1 + (t.n % array_length(c.codes, 1))],
           (ARRAY['grid_worker','grid_worker','grid_worker','volunteer','hotline','inspection','desk'])[1 + t.n % 7],
           32.0 + t.r3 / 10, 118.7 + t.r1 / 10, '', gn.id, gn.street_id,
           CASE WHEN t.status IN ('reported', 'filed', 'rejected') THEN NULL ELSE un.id END,
           'jurisdiction', '', 1, false, true,
           t.reported_at,
           CASE WHEN t.status IN ('reported', 'rejected') THEN NULL ELSE t.reported_at + interval '5 min' END,
           t.dispatched_at,
           CASE WHEN t.status IN ('in_progress', 'handled', 'closed') THEN t.reported_at + interval '40 min' END,
           t.handled_at, t.closed_at,
           CASE WHEN t.status = 'rejected' THEN t.reported_at + interval '20 min' END,
           CASE WHEN t.status = 'parked' THEN t.reported_at + interval '1 day' END,
           CASE WHEN t.status = 'returned' THEN t.reported_at + interval '2 hour' END,
           t.due_at,
           -- what the sweeper would have marked, and the on-time flags the workflow records
           CASE WHEN t.status IN ('dispatched', 'in_progress') AND t.due_at < now() THEN t.due_at END,
           t.handled_at <= t.due_at, t.closed_at <= t.due_at,
           0, 0, 0, CASE WHEN t.status IN ('dispatched', 'in_progress') AND t.due_at < now() THEN 1 ELSE 0 END,
           '{{}}'::jsonb, t.reported_at + interval '1 hour'
    FROM shaped t JOIN un ON un.rn = t.unit_ix JOIN gn ON gn.rn = t.grid_ix CROSS JOIN c
    """,
    """INSERT INTO ticket_event (id, ticket_id, action, from_status, to_status, actor_id, actor_role, unit_id, at,
                                 reason, photos, data)
       SELECT gen_random_uuid(), id, 'dispatch', 'filed', 'dispatched', NULL, 'dispatcher', unit_id, dispatched_at,
              '', '[]'::jsonb, '{}'::jsonb
       FROM ticket WHERE dispatched_at IS NOT NULL""",
    # One report per ticket with one photo (a 64-hex name made from the ticket), and its photo_ref
    # row, as intake writes them. The reporter is created before the load (see load()).
    """INSERT INTO report (id, reporter_id, source, category_code, lat, lon, captured_at, received_at, description,
                           photos, fixed_on_spot, after_photos, photos_complete, ticket_id, photo_meta)
       SELECT gen_random_uuid(), (SELECT id FROM user_account WHERE username = 'bench_reporter'), t.source,
              t.category_code, t.lat, t.lon, t.reported_at, t.reported_at, '',
              jsonb_build_array(md5(t.id::text) || md5(t.number)), false, '[]'::jsonb, true, t.id, '{}'::jsonb
       FROM ticket t""",
    """INSERT INTO photo_ref (sha256, report_id, event_id)
       SELECT photos ->> 0, id, NULL FROM report""",
    "VACUUM ANALYZE",
]


async def load(url: str) -> dict[str, float]:
    from api.auth.security import hash_password

    conn = await asyncpg.connect(_dsn(DB_NAME))
    timings: dict[str, float] = {}  # load seconds and dataset facts
    try:
        if REUSE:
            timings["total"] = -1.0
        else:
            await conn.executemany(
                "INSERT INTO unit (id, code, name, dept_type, calendar, active, updated_at) "
                "VALUES ($1, $2, $3, $4, '{}'::jsonb, true, now())",
                [(uuid.uuid4(), code, name, dept) for code, name, dept in units_plan()])
            await conn.execute(
                "INSERT INTO user_account (id, username, name, password_hash, roles, unit_id, active, created_at) "
                "VALUES ($1, 'bench_reporter', 'bench_reporter', 'x', '[\"grid_worker\"]'::jsonb, NULL, true, now())",
                uuid.uuid4())
            started = time.perf_counter()
            for i, sql in enumerate(LOAD_SQL):
                t0 = time.perf_counter()
                await conn.execute(sql.format(n=N_TICKETS) if "{n}" in sql else sql)
                print(f"  load step {i + 1}/{len(LOAD_SQL)}: {time.perf_counter() - t0:.1f} s", flush=True)
            timings["total"] = time.perf_counter() - started
        # The busiest unit and a median one (by open tickets), plus a supervisor.
        open_by_unit = await conn.fetch(
            "SELECT unit_id, count(*) AS n FROM ticket WHERE status IN ('dispatched', 'in_progress') "
            "GROUP BY unit_id ORDER BY n DESC")
        busiest, median = open_by_unit[0], open_by_unit[len(open_by_unit) // 2]
        pw = hash_password(PASSWORD)
        for username, roles, unit_id in (("bench_sup", '["supervisor"]', None),
                                         ("bench_busy", '["unit_handler"]', busiest["unit_id"]),
                                         ("bench_median", '["unit_handler"]', median["unit_id"])):
            await conn.execute(
                "INSERT INTO user_account (id, username, name, password_hash, roles, unit_id, active, created_at) "
                "VALUES ($1, $2, $2, $3, $4::jsonb, $5, true, now()) "
                "ON CONFLICT (username) DO UPDATE SET unit_id = EXCLUDED.unit_id, password_hash = EXCLUDED.password_hash",
                uuid.uuid4(), username, pw, roles, unit_id)
        facts = await conn.fetchrow(
            "SELECT count(*) AS tickets, "
            "count(*) FILTER (WHERE status IN ('dispatched', 'in_progress')) AS open, "
            "count(*) FILTER (WHERE status IN ('dispatched', 'in_progress') AND due_at < now()) AS overdue, "
            "(SELECT count(*) FROM ticket_event) AS events, (SELECT count(*) FROM report) AS reports FROM ticket")
        timings.update({k: float(v) for k, v in facts.items()})
        timings["busiest_open"] = float(busiest["n"])
        timings["median_open"] = float(median["n"])
    finally:
        await conn.close()
    return timings


async def prepare_photos(n: int = 50) -> list[str]:
    """Photos of the busiest unit's open tickets, stored (media row + thumbnail file) so their
    handler can view them: each view runs the full visibility check (they did not upload it)."""
    import io

    from PIL import Image

    from api.media.store import LocalStore

    buf = io.BytesIO()
    Image.new("RGB", (320, 240), (180, 90, 40)).save(buf, "JPEG", quality=75)
    conn = await asyncpg.connect(_dsn(DB_NAME))
    try:
        photos = [r["sha"] for r in await conn.fetch(
            "SELECT r.photos ->> 0 AS sha FROM report r JOIN ticket t ON t.id = r.ticket_id "
            "JOIN user_account u ON u.unit_id = t.unit_id AND u.username = 'bench_busy' "
            "WHERE t.status IN ('dispatched', 'in_progress') ORDER BY t.due_at LIMIT $1", n)]
        await conn.executemany(
            "INSERT INTO media (sha256, content_type, size, width, height, stored_size, thumb_size, created_at) "
            "VALUES ($1, 'image/jpeg', 300000, 1600, 1200, 300000, $2, now()) ON CONFLICT DO NOTHING",
            [(p, buf.tell()) for p in photos])
    finally:
        await conn.close()
    store = LocalStore(MEDIA_DIR)
    for sha in photos:
        store.put("thumb", sha, buf.getvalue(), "image/jpeg")
    return photos


async def former_text_search(sha256: str, runs: int = 5) -> dict[str, float]:
    """What finding a photo's owners cost before photo_ref (migration 0008): a text search of the
    photo lists of every report and every event. SQL only, for comparison."""
    conn = await asyncpg.connect(_dsn(DB_NAME))
    samples = []
    try:
        for _ in range(runs):
            t0 = time.perf_counter()
            await conn.fetch("SELECT reporter_id, ticket_id FROM report "
                             "WHERE CAST(photos AS TEXT) LIKE $1 OR CAST(after_photos AS TEXT) LIKE $1", f"%{sha256}%")
            await conn.fetch("SELECT ticket_id FROM ticket_event WHERE CAST(photos AS TEXT) LIKE $1", f"%{sha256}%")
            samples.append((time.perf_counter() - t0) * 1000)
    finally:
        await conn.close()
    return {"n": runs, "p50": statistics.median(samples), "p95": pct(samples, 0.95), "max": max(samples), "items": -1}


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


async def measure(url: str, photos: list[str]) -> dict[str, dict[str, float]]:
    from api.app import create_app
    from api.settings import Settings

    settings = Settings(environment="development", database_url=url, run_sweeper=False,
                        media_dir=MEDIA_DIR, pwa_dist=Path("./var/no-pwa"), log_level="WARNING")
    app = create_app(settings)
    results: dict[str, dict[str, float]] = {}
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            async def token(username: str) -> dict[str, str]:
                r = await client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
                r.raise_for_status()
                return {"Authorization": f"Bearer {r.json()['access_token']}"}

            sup, busy, median = await token("bench_sup"), await token("bench_busy"), await token("bench_median")
            first = (await client.get("/api/v1/queues/overdue", params={"limit": 50}, headers=sup)).json()
            deep_cursor = first.get("next_cursor")
            month = datetime.now(UTC).strftime("%Y-%m")
            cases = [
                ("inbox, busiest unit (GET /api/v1/queues/inbox?limit=50)", "/api/v1/queues/inbox",
                 {"limit": 50}, busy, REQUESTS),
                ("inbox, median unit", "/api/v1/queues/inbox", {"limit": 50}, median, REQUESTS),
                ("overdue board (GET /api/v1/queues/overdue?limit=50)", "/api/v1/queues/overdue",
                 {"limit": 50}, sup, REQUESTS),
                ("overdue board, next page (cursor)", "/api/v1/queues/overdue",
                 {"limit": 50, "cursor": deep_cursor}, sup, REQUESTS),
                ("open-ticket map: the 2,000 most recent of the open tickets as points, ≈ 400 KB (GET /api/v1/queues/map)",
                 "/api/v1/queues/map", {}, sup, 50),
                ("photo thumbnail on a busiest-unit ticket, viewed by that unit (GET /api/v1/media/{sha}/thumb)",
                 "/api/v1/media/{sha}/thumb", {}, busy, REQUESTS),
                (f"stats dashboard, month {month} (GET /api/v1/stats/dashboard)", "/api/v1/stats/dashboard",
                 {"month": month}, sup, 20),
            ]
            for name, path, params, headers, n in cases:
                def url_of(i: int, path: str = path) -> str:  # photo views cycle through the photos
                    return path.format(sha=photos[i % len(photos)]) if "{sha}" in path else path

                for i in range(5):  # warm the pool and the caches
                    (await client.get(url_of(i), params=params, headers=headers)).raise_for_status()
                samples = []
                items = 0
                for i in range(n):
                    t0 = time.perf_counter()
                    r = await client.get(url_of(i), params=params, headers=headers)
                    samples.append((time.perf_counter() - t0) * 1000)
                    r.raise_for_status()
                    is_json = r.headers.get("content-type", "").startswith("application/json")
                    items = len(r.json().get("items", [])) if is_json and "items" in r.json() else -1
                results[name] = {"n": n, "p50": statistics.median(samples), "p95": pct(samples, 0.95),
                                 "max": max(samples), "items": items}
                print(f"{name}: p50 {results[name]['p50']:.1f} ms, p95 {results[name]['p95']:.1f} ms "
                      f"(n={n}, items={items})", flush=True)
    return results


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        pg = subprocess.run(["psql", ADMIN_DSN, "-Atc", "SHOW server_version"], capture_output=True, text=True,
                            timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        pg = "?"
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    return (f"{cpu}, {os.cpu_count()} CPUs, Python {platform.python_version()}, PostgreSQL {pg} (local, TCP); "
            f"load average at the end {load} (the machine is shared with other work: figures are noisy)")


def write_section(text: str) -> None:
    doc = DOC.read_text(encoding="utf-8") if DOC.exists() else "# Benchmarks\n"
    start = doc.find(SECTION)
    if start == -1:
        doc = doc.rstrip("\n") + "\n\n" + text
    else:
        end = doc.find("\n## ", start + len(SECTION))
        doc = doc[:start].rstrip("\n") + "\n\n" + text.rstrip("\n") + "\n" + ("\n" + doc[end + 1:] if end != -1 else "")
    DOC.write_text(doc if doc.endswith("\n") else doc + "\n", encoding="utf-8")


def report(load_facts: dict[str, float], results: dict[str, dict[str, float]]) -> str:
    loaded = (f"Load (generate_series inside PostgreSQL, then VACUUM ANALYZE): {load_facts['total']:.0f} s."
              if load_facts["total"] >= 0 else "Measured on a database loaded by an earlier run (BENCH_REUSE=1).")
    lines = [
        SECTION, "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine()}.",
        f"Data: {int(load_facts['tickets']):,} tickets over 200 units and 2,000 grids, "
        f"{int(load_facts['open']):,} open (dispatched/in progress), {int(load_facts['overdue']):,} of them "
        f"overdue; {int(load_facts['events']):,} timeline events; "
        f"{int(load_facts['reports']):,} reports with a photo each (indexed in photo_ref). The busiest unit has "
        f"{int(load_facts['busiest_open']):,} open tickets, the median unit {int(load_facts['median_open']):,}. " + loaded,
        "Requests go through the real app in-process (httpx ASGITransport: auth, scoping, the list "
        "ETag query, the page query, serialization), one at a time, 50 tickets per page; "
        f"target p95 ≤ {TARGET_P95_MS:.0f} ms for the queues.",
        "",
        "| request | n | p50 ms | p95 ms | max ms | target |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for name, r in results.items():
        is_queue = ("inbox" in name or "overdue" in name) and "map" not in name
        verdict = ("met" if r["p95"] <= TARGET_P95_MS else "**missed**") if is_queue else "—"
        lines.append(f"| {name} | {int(r['n'])} | {r['p50']:.1f} | {r['p95']:.1f} | {r['max']:.1f} | {verdict} |")
    lines += ["", "Photo views: a desk queue card shows the ticket's first photo, so an inbox page asks for up to "
              "50 thumbnails, each checked against the viewer's scope. The check finds the photo's tickets "
              "through `photo_ref` (migration 0008); the last row is what the same lookup cost as a text search "
              "of every report's and event's photo list, the way it worked before (per photo, before any "
              "HTTP or Python work)."]
    lines += ["", "Map (no target): the supervisors' open-ticket map polls this every 15 s (a 304 when nothing "
              "moved still runs the query). Capped at 2,000 points (≈ 400 KB of JSON; 5,000 was ≈ 1 MB and "
              "110 ms): a denser picture needs clustering, not more markers."]
    lines += ["", "Dashboard (no target; a supervisor opens it a few times a day): 4.1 s p50 on 2026-11-30 "
              "before three changes, 1.4 s after: JIT off on the app's connections (compiling cost more "
              "than it saved), each statistics statement planned for its period instead of PostgreSQL's "
              "generic plan after the fifth run (`SET LOCAL plan_cache_mode`), and a partial index for "
              "'was any report fixed on the spot' (migration 0009). What remains is two scans of the month's "
              "tickets (counts per unit, and the daily trend)."]
    lines += ["", "Run: `.venv/bin/python -m bench queues` (drops and rebuilds `civicloop_bench`; "
              "`BENCH_TICKETS`, `BENCH_REQUESTS`, `BENCH_PG_DSN`, `BENCH_DB` override; `BENCH_REUSE=1` measures "
              "again without reloading).", ""]
    return "\n".join(lines)


def main() -> None:
    from models.migrate import upgrade

    if REUSE:  # measure again on the database an earlier run loaded
        url = _dsn(DB_NAME).replace("postgresql://", "postgresql+asyncpg://")
    else:
        url = asyncio.run(create_database())
        t0 = time.perf_counter()
        upgrade(url)
        print(f"database {DB_NAME}: migrated in {time.perf_counter() - t0:.1f} s", flush=True)
    facts = asyncio.run(load(url))
    print(f"loaded {int(facts['tickets']):,} tickets in {facts['total']:.0f} s: {facts}", flush=True)
    photos = asyncio.run(prepare_photos())
    results = asyncio.run(measure(url, photos))
    results["former photo lookup: text search of every report's and event's photos (SQL alone, for comparison)"] = \
        asyncio.run(former_text_search(photos[0]))
    text = report(facts, results)
    write_section(text)
    print(text)


if __name__ == "__main__":
    main()
