"""The small city and one user per role that the ticket and report tests share (tests/api/tickets/factories.py)."""

from __future__ import annotations

import pytest

from tests.api.tickets.factories import City, make_city, make_people


@pytest.fixture
async def city(session) -> City:
    return await make_city(session)


@pytest.fixture
async def people(session, city):
    return await make_people(session, city)
