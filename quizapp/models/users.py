"""Accounts and their server-side login sessions."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from quizapp.extensions import Model
from quizapp.models.content import utcnow

ROLES = ("student", "instructor", "admin")
DAILY_REVIEWS = 20  # reviews a day unless the student chooses otherwise (review page)


def email_key(email: str | None) -> str | None:
    """Return the form in which emails are compared: case-folded ("Ünal" is "ünal")."""
    return email.casefold() if email else None


class User(Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    # The email as compared, set with it: one address is one account whatever its case, held
    # by the database too (two sign-ups at once). Casefolding can triple a character ("ΐ").
    email_key: Mapped[str | None] = mapped_column(String(3 * 254), unique=True)
    full_name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(16), default="student")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # At most this many reviews in any 24 hours: a backlog of hundreds comes back in portions.
    # Only the database's default: a Core insert written for an older schema must not name it.
    daily_reviews: Mapped[int] = mapped_column(server_default=str(DAILY_REVIEWS))

    @validates("email")
    def _set_email_key(self, _name: str, email: str | None) -> str | None:
        self.email_key = email_key(email)
        return email

    @property
    def is_instructor(self) -> bool:
        """Whether the account may teach: instructors, and admins (who may do all they do)."""
        return self.role in ("instructor", "admin")

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


class LoginSession(Model):
    """One signed-in browser; its random id is what the session cookie carries.

    Revoking the row (logout, password change) refuses the cookie server-side even if copied.
    """

    __table_args__ = (Index("ix_login_session_user", "user_id", "revoked"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked: Mapped[bool] = mapped_column(default=False)

    user: Mapped[User] = relationship()
