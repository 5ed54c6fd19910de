"""assignment grade indexes: the gradebook's grades and finish-on-read from indexes alone

An attempt row carries its question list before its score columns (see a7c3e91d5b20), so
reading every student's grade at every assignment through ix_attempt_assignment
(assignment_id, user_id) fetched each row: for 200 students x 10 assignments x 2 attempts
on SQLite, about 4x the time the index alone takes. The index now holds bank_id, preview,
finished_at, score and max_score too; SQLite reads a class's practice (assignment_id IS
NULL) through it as well, which so became index-only too (its averages 2.4 -> 1.6 ms).
Finding the open attempts past their deadline (every gradebook, export and student page)
walked every attempt with a deadline, finished or not, reading its row for finished_at
(1.9 ms for those 4,000 finished attempts); by (finished_at, deadline) it reads the open
ones only (0.3 ms).

Revision ID: d22a2940904c
Revises: 1b7e5d3a9c42
Create Date: 2026-12-07 04:00:00

"""

from alembic import op


# revision identifiers, used by Alembic.
revision = "d22a2940904c"
down_revision = "1b7e5d3a9c42"
branch_labels = None
depends_on = None

GRADES = [
    "assignment_id", "user_id", "bank_id", "preview", "finished_at", "score", "max_score"
]


def upgrade():
    with op.batch_alter_table("attempt", schema=None) as batch_op:
        batch_op.drop_index("ix_attempt_assignment")
        batch_op.create_index("ix_attempt_assignment", GRADES, unique=False)
        batch_op.drop_index("ix_attempt_deadline")
        batch_op.create_index("ix_attempt_deadline", ["finished_at", "deadline"], unique=False)


def downgrade():
    with op.batch_alter_table("attempt", schema=None) as batch_op:
        batch_op.drop_index("ix_attempt_deadline")
        batch_op.create_index("ix_attempt_deadline", ["deadline"], unique=False)
        batch_op.drop_index("ix_attempt_assignment")
        batch_op.create_index("ix_attempt_assignment", ["assignment_id", "user_id"], unique=False)
