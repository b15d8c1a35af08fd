"""The `civicloop` command line (also `python -m api`)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable

Command = Callable[[argparse.Namespace], int]


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from api.settings import get_settings

    settings = get_settings()
    uvicorn.run("api.main:app", host=args.host, port=args.port, log_level=settings.log_level.lower(),
                workers=args.workers, proxy_headers=True)
    return 0


def _migrate(args: argparse.Namespace) -> int:
    from models.migrate import downgrade, upgrade

    if args.down:
        downgrade(revision=args.revision or "base")
    else:
        upgrade(revision=args.revision or "heads")
    print(f"migrated {'down to ' + (args.revision or 'base') if args.down else 'up to ' + (args.revision or 'head')}")
    return 0


def _create_user(args: argparse.Namespace) -> int:
    from api.users.service import create_user_cli

    return asyncio.run(create_user_cli(username=args.username, password=args.password, name=args.name,
                                       roles=args.roles.split(","), phone=args.phone, unit_code=args.unit))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="civicloop", description="CivicLoop (创城通) service")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("serve", help="serve the API and the PWA")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--workers", type=int, default=1)
    p.set_defaults(func=_serve)

    p = sub.add_parser("migrate", help="apply database migrations")
    p.add_argument("--down", action="store_true", help="downgrade instead")
    p.add_argument("--revision", default=None)
    p.set_defaults(func=_migrate)

    p = sub.add_parser("create-user", help="create a user (e.g. the first admin)")
    p.add_argument("username")
    p.add_argument("--password", required=True)
    p.add_argument("--name", default=None)
    p.add_argument("--roles", default="admin", help="comma-separated roles")
    p.add_argument("--phone", default=None)
    p.add_argument("--unit", default=None, help="unit code")
    p.set_defaults(func=_create_user)

    for register in EXTRA_COMMANDS:
        register(sub)
    return parser


def _extra_commands() -> list[Callable[[argparse._SubParsersAction], None]]:
    """Domain packages contribute their own subcommands."""
    registrars: list[Callable[[argparse._SubParsersAction], None]] = []
    from api.org.cli import register as org_commands

    registrars.append(org_commands)
    from sync.client.simulate import register as simulate_commands

    registrars.append(simulate_commands)
    return registrars


EXTRA_COMMANDS = _extra_commands()


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
