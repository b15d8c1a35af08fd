"""PWA budgets: initial JavaScript, the 12 MP photo pipeline in Chromium, Lighthouse (mobile).

The measuring is done by `pwa/scripts/budgets.mjs` (`npm run bench` in pwa/), which starts the
real backend, drives Debian's Chromium and writes its own section of docs/benchmarks.md. This
module only builds the app first and shells out, so `make bench` covers the PWA too.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

PWA = Path(__file__).resolve().parents[1] / "pwa"


def main() -> None:
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is not installed; the PWA budgets need Node.js")
    chromium = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    if not Path(chromium).exists():
        raise RuntimeError(f"{chromium} is missing (make browser installs it)")
    env = {**os.environ, "CHROMIUM": chromium}
    if not (PWA / "node_modules" / ".installed").exists() and not (PWA / "node_modules").is_dir():
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=PWA, env=env, check=True)
    subprocess.run([npm, "run", "build"], cwd=PWA, env=env, check=True)
    subprocess.run([npm, "run", "bench"], cwd=PWA, env=env, check=True)
