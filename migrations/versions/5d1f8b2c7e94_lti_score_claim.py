"""lti score claim: the moment a sender's claim on an outbox row lapses

A sender claims a due row before it posts it and clears the claim when it records the
outcome, so two app processes never post one student's grade at once (a newer version could
otherwise land before an older one). A claim left by a process that died lapses by itself.

Revision ID: 5d1f8b2c7e94
Revises: 7c3e9a1d5b20
Create Date: 2026-12-07 13:05:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5d1f8b2c7e94'
down_revision = '7c3e9a1d5b20'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('lti_score', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimed_until', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('lti_score', schema=None) as batch_op:
        batch_op.drop_column('claimed_until')
