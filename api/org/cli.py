"""`civicloop import-city DIR` and `civicloop seed-demo`."""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def demo_city_dir() -> Path:
    """The demo pack: beside the source tree, or under the working directory (the Docker image)."""
    for candidate in (REPO_ROOT / "demo" / "city", Path.cwd() / "demo" / "city"):
        if (candidate / "areas.geojson").is_file():
            return candidate
    raise FileNotFoundError("demo/city not found beside the source tree or in the working directory")


async def import_dir(folder: Path, database_url: str | None = None) -> dict:
    from api.db import make_engine, make_sessionmaker
    from api.org.citypack import read_dir
    from api.org.citypack_import import import_city_pack
    from api.settings import get_settings

    engine = make_engine(database_url or get_settings().database_url)
    try:
        async with make_sessionmaker(engine)() as session:
            summary = await import_city_pack(session, read_dir(folder))
            await session.commit()
            return summary
    finally:
        await engine.dispose()


def _run(folder: Path) -> int:
    from api.errors import AppError

    try:
        summary = asyncio.run(import_dir(folder))
    except AppError as exc:
        print(f"refused: {exc.message}")
        for problem in exc.details.get("problems", []):
            print("  " + json.dumps(problem, ensure_ascii=False))
        return 2
    print(f"imported {folder}")
    for kind, counts in summary.items():
        print(f"  {kind:<6} created {counts['created']:>3}  updated {counts['updated']:>3}  "
              f"unchanged {counts['unchanged']:>3}")
    return 0


def _import_city(args: argparse.Namespace) -> int:
    return _run(Path(args.dir))


def _seed_demo(args: argparse.Namespace) -> int:
    return _run(demo_city_dir())


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("import-city", help="import (idempotently, by code) a city pack folder")
    p.add_argument("dir", help="folder with areas.geojson, roads.geojson, units.json, rules.json, users.json")
    p.set_defaults(func=_import_city)
    p = sub.add_parser("seed-demo", help="import the demo city 江滨区 (demo/city) with its demo users")
    p.set_defaults(func=_seed_demo)
