"""email key: one account per email whatever its case, held by the database

The app compared emails case-insensitively before inserting, but two sign-ups at the same
moment on PostgreSQL could both pass the check. The case-folded email now has a unique
constraint of its own (quizapp/models/users.py sets it with the email).

Revision ID: c6f1a2d9e8b7
Revises: b4d2e8f1c3a9
Create Date: 2026-11-28 05:10:00

"""
import logging

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c6f1a2d9e8b7'
down_revision = 'b4d2e8f1c3a9'
branch_labels = None
depends_on = None

log = logging.getLogger('alembic.runtime.migration')
users = sa.table('user', sa.column('id', sa.Integer), sa.column('email', sa.String),
                 sa.column('email_key', sa.String))


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_key', sa.String(length=762), nullable=True))
    conn = op.get_bind()
    seen = set()
    rows = conn.execute(sa.select(users.c.id, users.c.email)
                        .where(users.c.email.is_not(None)).order_by(users.c.id))
    for user_id, email in rows.all():
        key = email.casefold()
        if key in seen:  # accounts made before the check: the older keeps the address
            log.warning('user %s shares the email %r with an older account in another case;'
                        ' it is left out of the check', user_id, email)
            continue
        seen.add(key)
        conn.execute(users.update().where(users.c.id == user_id).values(email_key=key))
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.create_unique_constraint(batch_op.f('uq_user_email_key'), ['email_key'])


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_user_email_key'), type_='unique')
        batch_op.drop_column('email_key')
