"""Statistics over HTTP: the desk sees the city, a unit handler their own unit."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from api.auth.deps import Principal, require_roles
from api.db import SessionDep
from api.stats import service
from api.stats.period import Period, month_period, parse_period


async def analytic_session(session: SessionDep) -> AsyncSession:
    """The request's session, with PostgreSQL planning each statistics statement for its period.

    asyncpg prepares statements, and from the sixth run PostgreSQL may switch a prepared
    statement to a generic plan that ignores the parameter values: the month's dashboard went
    from 1.2 s to 2.4 s at a million tickets (docs/benchmarks.md). Planning costs a millisecond;
    these statements run for hundreds. SET LOCAL ends with the request's transaction.
    """
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
    return session


StatsSession = Annotated[AsyncSession, Depends(analytic_session)]
router = APIRouter(prefix="/stats", tags=["stats"])

StatsUser = Annotated[Principal, Depends(require_roles("supervisor", "dispatcher", "unit_handler"))]
NoticeUser = Annotated[Principal, Depends(require_roles("supervisor", "dispatcher"))]


def period_query(
    month: Annotated[str | None, Query(description="a month, e.g. 2026-11", max_length=7)] = None,
    date_from: Annotated[str | None, Query(alias="from", description="first local day, 2026-11-01",
                                           max_length=10)] = None,
    date_to: Annotated[str | None, Query(alias="to", description="last local day (inclusive)",
                                         max_length=10)] = None,
) -> Period:
    return parse_period(month=month, date_from=date_from, date_to=date_to)


PeriodDep = Annotated[Period, Depends(period_query)]


@router.get("/units", operation_id="stats_units")
async def units(principal: StatsUser, session: StatsSession, period: PeriodDep) -> dict[str, Any]:
    return await service.unit_stats(session=session, principal=principal, period=period)


@router.get("/areas", operation_id="stats_areas")
async def areas(
    principal: StatsUser, session: StatsSession, period: PeriodDep,
    level: Annotated[str, Query(description="district | street | community | grid")] = "street",
    parent: Annotated[str | None, Query(description="only areas under this area code", max_length=32)] = None,
) -> dict[str, Any]:
    return await service.area_stats(session=session, principal=principal, period=period, level=level,
                                    parent=parent)


@router.get("/reporters", operation_id="stats_reporters")
async def reporters(principal: StatsUser, session: StatsSession, period: PeriodDep,
                    limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> dict[str, Any]:
    return await service.reporter_stats(session=session, principal=principal, period=period, limit=limit)


@router.get("/categories", operation_id="stats_categories")
async def categories(principal: StatsUser, session: StatsSession, period: PeriodDep) -> dict[str, Any]:
    return await service.category_stats(session=session, principal=principal, period=period)


@router.get("/dashboard", operation_id="stats_dashboard")
async def dashboard(principal: StatsUser, session: StatsSession, period: PeriodDep) -> dict[str, Any]:
    return await service.dashboard(session=session, principal=principal, period=period)


@router.get("/notice.csv", operation_id="stats_notice_csv", response_class=Response,
            responses={200: {"content": {"text/csv": {}}, "description": "the monthly 通报 table"}})
async def notice_csv(principal: NoticeUser, session: StatsSession,
                     month: Annotated[str, Query(description="e.g. 2026-11", max_length=7)]) -> Response:
    period = month_period(month)
    body = await service.notice_csv(session=session, period=period)
    filename = f"notice-{period.label}.csv"
    cn = quote(f"创城通报-{period.label}.csv")
    return Response(content=body, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f"attachment; filename=\"{filename}\"; filename*=UTF-8''{cn}"})
