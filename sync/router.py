"""POST /sync/push and /sync/pull (DESIGN §6)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from api.auth.deps import CurrentUser
from api.db import SessionDep
from sync import pull as pull_service
from sync import push as push_service
from sync.schemas import PullRequest, PullResponse, PushRequest, PushResponse

router = APIRouter(prefix="/sync", tags=["sync"])

_ERRORS = {403: {"description": "client_forbidden: the client id belongs to another user"},
           503: {"description": "database_unavailable: nothing applied for the failing mutation; retry"}}


@router.post("/push", response_model=PushResponse, operation_id="sync_push", responses=_ERRORS)
async def push(body: PushRequest, request: Request, principal: CurrentUser, session: SessionDep) -> PushResponse:
    # Each mutation commits in its own transaction; end the auth read's (on SQLite it holds the lock).
    await session.commit()
    return await push_service.push(maker=request.app.state.sessionmaker, actor=principal,
                                   client_id=body.client_id, mutations=body.mutations)


@router.post("/pull", response_model=PullResponse, operation_id="sync_pull", responses=_ERRORS)
async def pull(body: PullRequest, principal: CurrentUser, session: SessionDep) -> PullResponse:
    client = await push_service.claim_client(session, client_id=body.client_id, user_id=principal.id)
    page = await pull_service.pull(session=session, principal=principal, cursor=body.cursor, limit=body.limit,
                                   last_mutation_id=client.last_mutation_id)
    await session.commit()  # before the reply: the session dependency would commit after it is sent
    return page
