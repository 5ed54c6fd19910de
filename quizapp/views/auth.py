"""Registration, sign-in, sign-out and password changes."""

from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from quizapp.accounts import password_reset, users
from quizapp.extensions import limiter, login_manager
from quizapp.web.forms import LoginForm, PasswordForm, RegisterForm, ResetForm

bp = Blueprint("auth", __name__, url_prefix="/auth")

login_manager.login_view = "auth.login"
login_manager.login_message = "Please log in to continue."
login_manager.login_message_category = "info"


@login_manager.user_loader
def _load_user(token: str):
    return users.load_session_user(token)


def _safe_next(target: str | None) -> str:
    """Return a local path to go to after login; never an external URL."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and "\\" not in target:
            return target
    return url_for("learner.quizzes")


def _sign_in(signed_in: users.SignedIn) -> None:
    """Put a new login session (``users.open_session``) in a fresh cookie."""
    session.clear()  # nothing an attacker planted before survives (no fixation)
    login_user(signed_in)


def _account_key() -> str:
    return "account:" + users.normalise_username(request.form.get("username", ""))[:64]


def _user_key() -> str:
    return f"user:{current_user.id}"


def _failed(response) -> bool:
    """A refused submission: the form shown again (400), not the redirect of a success."""
    return response.status_code not in (302, 303)


def _succeeded(response) -> bool:
    return not _failed(response)


# Only submissions count, never reading a form. A class signs in together from one lab or campus
# address (one NAT), so per address only failures count for sign-in (guessing), while each
# account allows ten wrong passwords a minute. Registration counts every account it creates,
# at a rate a lecture hall behind one address stays under.
FAILED_SIGN_INS = limiter.limit("30 per minute", methods=["POST"], deduct_when=_failed)
WRONG_PASSWORDS = limiter.limit(
    "10 per minute", key_func=_account_key, methods=["POST"], deduct_when=_failed
)
FAILED_REGISTRATIONS = limiter.limit("30 per minute", methods=["POST"], deduct_when=_failed)
REGISTRATIONS = limiter.limit("300 per hour", methods=["POST"], deduct_when=_succeeded)
WRONG_CURRENT_PASSWORDS = limiter.limit(
    "10 per minute", key_func=_user_key, methods=["POST"], deduct_when=_failed
)


@bp.route("/register", methods=["GET", "POST"])
@FAILED_REGISTRATIONS
@REGISTRATIONS
def register():
    """Create a student account and sign in."""
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            signed_in = users.register(
                form.username.data,
                form.password.data,
                email=form.email.data,
                full_name=form.full_name.data or "",
            )
        except users.AccountError as exc:
            getattr(form, exc.field or "username").errors.append(str(exc))
        else:
            _sign_in(signed_in)
            flash("Welcome! Your account is ready.", "success")
            return redirect(url_for("learner.quizzes"))
    return render_template("auth/register.html", form=form), 200 if not form.errors else 400


@bp.route("/login", methods=["GET", "POST"])
@FAILED_SIGN_INS
@WRONG_PASSWORDS
def login():
    """Sign in with username and password."""
    form = LoginForm()
    if form.validate_on_submit():
        user = users.authenticate(form.username.data, form.password.data)
        if user is not None:
            target = _safe_next(request.args.get("next"))
            _sign_in(users.open_session(user))
            return redirect(target)
        form.password.errors.append("Wrong username or password.")
    status = 400 if form.errors else 200
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
@login_required
def logout():
    """Sign out and revoke this session server-side."""
    users.close_session(current_user.login_token)
    logout_user()
    session.clear()
    flash("You are logged out.", "success")
    return redirect(url_for("reader.index"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
@WRONG_CURRENT_PASSWORDS
def password():
    """Change the password; other signed-in browsers are signed out."""
    form = PasswordForm()
    if form.validate_on_submit():
        if users.authenticate(current_user.username, form.current.data) is None:
            form.current.errors.append("That is not your current password.")
        else:
            users.change_password(current_user, form.password.data)
            flash("Password changed. Other devices have been signed out.", "success")
            return redirect(url_for("learner.quizzes"))
    return render_template("auth/password.html", form=form), 400 if form.errors else 200


NO_STORE = {"Cache-Control": "no-store"}


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset(token: str):
    """Set a new password through a link from the instructor, then sign in."""
    user = password_reset.user_for(token)
    if user is None:
        abort(404, description="This link has expired or was already used. Ask your instructor "
              "for a new one.")  # fmt: skip
    form = ResetForm()
    if form.validate_on_submit():
        users.set_password(user.id, form.password.data)
        _sign_in(users.open_session(user))
        flash("Your new password is set, and you are signed in.", "success")
        return redirect(url_for("learner.quizzes"))
    status = 400 if form.errors else 200
    # The address is the key to the account: keep the page out of caches.
    return render_template("auth/reset.html", form=form, user=user), status, NO_STORE
