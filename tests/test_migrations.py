"""The real migrations, up and down and up again, on a fresh database of the current kind."""

from __future__ import annotations

import asyncio
import uuid

from sqlalchemy import func, inspect, select
from sqlalchemy.ext.asyncio import create_async_engine

from models import Category, metadata
from models.migrate import downgrade, upgrade
from tests.fresh_db import fresh_database

SEEDED = {"09009", "09010", "09011", "09006", "09005", "09001", "09012", "09019", "09020", "09003",
          "07001", "07003", "07006", "07008", "06001", "06004", "06007", "06008", "06010", "06011", "06012",
          "06013", "06017", "06029", "06036", "06041", "06042", "06045", "06051", "06052",
          "08004", "08007", "08011"}


async def _tables_and_categories(url: str) -> tuple[set[str], list[tuple]]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            tables = set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
            cats = []
            if "category" in tables:
                cats = (await conn.execute(select(Category.code, Category.group_code, Category.group_name,
                                                  Category.dept_type, Category.limit_hours))).all()
            return tables, cats
    finally:
        await engine.dispose()


async def test_up_down_up(tmp_path):
    async with fresh_database(tmp_path) as url:
        await asyncio.to_thread(upgrade, url, "heads")
        tables, cats = await _tables_and_categories(url)
        assert set(metadata.tables) <= tables
        codes = {c[0] for c in cats}
        assert SEEDED <= codes
        by_code = {c[0]: c for c in cats}
        assert by_code["09009"][1:4] == ("09", "街面秩序", "traffic_police")
        assert by_code["09011"][3] == "bike_operator"
        assert by_code["06010"][3] == "sanitation" and by_code["06013"][3] == "municipal"
        assert by_code["07008"][3] == "civilization_office" and by_code["06004"][3] == "owner"
        assert by_code["09003"][3] == "civil_affairs" and by_code["09012"][3] == "fire_rescue"
        assert 2 <= by_code["06010"][4] <= 4 and 40 <= by_code["06013"][4] <= 120

        await asyncio.to_thread(downgrade, url, "base")
        tables, _ = await _tables_and_categories(url)
        assert not set(metadata.tables) & tables

        await asyncio.to_thread(upgrade, url, "heads")
        tables, cats = await _tables_and_categories(url)
        assert set(metadata.tables) <= tables
        assert len(cats) == len({c[0] for c in cats}) and SEEDED <= {c[0] for c in cats}


async def test_category_seed_downgrades_alone(tmp_path):
    async with fresh_database(tmp_path) as url:
        await asyncio.to_thread(upgrade, url, "0002")
        await asyncio.to_thread(downgrade, url, "0001")
        engine = create_async_engine(url)
        try:
            async with engine.connect() as conn:
                assert (await conn.execute(select(func.count()).select_from(Category))).scalar_one() == 0
        finally:
            await engine.dispose()


def test_history_is_linear():
    """One head: parallel branches must be merged before they land."""
    from alembic.script import ScriptDirectory

    from models.migrate import alembic_config

    assert len(ScriptDirectory.from_config(alembic_config()).get_heads()) == 1


async def test_photo_ref_backfilled_from_the_json_lists(tmp_path):
    """0008 indexes the photos of reports and events written before it existed."""
    from datetime import UTC, datetime

    from sqlalchemy.ext.asyncio import AsyncSession

    from models import PhotoRef, Report, Ticket, TicketEvent
    from tests.factories import make_user

    a, b = "a" * 64, "b" * 64
    async with fresh_database(tmp_path) as url:
        await asyncio.to_thread(upgrade, url, "heads")
        engine = create_async_engine(url)
        try:
            async with AsyncSession(engine, expire_on_commit=False) as session:
                user = await make_user(session, roles=["grid_worker"])
                ticket = Ticket(number="JB-BACKFILL", status="dispatched", category_code="09009", lat=32.0,
                                lon=118.0)
                session.add(ticket)
                await session.flush()
                report = Report(id=uuid.uuid4(), reporter_id=user.id, category_code="09009", lat=32.0, lon=118.0,
                                captured_at=datetime.now(UTC), photos=[a, b], after_photos=[b], ticket_id=ticket.id)
                event = TicketEvent(ticket_id=ticket.id, action="handle", at=datetime.now(UTC), photos=[a])
                session.add_all([report, event])
                await session.commit()
                expected = {(a, report.id, None), (b, report.id, None), (a, None, event.id)}

            await asyncio.to_thread(downgrade, url, "0007")
            await asyncio.to_thread(upgrade, url, "0008")
            async with engine.connect() as conn:
                rows = set((await conn.execute(select(PhotoRef.sha256, PhotoRef.report_id, PhotoRef.event_id))).all())
            assert rows == expected
        finally:
            await engine.dispose()


async def test_migrations_build_exactly_the_models_schema(tmp_path):
    """No drift: what Alembic creates is what the models declare (tables, columns, indexes, keys)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    async with fresh_database(tmp_path) as url:
        await asyncio.to_thread(upgrade, url, "heads")
        engine = create_async_engine(url)
        try:
            async with engine.connect() as conn:
                diff = await conn.run_sync(lambda c: compare_metadata(MigrationContext.configure(c), metadata))
        finally:
            await engine.dispose()
    # change_pending and its trigger are PostgreSQL-only plumbing outside the models (migration 0007).
    diff = [d for d in diff if not (d[0] == "remove_table" and d[1].name == "change_pending")]
    assert diff == []
