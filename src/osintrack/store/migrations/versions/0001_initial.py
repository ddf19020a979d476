"""Initial store: batches, reports, events, tallies, incidents, merge_log.

Revision ID: 0001
Revises:
Create Date: 2025-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "batches",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("committed_at", _TS, nullable=False),
        sa.Column("n_reports", sa.Integer, nullable=False),
    )
    op.create_table(
        "reports",
        sa.Column("id", sa.String, primary_key=True),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("published", sa.String(10)),
        sa.Column("lang", sa.String(16)),
        sa.Column("url", sa.Text),
        sa.Column("origin", sa.Text),
        sa.Column("batch_id", sa.Integer, sa.ForeignKey("batches.id"), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("ingested_at", _TS, nullable=False),
    )
    op.create_index("ix_reports_seq", "reports", ["seq"], unique=True)
    op.create_table(
        "incidents",
        sa.Column("id", sa.String, primary_key=True),
        sa.Column("fused", sa.JSON, nullable=False),
        sa.Column("date", sa.String(10)),
        sa.Column("country", sa.String(2)),
        sa.Column("site", sa.String),
        sa.Column("event_type", sa.String),
        sa.Column("weapon", sa.String),
        sa.Column("actor", sa.String),
        sa.Column("status", sa.String),
        sa.Column("n_mentions", sa.Integer, nullable=False),
        sa.Column("updated", _TS, nullable=False),
    )
    op.create_index("ix_incidents_date", "incidents", ["date"])
    op.create_index("ix_incidents_country", "incidents", ["country"])
    op.create_table(
        "events",
        sa.Column("report_id", sa.String, sa.ForeignKey("reports.id"), primary_key=True),
        sa.Column("idx", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("event_type", sa.String, nullable=False),
        sa.Column("date", sa.String(10)),
        sa.Column("date_precision", sa.String(8)),
        sa.Column("country", sa.String(2)),
        sa.Column("admin1", sa.String),
        sa.Column("site", sa.String),
        sa.Column("lat", sa.Float),
        sa.Column("lon", sa.Float),
        sa.Column("geo_precision", sa.String(8)),
        sa.Column("weapon", sa.String, nullable=False),
        sa.Column("actor", sa.String),
        sa.Column("target", sa.String),
        sa.Column("claimed_by", sa.String),
        sa.Column("confirmed_by", sa.String),
        sa.Column("killed", sa.Integer),
        sa.Column("injured", sa.Integer),
        sa.Column("intercepted", sa.Boolean),
        sa.Column("evidence", sa.JSON),
        sa.Column("incident_id", sa.String, sa.ForeignKey("incidents.id")),
    )
    op.create_index("ix_events_incident", "events", ["incident_id"])
    op.create_table(
        "tallies",
        sa.Column("report_id", sa.String, sa.ForeignKey("reports.id"), primary_key=True),
        sa.Column("idx", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("metric", sa.String, nullable=False),
        sa.Column("count", sa.Integer, nullable=False),
        sa.Column("qualifier", sa.String),
        sa.Column("breakdown", sa.JSON),
        sa.Column("since", sa.String(10)),
        sa.Column("as_of", sa.String(10)),
        sa.Column("reported_by", sa.String),
        sa.Column("evidence", sa.JSON),
    )
    op.create_table(
        "merge_log",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("mention_key", sa.String, nullable=False),
        sa.Column("incident_id", sa.String, nullable=False),
        sa.Column("action", sa.String, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("decision", sa.JSON, nullable=False),
        sa.Column("batch_id", sa.Integer, sa.ForeignKey("batches.id"), nullable=False),
        sa.Column("created", _TS, nullable=False),
    )
    op.create_index("ix_merge_log_incident", "merge_log", ["incident_id"])
    op.create_index("ix_merge_log_mention", "merge_log", ["mention_key"])


def downgrade() -> None:
    for table in ("merge_log", "tallies", "events", "incidents", "reports", "batches"):
        op.drop_table(table)
