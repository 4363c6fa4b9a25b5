"""Submissions keep their referral's urgency as a column, so that a coach can list the urgent ones.

Existing rows are filled from the screening each one stored. A screening of rules v2 names
its `refer_urgency` (null, routine or urgent); a screening of rules v1 has no urgency at all,
only `refer`: a v1 referral becomes `routine` (v1 knew no urgent referral), no referral null.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

BATCH = 1000  # rows read and updated at a time: a screening is a few kilobytes
_submissions = sa.table("submissions", sa.column("seq", sa.Integer()), sa.column("screening", sa.Text()),
                        sa.column("refer", sa.Boolean()), sa.column("refer_urgency", sa.String(16)))


def upgrade() -> None:
    op.add_column("submissions", sa.Column("refer_urgency", sa.String(16), nullable=True))
    connection = op.get_bind()
    fill = _submissions.update().where(_submissions.c.seq == sa.bindparam("row")) \
        .values(refer_urgency=sa.bindparam("urgency"))
    last = 0
    while True:
        referred = connection.execute(
            sa.select(_submissions.c.seq, _submissions.c.screening)
            .where(_submissions.c.refer == sa.true(), _submissions.c.seq > last)
            .order_by(_submissions.c.seq).limit(BATCH)).all()
        if not referred:
            return
        connection.execute(fill, [{"row": seq, "urgency": json.loads(screening).get("refer_urgency") or "routine"}
                                  for seq, screening in referred])
        last = referred[-1].seq


def downgrade() -> None:
    with op.batch_alter_table("submissions") as batch:
        batch.drop_column("refer_urgency")
