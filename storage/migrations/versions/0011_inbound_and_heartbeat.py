"""inbound_activity (activities already handled: Teams may deliver one twice) and
replica_heartbeat (live replicas split the tenant's budget of calls to Teams)

Revision ID: 0011
Revises: 0014 (re-chained after main's polls; the coordinator may re-chain)
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inbound_activity",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_inbound_activity_received_at", "inbound_activity", ["received_at"])
    op.create_table(
        "replica_heartbeat",
        sa.Column("replica_id", sa.String(64), primary_key=True),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_replica_heartbeat_seen_at", "replica_heartbeat", ["seen_at"])


def downgrade() -> None:
    op.drop_index("ix_replica_heartbeat_seen_at", "replica_heartbeat")
    op.drop_table("replica_heartbeat")
    op.drop_index("ix_inbound_activity_received_at", "inbound_activity")
    op.drop_table("inbound_activity")
