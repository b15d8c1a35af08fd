from __future__ import annotations

from fastapi import APIRouter, Request, Response

from api.auth import service
from api.auth.deps import CurrentUser
from api.auth.schemas import LoginRequest, LogoutRequest, RefreshRequest, TokenPair, UserPublic
from api.db import SessionDep

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post("/login", response_model=TokenPair, operation_id="auth_login")
async def login(body: LoginRequest, request: Request, session: SessionDep) -> TokenPair:
    return await service.login(session=session, settings=request.app.state.settings,
                               username=body.username, password=body.password)


@router.post("/refresh", response_model=TokenPair, operation_id="auth_refresh")
async def refresh(body: RefreshRequest, request: Request, session: SessionDep) -> TokenPair:
    return await service.refresh(session=session, settings=request.app.state.settings,
                                 refresh_token=body.refresh_token)


@router.post("/logout", status_code=204, operation_id="auth_logout")
async def logout(principal: CurrentUser, request: Request, session: SessionDep,
                 body: LogoutRequest | None = None) -> Response:
    await service.logout(session=session, settings=request.app.state.settings, user=principal.user,
                         refresh_token=body.refresh_token if body else None)
    return Response(status_code=204)


@router.get("/me", response_model=UserPublic, operation_id="auth_me")
async def me(principal: CurrentUser, session: SessionDep) -> UserPublic:
    return await service.user_public(session, principal.user)
