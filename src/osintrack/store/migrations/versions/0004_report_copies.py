"""Copies: a report whose text is that of a report stored before it, or nearly, is linked to it
(``reports.copy_of``, ``copy_similarity``) and counted as one source with it; the MinHash sketch of each
original and its buckets (``report_sketches``, ``sketch_buckets``) are where the next reports look for
the original they copy; an index on ``reports.content_hash`` finds the same text.

Upgrading a store links the copies among the reports it holds, in store order (as ingesting them
would have), and fuses again the incidents that have a copy among their sources.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_BATCH = 500


def upgrade() -> None:
    op.add_column("reports", sa.Column("copy_of", sa.String))
    op.add_column("reports", sa.Column("copy_similarity", sa.Float))
    op.create_index("ix_reports_content_hash", "reports", ["content_hash"])
    op.create_table(
        "report_sketches",
        sa.Column("report_id", sa.String, sa.ForeignKey("reports.id"), primary_key=True),
        sa.Column("sketch", sa.LargeBinary, nullable=False),
    )
    op.create_table(
        "sketch_buckets",
        sa.Column("bucket", sa.String(16), primary_key=True),
        sa.Column("report_id", sa.String, sa.ForeignKey("reports.id"), primary_key=True),
    )
    _link_stored_copies()


def _link_stored_copies() -> None:
    """Every stored report, in store order and batches of ``_BATCH``, through the copy finder ingest uses."""
    from osintrack.model import Report
    from osintrack.store import schema as s
    from osintrack.store.copies import find_copies
    from osintrack.store.resolution import refuse_incidents

    conn = op.get_bind()
    r = s.reports.c
    last, copied = 0, False
    while True:
        rows = conn.execute(sa.select(r.id, r.text, r.content_hash, r.seq).where(r.seq > last).order_by(r.seq)
                            .limit(_BATCH)).all()
        if not rows:
            break
        found = find_copies(conn, [Report(id=row.id, text=row.text) for row in rows],
                            [row.content_hash for row in rows], before=rows[0].seq)
        for rid in found.copies:
            conn.execute(s.reports.update().where(r.id == rid).values(**found.report_columns(rid)))
        found.write_sketches(conn)
        copied = copied or bool(found.copies)
        last = rows[-1].seq
    if copied:
        refuse_incidents(conn, only_with_copies=True)


def downgrade() -> None:
    op.drop_table("sketch_buckets")
    op.drop_table("report_sketches")
    op.drop_index("ix_reports_content_hash", "reports")
    for name in ("copy_similarity", "copy_of"):
        if op.get_bind().dialect.name == "sqlite":  # SQLite >= 3.35 drops a column in place
            op.execute(f"ALTER TABLE reports DROP COLUMN {name}")
        else:
            op.drop_column("reports", name)
