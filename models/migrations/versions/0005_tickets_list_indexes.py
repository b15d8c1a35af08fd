"""tickets: indexes for duplicate search, keyset-sorted lists, the overdue queue and inboxes

Revision ID: 0005_tickets_indexes
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

CLOCK_RUNNING = "status IN ('dispatched', 'in_progress')"

revision: str = "0005_tickets_indexes"
down_revision: str | None = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.create_index("ix_ticket_category_lat_lon", ["category_code", "lat", "lon"], unique=False)
        batch_op.create_index("ix_ticket_updated_at_id", ["updated_at", "id"], unique=False)
        batch_op.create_index("ix_ticket_reported_at_id", ["reported_at", "id"], unique=False)
        # Partial: the overdue queue and unit inboxes only ever look at tickets whose clock runs.
        batch_op.create_index("ix_ticket_running_due", ["due_at", "id", "updated_at"], unique=False,
                              postgresql_where=sa.text(CLOCK_RUNNING), sqlite_where=sa.text(CLOCK_RUNNING))
        batch_op.create_index("ix_ticket_running_unit_due", ["unit_id", "due_at", "id"], unique=False,
                              postgresql_where=sa.text(CLOCK_RUNNING), sqlite_where=sa.text(CLOCK_RUNNING))


def downgrade() -> None:
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.drop_index("ix_ticket_running_unit_due")
        batch_op.drop_index("ix_ticket_running_due")
        batch_op.drop_index("ix_ticket_reported_at_id")
        batch_op.drop_index("ix_ticket_updated_at_id")
        batch_op.drop_index("ix_ticket_category_lat_lon")
