"""passage successor: a retired paragraph points at the live paragraph most like it, so
mastery of answers given before an article's correction counts toward the corrected paragraph

Set by `quizapp load` (which every deploy runs); until then retired paragraphs have none.

Revision ID: e3a9c7f1b5d2
Revises: d8e4b1f7a2c6
Create Date: 2026-11-28 11:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e3a9c7f1b5d2'
down_revision = 'd8e4b1f7a2c6'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('passage', schema=None) as batch_op:
        batch_op.add_column(sa.Column('successor_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_passage_successor_id_passage'), 'passage', ['successor_id'], ['id']
        )


def downgrade():
    with op.batch_alter_table('passage', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_passage_successor_id_passage'), type_='foreignkey')
        batch_op.drop_column('successor_id')
