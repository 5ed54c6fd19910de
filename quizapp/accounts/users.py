"""Account services: registration, sign-in with server-side sessions, password changes."""

import re
import secrets
from functools import cache

from flask import current_app
from flask_login import UserMixin
from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from quizapp.db import prepared
from quizapp.db.transactions import unit_of_work
from quizapp.extensions import db, table
from quizapp.formats.csvout import FORMULA_STARTS
from quizapp.models import LoginSession, User
from quizapp.models.rows import SessionUserRow
from quizapp.models.users import email_key

MIN_PASSWORD = 10
MAX_PASSWORD = 256
USERNAME = re.compile(r"[A-Za-z0-9_.-]+")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def _new_hash(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


@cache
def _dummy_hash(method: str) -> str:
    """Return the hash an unknown username is checked against, so both failures take as long.

    Made on first use: scrypt takes about 0.3 s, which every CLI command and worker start paid.
    """
    return generate_password_hash("not-a-real-password", method=method)


class AccountError(ValueError):
    """A problem the user can fix, with a message for them."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def username_problem(username: str) -> str | None:
    """Return why a new username is refused, or None when it is fine (web form and CLI)."""
    username = username.strip()
    if not 3 <= len(username) <= 64:
        return "Usernames are 3 to 64 characters long."
    if username.startswith(FORMULA_STARTS):
        # CSV exports prefix such a cell with ' (formula injection), so the username in the
        # gradebook file would no longer match the account in Moodle or Canvas.
        return "A username cannot start with =, +, - or @ (spreadsheets read it as a formula)."
    if not USERNAME.fullmatch(username):
        return "A username uses only letters, digits, dots, dashes or underscores."
    return None


def email_problem(email: str) -> str | None:
    """Return why an email address is refused, or None when it is fine (web form and CLI)."""
    email = email.strip()
    if len(email) > 254:
        return "Email addresses are at most 254 characters long."
    if email.startswith(FORMULA_STARTS):
        # As for usernames: the gradebook file, which Moodle matches by email, would change it.
        return "An email cannot start with =, +, - or @ (spreadsheets read it as a formula)."
    if not EMAIL.fullmatch(email):
        return "That does not look like an email address."
    return None


def password_problem(password: str) -> str | None:
    """Return why a new password is refused, or None when it is fine (web form and CLI)."""
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        return f"Use {MIN_PASSWORD} to {MAX_PASSWORD} characters."
    return None


def _refuse_problems(**problems: str | None) -> None:
    for field, problem in problems.items():
        if problem:
            raise AccountError(problem, field)


def normalise_username(username: str) -> str:
    """Return the canonical (case-folded, trimmed) form of a username."""
    return username.strip().lower()


def create_user(
    username: str,
    password: str,
    *,
    email: str | None = None,
    full_name: str = "",
    role: str = "student",
) -> User:
    """Create an account (in its own unit of work, or the caller's); raise AccountError if refused.

    The rules for names, emails and passwords hold here whoever calls: the register form and
    `quizapp user create` check them first only to answer sooner, field by field.
    """
    _refuse_problems(
        username=username_problem(username),
        email=email_problem(email) if email and email.strip() else None,
        password=password_problem(password),
    )
    username = normalise_username(username)
    # Kept as typed: Moodle matches emails exactly when it imports grades.
    email = (email or "").strip() or None
    with unit_of_work() as session:
        _refuse_taken(session, username, email)
        user = User(
            username=username,
            email=email,
            full_name=full_name.strip(),
            role=role,
            password_hash=_new_hash(password),
        )
        try:
            with session.begin_nested():  # a savepoint: losing a race undoes only this insert
                session.add(user)
        except IntegrityError:
            # On PostgreSQL a registration running alongside (SQLite queues writers) may have
            # taken the name or email since the check; its insert has committed: say which.
            _refuse_taken(session, username, email)
            raise
    return user


def register(username: str, password: str, *, email: str | None, full_name: str) -> "SignedIn":
    """Create a student's account and its first login session, as one unit of work."""
    with unit_of_work():
        user = create_user(username, password, email=email, full_name=full_name)
        return open_session(user)


def _refuse_taken(session, username: str, email: str | None) -> None:
    """Raise AccountError when the username or the email already belongs to an account."""
    if session.scalar(select(User.id).where(User.username == username)):
        raise AccountError("That username is taken. Please choose another.", "username")
    if email and _email_taken(session, email):
        raise AccountError("An account with that email already exists.", "email")


def _email_taken(session, email: str) -> bool:
    """Return whether an account has this email in any case."""
    return session.scalar(select(User.id).where(User.email_key == email_key(email))) is not None


def authenticate(username: str, password: str) -> User | None:
    """Return the user when the password matches; the same work is done when it does not."""
    user = db.session.scalar(select(User).where(User.username == normalise_username(username)))
    ok = check_password_hash(
        user.password_hash if user else _dummy_hash(current_app.config["PASSWORD_HASH_METHOD"]),
        password,
    )
    return user if user and ok else None


def open_session(user: User) -> "SignedIn":
    """Record a new signed-in browser for ``user``; return who it signs in, for its cookie."""
    token = secrets.token_urlsafe(32)
    with unit_of_work() as session:
        session.add(LoginSession(id=token, user_id=user.id))
    return SignedIn(user.id, user.username, user.role, token)


class SignedIn(UserMixin):
    """The signed-in user of a request (``current_user``), behind its login session's token.

    The one shape of a signed-in user: made at sign-in and loaded on every later request
    without the ORM. ``User`` is the account itself, which services that change it load.
    """

    __slots__ = ("id", "username", "role", "login_token")

    def __init__(self, id: int, username: str, role: str, login_token: str):
        self.id, self.username, self.role, self.login_token = id, username, role, login_token

    @property
    def is_instructor(self) -> bool:
        """Whether the user may teach: instructors, and admins (who may do all they do)."""
        return self.role in ("instructor", "admin")

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def get_id(self) -> str:
        """Return what the session cookie stores: the login session's id, never the user id."""
        return self.login_token


# Runs on every signed-in request: built once, so SQLAlchemy reuses its compiled form.
_USERS = table(User)
_LOGINS = table(LoginSession)
_SESSION_USER = prepared.Prepared(
    select(_USERS.c.id, _USERS.c.username, _USERS.c.role)
    .join(_LOGINS, _LOGINS.c.user_id == _USERS.c.id)
    .where(_LOGINS.c.id == bindparam("token"), _LOGINS.c.revoked.is_(False)),
    row=SessionUserRow,
)


def load_session_user(token: str) -> SignedIn | None:
    """Return the user behind a live session token, or None when revoked or unknown."""
    row = prepared.first(_SESSION_USER, {"token": token})
    return None if row is None else SignedIn(row.id, row.username, row.role, token)


def close_session(token: str) -> None:
    """Revoke one session so its cookie is refused even if it was copied."""
    with unit_of_work() as session:
        session.execute(update(LoginSession).where(LoginSession.id == token).values(revoked=True))


def set_password(user_id: int, password: str, keep_session: str | None = None) -> None:
    """Set a new password and sign the user out of every session but ``keep_session``."""
    _refuse_problems(password=password_problem(password))
    with unit_of_work() as session:
        user = session.get_one(User, user_id)
        user.password_hash = _new_hash(password)
        session.execute(
            update(LoginSession)
            .where(LoginSession.user_id == user.id, LoginSession.id != (keep_session or ""))
            .values(revoked=True)
        )


def change_password(signed_in: SignedIn, password: str) -> None:
    """Set a new password and sign out every other session of the user."""
    set_password(signed_in.id, password, keep_session=signed_in.login_token)
