"""ticket numbers from a PostgreSQL sequence

A sequence hands out numbers without holding a lock until commit, so concurrent report intake no
longer queues behind one counter row. Numbers may skip (a rolled-back intake burns one); they only
need to be unique and readable. SQLite serialises writers anyway and keeps the counter table.

Revision ID: 0006
Revises: 0005_tickets_indexes
"""
from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005_tickets_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE SEQUENCE IF NOT EXISTS ticket_number_seq")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP SEQUENCE IF EXISTS ticket_number_seq")
