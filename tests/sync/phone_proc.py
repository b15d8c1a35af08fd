"""One phone in its own process: push its outbox and print what the server answered (JSON)."""

from __future__ import annotations

import asyncio
import json
import sys

from sync.client import Outbox, Phone


async def main(base_url: str, outbox_path: str, username: str, password: str) -> None:
    outbox = Outbox(outbox_path)
    phone = Phone(base_url=base_url, outbox=outbox, username=username, password=password, batch=5)
    try:
        await phone.sync(pull=False, base=0.05, cap=0.5)
    finally:
        await phone.aclose()
    print(json.dumps(phone.pushed))


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:5]))
