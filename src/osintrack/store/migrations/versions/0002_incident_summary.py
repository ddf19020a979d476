"""Incidents made narrow for listing: the summary columns the HTTP API lists, maps and filters on,
indexes for its sorts, and the large fused record moved to a table of its own (``incident_fused``), so
that a scan or a page of a large store never reads the fused JSON.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_COLUMNS: tuple[tuple[str, Any], ...] = (
    ("date_precision", sa.String(8)), ("admin1", sa.String), ("lat", sa.Float), ("lon", sa.Float),
    ("geo_precision", sa.String(8)), ("claimed_by", sa.String), ("confirmed_by", sa.String),
    ("killed", sa.Integer), ("injured", sa.Integer), ("n_reports", sa.Integer), ("languages", sa.String),
)


def upgrade() -> None:
    for name, kind in _COLUMNS:
        op.add_column("incidents", sa.Column(name, kind))
    op.create_table(
        "incident_fused",
        sa.Column("id", sa.String, sa.ForeignKey("incidents.id"), primary_key=True),
        sa.Column("fused", sa.JSON, nullable=False),
    )
    _move_fused()
    if op.get_bind().dialect.name == "sqlite":  # SQLite >= 3.35 drops a column in place, keeping references
        op.execute("ALTER TABLE incidents DROP COLUMN fused")
    else:
        op.drop_column("incidents", "fused")
    op.create_index("ix_incidents_weapon", "incidents", ["weapon"])
    op.create_index("ix_incidents_status", "incidents", ["status", "languages"])
    _sort_indexes(op.create_index)


def _sort_indexes(create: Any) -> None:
    """One index per sort of ``store.query``, with the very expressions its ORDER BY uses."""
    create("ix_incidents_by_date", "incidents", [sa.text("(date IS NULL)"), "date", "id"])
    create("ix_incidents_by_date_desc", "incidents", [sa.text("(date IS NULL)"), sa.text("date DESC"),
                                                       sa.text("id DESC")])
    create("ix_incidents_by_killed", "incidents", [sa.text("(killed IS NULL)"), sa.text("killed DESC"), "id"])
    create("ix_incidents_by_reports", "incidents", [sa.text("(n_reports IS NULL)"), sa.text("n_reports DESC"),
                                                     "id"])
    create("ix_incidents_country_by_date", "incidents", ["country", sa.text("(date IS NULL)"), "date", "id"])
    create("ix_incidents_country_by_date_desc", "incidents", ["country", sa.text("(date IS NULL)"),
                                                               sa.text("date DESC"), sa.text("id DESC")])


def _move_fused() -> None:
    """Each stored incident's fused record into ``incident_fused``, and its summary columns filled from it."""
    from osintrack.store.write import summary_columns  # the one definition of what the columns hold

    conn = op.get_bind()
    incidents = sa.table("incidents", sa.column("id"), sa.column("fused"), *(sa.column(n) for n, _ in _COLUMNS))
    moved = sa.table("incident_fused", sa.column("id"), sa.column("fused", sa.JSON))
    for row in conn.execute(sa.select(incidents.c.id, incidents.c.fused)).all():
        fused = row.fused if isinstance(row.fused, dict) else json.loads(row.fused)
        values = {name: value for name, value in summary_columns(fused).items() if name in incidents.c}
        conn.execute(incidents.update().where(incidents.c.id == row.id).values(**values))
        conn.execute(moved.insert().values(id=row.id, fused=fused))


def downgrade() -> None:
    for name in ("country_by_date_desc", "country_by_date", "by_reports", "by_killed", "by_date_desc", "by_date",
                 "status", "weapon"):
        op.drop_index(f"ix_incidents_{name}", "incidents")
    op.add_column("incidents", sa.Column("fused", sa.JSON))
    op.execute("UPDATE incidents SET fused = (SELECT f.fused FROM incident_fused f WHERE f.id = incidents.id)")
    op.drop_table("incident_fused")
    for name, _ in reversed(_COLUMNS):
        op.drop_column("incidents", name)
