"""Rows and requests the sync tests share."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from api.tickets.service import record_ticket_change
from models import Ticket

PUSH, PULL = "/api/v1/sync/push", "/api/v1/sync/pull"


async def make_ticket(session, *, category, unit=None, grid=None, status: str = "dispatched", **kw: Any) -> Ticket:
    ticket = Ticket(**{"number": f"T{uuid.uuid4().hex[:12]}", "status": status, "category_code": category.code,
                       "lat": 32.0005, "lon": 118.0005, "unit_id": unit.id if unit else None,
                       "grid_id": grid.id if grid else None, **kw})
    session.add(ticket)
    await session.flush()
    await record_ticket_change(session, ticket)
    return ticket


def report_args(category_code: str, **kw: Any) -> dict[str, Any]:
    return {"report_id": str(uuid.uuid4()), "category_code": category_code, "lat": 32.0005, "lon": 118.0005,
            "accuracy_m": 8.0, "captured_at": datetime.now(UTC).isoformat(), "description": "占道经营",
            "photos": [], "fixed_on_spot": False, "after_photos": [], **kw}


def mutation(mid: int, name: str, **args: Any) -> dict[str, Any]:
    return {"id": mid, "name": name, "args": args}


def bearer(user) -> dict[str, str]:
    """An access token minted directly (signing in runs argon2, slow on purpose; tests/api/test_auth
    covers sign-in itself)."""
    from datetime import timedelta

    from api.auth.security import encode_token
    from tests.conftest import TEST_SECRET

    token = encode_token(secret=TEST_SECRET, subject=str(user.id), kind="access", lifetime=timedelta(minutes=30))
    return {"Authorization": f"Bearer {token}"}


def demo_phone(live, tmp_path, user: str):
    """A reference-client phone signed in as a demo user against the live server, with its own
    outbox file under tmp_path."""
    import httpx

    from sync.client import Outbox, Phone

    return Phone(base_url=live.url, outbox=Outbox(tmp_path / f"{user}.db"), username=user, password="Demo@2026",
                 http=httpx.AsyncClient(timeout=30))
