"""How PostgreSQL plans the statistics: per request, for the period asked (see api/stats/router.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from api.stats.router import analytic_session


@pytest.fixture
def postgres_only(session):
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("a PostgreSQL planner setting")


async def test_statistics_statements_get_a_plan_for_their_own_period(postgres_only, session):
    assert (await session.execute(text("SHOW plan_cache_mode"))).scalar_one() == "auto"
    await analytic_session(session)
    assert (await session.execute(text("SHOW plan_cache_mode"))).scalar_one() == "force_custom_plan"


async def test_jit_is_off_on_the_apps_connections(postgres_only, session):
    assert (await session.execute(text("SHOW jit"))).scalar_one() == "off"


async def test_a_no_op_on_sqlite(session):
    if session.get_bind().dialect.name != "sqlite":
        pytest.skip("SQLite has no planner settings")
    assert await analytic_session(session) is session
