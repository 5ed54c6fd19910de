"""question level: each question version records what it asks of the reader (recall a fact,
explain why or how, apply the article's reasoning, compare articles); each question the
checker's warnings its author silenced (allow:), so that a downloaded bank keeps them

Versions loaded before this migration asked for no level: they get recall, the bank format's
default, which is what their banks said by leaving it out. Questions get no allow until the
next `quizapp load`.

Revision ID: 3c9db19ebdd3
Revises: e3a9c7f1b5d2
Create Date: 2026-12-07 00:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3c9db19ebdd3'
down_revision = 'e3a9c7f1b5d2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('question_version', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('level', sa.String(length=16), nullable=False, server_default='recall')
        )
    with op.batch_alter_table('question', schema=None) as batch_op:
        batch_op.add_column(sa.Column('allow', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('question', schema=None) as batch_op:
        batch_op.drop_column('allow')
    with op.batch_alter_table('question_version', schema=None) as batch_op:
        batch_op.drop_column('level')
