"""Server-side processing of one photo: validate, read EXIF, orient, strip, thumbnail.

A 1600×1200 JPEG of ~300 KB (what a phone sends after its own downscale), in three forms:
no metadata (stripped losslessly, stored byte-identical), EXIF with GPS but upright (EXIF
segments dropped losslessly), and EXIF orientation 6 (must be re-encoded rotated). Median of
many runs of `api.media.processing.process_image`, the function the upload runs in a thread.
"""

from __future__ import annotations

import io
import os
import platform
import statistics
import time

from PIL import Image

from api.media.processing import process_image
from sync.client.simulate import base_photo


def _with_exif(data: bytes, orientation: int | None) -> bytes:
    img = Image.open(io.BytesIO(data))
    exif = Image.Exif()
    exif[0x010F] = "BenchPhone"
    if orientation:
        exif[0x0112] = orientation
    exif.get_ifd(0x8769)[0x9003] = "2026:11:20 09:30:00"
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", (32.0, 2.0, 24.0), "E", (118.0, 46.0, 48.0)
    out = io.BytesIO()
    img.save(out, "JPEG", quality=85, exif=exif.tobytes())
    return out.getvalue()


def measure(data: bytes, runs: int = 80) -> tuple[float, float]:
    """Median wall time and median CPU time (the latter is steadier on a shared, busy machine)."""
    for _ in range(5):
        process_image(data)
    wall, cpu = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.thread_time()
        process_image(data)
        wall.append(time.perf_counter() - started)
        cpu.append(time.thread_time() - started_cpu)
    return statistics.median(wall) * 1000, statistics.median(cpu) * 1000


def main() -> dict[str, float]:
    plain = base_photo(300)
    cases = {"no metadata": plain, "EXIF+GPS, upright": _with_exif(plain, None),
             "EXIF+GPS, orientation 6": _with_exif(plain, 6)}
    print(f"machine: {platform.machine()} {platform.processor() or ''}, Python {platform.python_version()}, "
          f"Pillow {Image.__version__}")
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    results = {}
    for name, data in cases.items():
        wall, cpu = measure(data)
        results[name] = round(wall, 2)
        print(f"{name:<26} {len(data) / 1024:6.0f} KB  median wall {wall:6.2f} ms  median CPU {cpu:6.2f} ms")
    return results


if __name__ == "__main__":
    main()
