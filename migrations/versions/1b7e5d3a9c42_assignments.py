"""assignments: a quiz set for a class (draw, window, time limit, attempts, feedback
timing), per-student overrides, and the class's time zone

Existing attempts become practice attempts (no assignment): nothing is lost or rescored.
The attempt scores index gains assignment_id, so practice and assignment aggregates both
stay index-only.

Revision ID: 1b7e5d3a9c42
Revises: f4c2a8d6e1b3
Create Date: 2026-12-07 03:40:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "1b7e5d3a9c42"
down_revision = "f4c2a8d6e1b3"
branch_labels = None
depends_on = None

OLD_SCORES = ["user_id", "bank_id", "finished_at", "score", "max_score"]
# A student's grade at an assignment, read from the index alone (the row holds the question
# list before its score columns).
GRADES = ["assignment_id", "user_id", "bank_id", "preview", "finished_at", "score", "max_score"]
NEW_SCORES = ["user_id", "bank_id", "assignment_id", "finished_at", "score", "max_score"]


def upgrade():
    op.create_table(
        "assignment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("instructions", sa.Text(), nullable=False),
        sa.Column("points", sa.Double(), nullable=False),
        sa.Column("draw", sa.JSON(), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("difficulties", sa.JSON(), nullable=False),
        sa.Column("spread", sa.Boolean(), nullable=False),
        sa.Column("opens_at", sa.DateTime(), nullable=True),
        sa.Column("closes_at", sa.DateTime(), nullable=True),
        sa.Column("time_limit", sa.Integer(), nullable=True),
        sa.Column("attempts_allowed", sa.Integer(), nullable=True),
        sa.Column("score_policy", sa.String(length=16), nullable=False),
        sa.Column("feedback", sa.String(length=16), nullable=False),
        sa.Column("feedback_from", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["course_id"], ["course.id"], name=op.f("fk_assignment_course_id_course")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assignment")),
    )
    with op.batch_alter_table("assignment", schema=None) as batch_op:
        batch_op.create_index("ix_assignment_course", ["course_id", "deleted_at"], unique=False)
    op.create_table(
        "assignment_override",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assignment_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("extra_minutes", sa.Integer(), nullable=False),
        sa.Column("time_factor", sa.Double(), nullable=False),
        sa.Column("closes_at", sa.DateTime(), nullable=True),
        sa.Column("extra_attempts", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assignment_id"],
            ["assignment.id"],
            name=op.f("fk_assignment_override_assignment_id_assignment"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_assignment_override_user_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assignment_override")),
        sa.UniqueConstraint(
            "assignment_id", "user_id", name=op.f("uq_assignment_override_assignment_id_user_id")
        ),
    )
    with op.batch_alter_table("course", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("timezone", sa.String(length=64), server_default="UTC", nullable=False)
        )
    with op.batch_alter_table("attempt", schema=None) as batch_op:
        batch_op.add_column(sa.Column("assignment_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("deadline", sa.DateTime(), nullable=True))
        batch_op.add_column(
            sa.Column("preview", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_attempt_assignment_id_assignment"),
            "assignment",
            ["assignment_id"],
            ["id"],
        )
        batch_op.drop_index("ix_attempt_user_scores")
        batch_op.create_index("ix_attempt_user_scores", NEW_SCORES, unique=False)
        batch_op.create_index("ix_attempt_assignment", GRADES, unique=False)
        batch_op.create_index("ix_attempt_open_deadline", ["finished_at", "deadline"], unique=False)


def downgrade():
    # Assignment attempts become practice attempts at the bank their draw started from.
    with op.batch_alter_table("attempt", schema=None) as batch_op:
        batch_op.drop_index("ix_attempt_open_deadline")
        batch_op.drop_index("ix_attempt_assignment")
        batch_op.drop_index("ix_attempt_user_scores")
        batch_op.create_index("ix_attempt_user_scores", OLD_SCORES, unique=False)
        batch_op.drop_constraint(
            batch_op.f("fk_attempt_assignment_id_assignment"), type_="foreignkey"
        )
        batch_op.drop_column("preview")
        batch_op.drop_column("deadline")
        batch_op.drop_column("assignment_id")
    with op.batch_alter_table("course", schema=None) as batch_op:
        batch_op.drop_column("timezone")
    op.drop_table("assignment_override")
    with op.batch_alter_table("assignment", schema=None) as batch_op:
        batch_op.drop_index("ix_assignment_course")
    op.drop_table("assignment")
