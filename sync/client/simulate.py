"""`civicloop simulate-devices N`: N phones, each with a queue of reports and photos, syncing at once.

Each phone signs in as one of the demo users, fills its on-disk outbox while "offline" (not
timed), then all of them come online together and sync (push text, then photos by hash). Prints
reports/s, photo MB/s and push latency percentiles.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import random
import statistics
import struct
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from sync.client.client import Phone
from sync.client.outbox import Outbox

# Demo city (江滨区) points and categories; jitter spreads reports over the district.
DEFAULT_POINTS = [("09009", 32.037, 118.779), ("09011", 32.041, 118.783), ("06010", 32.0401, 118.783),
                  ("08011", 32.037, 118.785), ("09006", 32.0399, 118.775), ("09005", 32.0375, 118.7821),
                  ("07001", 32.0401, 118.785), ("06013", 32.037, 118.783), ("06004", 32.041, 118.781)]


def base_photo(kb: int, width: int = 1600, height: int = 1200) -> bytes:
    """A 1600×1200 JPEG of about `kb` KB (a smooth scene plus sensor-like noise)."""
    from PIL import Image, ImageFilter

    rnd = random.Random(kb)
    noise = Image.frombytes("RGB", (width // 4, height // 4), rnd.randbytes(width * height * 3 // 16))
    scene = noise.filter(ImageFilter.GaussianBlur(2)).resize((width, height), Image.Resampling.BICUBIC)
    grain = Image.frombytes("L", (width, height), rnd.randbytes(width * height)).convert("RGB")
    best = b""
    for amount in (0.02, 0.05, 0.1, 0.2, 0.35, 0.5):
        img = Image.blend(scene, grain, amount)
        for quality in (60, 75, 85, 92):
            out = io.BytesIO()
            img.save(out, "JPEG", quality=quality)
            data = out.getvalue()
            if abs(len(data) - kb * 1024) < abs(len(best) - kb * 1024):
                best = data
    return best


def unique(photo: bytes, tag: str) -> bytes:
    """Make each photo's hash unique without re-encoding: a JPEG comment segment after SOI
    (the server strips comments, as it strips EXIF)."""
    body = tag.encode()
    return photo[:2] + b"\xff\xfe" + struct.pack(">H", len(body) + 2) + body + photo[2:]


def fill_outbox(outbox: Outbox, *, reports: int, photo: bytes, seed: int) -> None:
    rnd = random.Random(seed)
    for j in range(reports):
        code, lat, lon = rnd.choice(DEFAULT_POINTS)
        outbox.add_report(category_code=code, lat=round(lat + rnd.uniform(-0.0012, 0.0012), 6),
                          lon=round(lon + rnd.uniform(-0.0012, 0.0012), 6), accuracy_m=rnd.uniform(3, 15),
                          captured_at=datetime.now(UTC).isoformat(), description=f"模拟上报 {seed}-{j}",
                          photos=[unique(photo, f"sim-{seed}-{j}-{uuid.uuid4().hex}")])


def phone_http() -> httpx.AsyncClient:
    """Each simulated phone has its own connection, as a real one does. (One client shared by all
    phones scans every pooled connection on each request: at 50 phones that scan was a third of
    the simulator's CPU, taken from the server it shares the machine with.)"""
    return httpx.AsyncClient(timeout=120, limits=httpx.Limits(max_connections=2, max_keepalive_connections=2))


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


async def simulate(*, devices: int, server: str, reports_per_device: int, photo_kb: int,
                   users: list[str], password: str, batch: int = 10, workdir: Path | None = None,
                   quiet: bool = False, cpu_meter: Callable[[], dict[str, float]] | None = None) -> dict[str, Any]:
    """`cpu_meter`: returns CPU-seconds used so far per process group; read at the start and the
    end of the timed window, the difference lands in the result as `cpu_ms_per_report`."""
    workdir = Path(workdir or tempfile.mkdtemp(prefix="civicloop-sim-"))
    photo = base_photo(photo_kb)
    phones = []
    for i in range(devices):
        outbox = Outbox(workdir / f"phone-{i:03d}.db")
        fill_outbox(outbox, reports=reports_per_device, photo=photo, seed=i)
        phones.append(Phone(base_url=server, outbox=outbox, username=users[i % len(users)], password=password,
                            http=phone_http(), batch=batch))
    if not quiet:
        print(f"{devices} phones × {reports_per_device} reports, photo {len(photo) / 1024:.0f} KB "
              f"(1600×1200 JPEG); outboxes in {workdir}", flush=True)
    try:
        for p in phones:  # sign-in is not what we measure (argon2 is slow on purpose)
            await p.login()
        cpu_before = cpu_meter() if cpu_meter else {}
        started = time.perf_counter()
        failures = await asyncio.gather(*(p.sync(pull=False, max_attempts=20) for p in phones))
        elapsed = time.perf_counter() - started
        cpu_after = cpu_meter() if cpu_meter else {}
    finally:
        await asyncio.gather(*(p.http.aclose() for p in phones))
    applied = sum(p.pushed["applied"] for p in phones)
    latencies = [lat for p in phones for lat in p.push_latencies]
    result = {
        "devices": devices, "reports_per_device": reports_per_device, "photo_kb": round(len(photo) / 1024),
        "seconds": round(elapsed, 2), "reports_applied": applied,
        "rejected": sum(p.pushed["rejected"] for p in phones),
        "photos": sum(p.photos_sent for p in phones),
        "reports_per_s": round(applied / elapsed, 1),
        "photo_mb_per_s": round(sum(p.photo_bytes_sent for p in phones) / elapsed / 1e6, 2),
        "push_p50_ms": round(percentile(latencies, 50) * 1000, 1),
        "push_p95_ms": round(percentile(latencies, 95) * 1000, 1),
        "push_mean_ms": round(statistics.fmean(latencies) * 1000, 1) if latencies else 0.0,
        "pushes": len(latencies), "retries": sum(failures),
        "waiting_after": sum(sum(p.outbox.waiting().values()) for p in phones),
    }
    if cpu_meter and applied:
        result["cpu_ms_per_report"] = {k: round((cpu_after[k] - cpu_before.get(k, 0.0)) / applied * 1000, 1)
                                       for k in cpu_after}
    for p in phones:
        p.outbox.close()
    if not quiet:
        print(f"reports/s {result['reports_per_s']}  photo MB/s {result['photo_mb_per_s']}  "
              f"push p50 {result['push_p50_ms']} ms  p95 {result['push_p95_ms']} ms  "
              f"({applied} reports, {result['photos']} photos in {result['seconds']} s, "
              f"{result['retries']} retried attempts, {result['waiting_after']} items still waiting)")
        print(json.dumps(result, ensure_ascii=False))
    return result


def _run(args: argparse.Namespace) -> int:
    result = asyncio.run(simulate(devices=args.devices, server=args.server, reports_per_device=args.reports_per_device,
                                  photo_kb=args.photo_kb, users=args.users.split(","), password=args.password,
                                  batch=args.batch, workdir=Path(args.workdir) if args.workdir else None))
    return 0 if result["waiting_after"] == 0 else 1


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("simulate-devices", help="drive N simulated phones against a server (sync load)")
    p.add_argument("devices", type=int, help="number of phones")
    p.add_argument("--server", default="http://127.0.0.1:8000")
    p.add_argument("--reports-per-device", type=int, default=20)
    p.add_argument("--photo-kb", type=int, default=300)
    p.add_argument("--users", default="grid01,grid02,grid03,volunteer01", help="demo users, comma-separated")
    p.add_argument("--password", default="Demo@2026")
    p.add_argument("--batch", type=int, default=10, help="mutations per push")
    p.add_argument("--workdir", default=None, help="where the phones' outboxes go (default: a temp folder)")
    p.set_defaults(func=_run)
