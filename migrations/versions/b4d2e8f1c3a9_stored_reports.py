"""stored reports: the item analysis of all students, kept with what it was computed from

It grows with every answer ever given (about 11 s at a million answers), so it is stored and
computed again when due (quizapp/stored_reports.py).

Revision ID: b4d2e8f1c3a9
Revises: a7c3e91d5b20
Create Date: 2026-11-28 03:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b4d2e8f1c3a9'
down_revision = 'a7c3e91d5b20'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'stored_report',
        sa.Column('name', sa.String(length=64), nullable=False),
        sa.Column('computed_at', sa.DateTime(), nullable=False),
        sa.Column('last_answer_id', sa.Integer(), nullable=False),
        sa.Column('content_stamp', sa.String(length=64), nullable=False),
        sa.Column('payload', sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_stored_report')),
    )


def downgrade():
    op.drop_table('stored_report')
