"""Keyset (cursor) pagination shared by the admin lists: stable under inserts, no OFFSET scans."""

from __future__ import annotations

import base64
import json
from typing import Any

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

from api.errors import BadRequest

MAX_PAGE = 100
DEFAULT_PAGE = 50


def encode_cursor(key: str) -> str:
    return base64.urlsafe_b64encode(json.dumps({"k": key}).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> str:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        key = json.loads(raw)["k"]
        if not isinstance(key, str):
            raise ValueError("cursor key")
        return key
    except (ValueError, KeyError, TypeError) as exc:
        raise BadRequest("the cursor is not one this server issued", code="invalid_cursor") from exc


async def page(session: AsyncSession, stmt: Select, key_col: Any, *, cursor: str | None,
               limit: int) -> tuple[list[Any], str | None]:
    """Rows ordered by `key_col` (unique) after `cursor`, and the cursor of the next page."""
    limit = max(1, min(limit, MAX_PAGE))
    if cursor:
        stmt = stmt.where(key_col > decode_cursor(cursor))
    rows = list((await session.execute(stmt.order_by(key_col).limit(limit + 1))).scalars())
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, encode_cursor(getattr(rows[-1], key_col.key)) if more else None
