"""Alembic environment: runs on the connection ``osintrack.store.db.migrate`` hands over.

Run through ``osintrack.store.db.migrate`` (every open of a store does), not the ``alembic`` command;
to write a new revision, see docs/store.md.
"""

from __future__ import annotations

from alembic import context

from osintrack.store.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("osintrack migrations run through osintrack.store.db.migrate, with a connection")

context.configure(connection=connection, target_metadata=metadata, render_as_batch=True,
                  compare_type=True)
with context.begin_transaction():
    context.run_migrations()
