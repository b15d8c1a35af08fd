"""Apply a phone's mutations exactly once, in id order, one transaction per mutation.

Each mutation's transaction starts with a compare-and-set on the client's counter
(`last_mutation_id = id WHERE last_mutation_id = id - 1`), then applies the effect inside a
SAVEPOINT. The counter advance and the effect commit together; a permanently invalid mutation
rolls back only its SAVEPOINT, so it is `rejected` and the counter still advances (the phone never
gets stuck). Two pushes of the same batch race on the counter row: on PostgreSQL the loser's
UPDATE waits for the winner's commit and then matches no row, so it reports `duplicate`; on SQLite
the write lock serialises them the same way.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from pydantic import ValidationError
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.errors import AppError, Forbidden, ServiceUnavailable, _is_connection_error
from models import SyncClient, utcnow
from sync.changes import defer_changes, discard_changes, flush_changes
from sync.mutations import MUTATIONS
from sync.schemas import Mutation, MutationError, MutationResult, PushResponse, Stopped

log = logging.getLogger("civicloop.sync")


async def claim_client(session: AsyncSession, *, client_id: str, user_id) -> SyncClient:
    """The client row, created on first use; a client id belongs to the user who first used it."""
    insert = pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert
    await session.execute(insert(SyncClient).values(client_id=client_id, user_id=user_id, last_mutation_id=0,
                                                    updated_at=utcnow())
                          .on_conflict_do_nothing(index_elements=["client_id"]))
    client = (await session.execute(select(SyncClient).where(SyncClient.client_id == client_id))).scalar_one()
    if client.user_id != user_id:
        raise Forbidden("this client id belongs to another user; sign-in on a phone needs a fresh client id",
                        code="client_forbidden", details={"client_id": client_id})
    return client


@dataclass
class _Outcome:
    result: MutationResult | None = None
    gap_expected: int | None = None
    last: int = 0
    extra: dict = field(default_factory=dict)


async def push(*, maker: async_sessionmaker[AsyncSession], actor, client_id: str,
               mutations: list[Mutation]) -> PushResponse:
    async with maker() as session:
        client = await claim_client(session, client_id=client_id, user_id=actor.id)
        await session.commit()
    last = client.last_mutation_id
    results: list[MutationResult] = []
    ordered = sorted(mutations, key=lambda m: m.id)
    for index, mutation in enumerate(ordered):
        try:
            outcome = await _apply_with_retry(maker, actor, client_id, mutation)
        except Exception as exc:
            if _is_connection_error(exc):
                log.warning("sync push: database unavailable at mutation %s: %s", mutation.id, exc)
                raise ServiceUnavailable(
                    "the database is unreachable; nothing was applied for this mutation — retry the batch",
                    code="database_unavailable",
                    details={"last_mutation_id": last, "results": [r.model_dump() for r in results],
                             "failed_id": mutation.id}) from exc
            raise
        if outcome.gap_expected is not None:
            return PushResponse(last_mutation_id=outcome.last, results=results, stopped=Stopped(
                reason="gap", expected_id=outcome.gap_expected, received_id=mutation.id,
                unprocessed_ids=[m.id for m in ordered[index:]]))
        last = outcome.last
        results.append(outcome.result)
    return PushResponse(last_mutation_id=last, results=results)


async def _apply_with_retry(maker, actor, client_id: str, mutation: Mutation) -> _Outcome:
    # A unique-key race (the same report id arriving twice at once) resolves on a second try,
    # where the service sees the stored row and answers idempotently.
    try:
        return await _apply(maker, actor, client_id, mutation)
    except IntegrityError:
        log.info("sync push: integrity race on mutation %s, retrying once", mutation.id)
        return await _apply(maker, actor, client_id, mutation)


async def _apply(maker, actor, client_id: str, mutation: Mutation) -> _Outcome:
    async with maker() as session:
        advanced = await session.execute(
            update(SyncClient)
            .where(SyncClient.client_id == client_id, SyncClient.last_mutation_id == mutation.id - 1)
            .values(last_mutation_id=mutation.id, updated_at=utcnow()))
        if advanced.rowcount != 1:
            last = (await session.execute(select(SyncClient.last_mutation_id)
                                          .where(SyncClient.client_id == client_id))).scalar_one()
            await session.rollback()
            if mutation.id <= last:
                return _Outcome(result=MutationResult(id=mutation.id, status="duplicate"), last=last)
            return _Outcome(gap_expected=last + 1, last=last)

        # The change sequence's lock is taken only at the end (see sync.changes), so concurrent
        # phones serialise on it for milliseconds, not for a whole report intake.
        defer_changes(session)
        error = await _effect(session, actor, client_id, mutation)
        if error is None:
            await flush_changes(session)
        else:
            discard_changes(session)  # the effect's SAVEPOINT was rolled back, and its changes with it
        await session.commit()
        status = "rejected" if error else "applied"
        return _Outcome(result=MutationResult(id=mutation.id, status=status, error=error), last=mutation.id)


async def _effect(session: AsyncSession, actor, client_id: str, mutation: Mutation) -> MutationError | None:
    """Run the handler in a SAVEPOINT; a permanent refusal rolls back the effect, not the counter."""
    handler = MUTATIONS.get(mutation.name)
    if handler is None:
        return MutationError(code="unknown_mutation", message=f"unknown mutation {mutation.name!r}",
                             details={"known": sorted(MUTATIONS)})
    try:
        async with session.begin_nested():
            await handler(session=session, actor=actor, client_id=client_id, args=mutation.args)
    except ValidationError as exc:
        errors = [{"loc": [str(p) for p in e["loc"]], "msg": e["msg"], "type": e["type"]} for e in exc.errors()]
        return MutationError(code="invalid_arguments", message="the mutation's arguments are not valid",
                             details={"errors": errors})
    except AppError as exc:
        return MutationError(code=exc.code, message=exc.message, details=exc.details)
    return None
