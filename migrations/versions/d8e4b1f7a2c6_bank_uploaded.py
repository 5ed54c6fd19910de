"""bank uploaded: a full `quizapp load` leaves banks uploaded in the browser alone

Before, every deploy's `quizapp load` (or `setup`) retired the banks instructors had uploaded,
as banks missing from questions/. Banks uploaded before this migration cannot be told apart
and count as the folder's; upload them again to keep them out of its reach.

Revision ID: d8e4b1f7a2c6
Revises: c6f1a2d9e8b7
Create Date: 2026-11-28 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd8e4b1f7a2c6'
down_revision = 'c6f1a2d9e8b7'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column(
        'bank', sa.Column('uploaded', sa.Boolean(), server_default=sa.false(), nullable=False)
    )


def downgrade():
    # Not in batch mode: SQLite (3.35 and later) drops a column in place, where a batch copy of
    # the table would have to drop the table every question refers to.
    op.drop_column('bank', 'uploaded')
