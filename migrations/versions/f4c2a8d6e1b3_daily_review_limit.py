"""daily review limit: each student reviews at most this many cards in any 24 hours
(20 unless they choose otherwise on the review page)

A demo student with 197 cards due saw them all at once; the rest now wait for later days.

Revision ID: f4c2a8d6e1b3
Revises: 3c9db19ebdd3
Create Date: 2026-12-07 00:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f4c2a8d6e1b3'
down_revision = '3c9db19ebdd3'  # after the question level, made beside it
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('daily_reviews', sa.Integer(), server_default='20', nullable=False)
        )


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('daily_reviews')
