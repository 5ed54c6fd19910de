"""bank uploader: banks uploaded in the browser belong to their uploader, and a full
`quizapp load` of the folder leaves them alone

Before, every deploy's `quizapp load` (or `setup`) retired the banks instructors had uploaded,
as banks missing from questions/, and any instructor could overwrite another's bank. Banks
uploaded before this migration cannot be told apart and count as the folder's; upload them
again to make them yours.

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
    with op.batch_alter_table('bank', schema=None) as batch_op:
        batch_op.add_column(sa.Column('uploader_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_bank_uploader_id_user'), 'user', ['uploader_id'], ['id']
        )


def downgrade():
    with op.batch_alter_table('bank', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_bank_uploader_id_user'), type_='foreignkey')
        batch_op.drop_column('uploader_id')
