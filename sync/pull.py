"""Changes since a cursor, for one user's audience, each rendered from the entity's current state.

The cursor is the change sequence number (an opaque string to the phone). Every change row says
only "this entity changed"; what the phone receives is the entity as it is *now* — `put` if the
user may still see it, `del` if not (or if it is gone). Reading the sequence's committed maximum
first and bounding the page by it makes a page complete: the counter is row-locked until commit, so
every number at or below the committed maximum is already visible.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.counters import CHANGE_SEQ, peek
from models import ChangeAudience, ChangeLog
from sync.area_scope import DESK_ROLES, area_scope
from sync.render import reference_snapshot, render
from sync.schemas import Change, PullResponse


def audience_keys(principal) -> list[str]:
    keys = ["all", f"user:{principal.id}"]
    if principal.unit_id is not None:
        keys.append(f"unit:{principal.unit_id}")
    keys += [f"grid:{g}" for g in sorted(principal.grid_ids, key=str)]
    if principal.has(*DESK_ROLES):
        keys.append("desk")
    return keys


def parse_cursor(cursor: str | None) -> int | None:
    """None for a cursor we never issued (the phone must drop its cache and start again)."""
    if cursor in (None, ""):
        return 0
    if not cursor.isdigit() or len(cursor) > 18:
        return None
    return int(cursor)


async def pull(*, session: AsyncSession, principal, cursor: str | None, limit: int,
               last_mutation_id: int) -> PullResponse:
    high = await peek(session, CHANGE_SEQ)
    after = parse_cursor(cursor)
    reset = after is None or after > high
    if reset:
        after = 0
    seqs = list((await session.execute(
        select(ChangeAudience.seq)
        .where(ChangeAudience.key.in_(audience_keys(principal)), ChangeAudience.seq > after,
               ChangeAudience.seq <= high)
        .distinct().order_by(ChangeAudience.seq).limit(limit + 1))).scalars())
    has_more = len(seqs) > limit
    seqs = seqs[:limit]
    rows = (await session.execute(
        select(ChangeLog.seq, ChangeLog.entity, ChangeLog.entity_id).where(ChangeLog.seq.in_(seqs))
        .order_by(ChangeLog.seq))).all() if seqs else []
    # One entry per entity per page, at its latest position (its current state covers all).
    latest: dict[tuple[str, str], int] = {}
    for seq, entity, entity_id in rows:
        latest[(entity, entity_id)] = seq
    ordered = sorted(latest, key=latest.__getitem__)
    rendered = await render(session, principal, ordered)
    areas = await area_scope(session, principal) if after == 0 or any(e == "area" for e, _ in ordered) else None
    changes = [Change(op="put" if data is not None else "del", type=entity, id=_public_id(entity, eid, data),
                      data=data) for (entity, eid), data in zip(ordered, rendered, strict=True)
               # An area change reaches everyone ('all'); a phone keeps only its own areas.
               if not (entity == "area" and data is not None and areas is not None
                       and uuid.UUID(data["uuid"]) not in areas)]
    if after == 0:
        # Reference data seeded by migrations predates the change log: a phone starting from
        # scratch gets it up front (every category; the areas of sync.area_scope).
        snapshot = [Change(op="put", type=entity, id=key, data=data)
                    for (entity, key), data in await reference_snapshot(session, areas)]
        seen = {(c.type, c.id) for c in snapshot}
        changes = snapshot + [c for c in changes if (c.type, c.id) not in seen]
    next_cursor = seqs[-1] if has_more else high
    return PullResponse(cursor=str(next_cursor), last_mutation_id=last_mutation_id, changes=changes,
                        has_more=has_more, reset=reset)


def _public_id(entity: str, entity_id: str, data: dict | None) -> str:
    if data is not None and "id" in data:
        return str(data["id"])
    try:
        return str(uuid.UUID(entity_id))
    except ValueError:
        return entity_id
