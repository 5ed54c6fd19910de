"""`quizapp user ...`: accounts from the command line, under the same rules as the web form."""

import click
from sqlalchemy import select

from quizapp.accounts.users import MIN_PASSWORD, email_problem, password_problem, username_problem
from quizapp.cli.database import with_database
from quizapp.db.transactions import unit_of_work
from quizapp.extensions import db
from quizapp.models.users import ROLES


@click.group("user")
def user_group() -> None:
    """Create accounts, set passwords and change roles.

    \b
    Examples:
      quizapp user create prof --role instructor
      quizapp user create ops --role admin
      quizapp user password alice
      quizapp user set-role alice instructor

    Roles: a student takes quizzes; an instructor also runs classes and assignments; an admin
    also registers LMS platforms (the Admin page, `quizapp lti`).
    """


def _account_rule(problem):
    """Return a callback refusing what registration refuses, before the password is asked."""

    def check(_ctx, _param, value):
        message = value and problem(value)
        if message:
            raise click.BadParameter(message)
        return value

    return check


@user_group.command("create")
@click.argument("username", callback=_account_rule(username_problem))
@click.option(
    "--role",
    type=click.Choice(ROLES),
    default="student",
    show_default=True,
    help="An admin can also do all an instructor does.",
)
@click.option(
    "--email", default=None, callback=_account_rule(email_problem), help="Email address (optional)."
)
@click.option("--full-name", default="", help="Full name shown in the gradebook.")
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    callback=_account_rule(password_problem),
    help=f"At least {MIN_PASSWORD} characters (prompted for when omitted).",
)
@with_database
def user_create(username: str, role: str, email: str | None, full_name: str, password: str):
    """Create an account, e.g. an instructor: quizapp user create prof --role instructor"""
    from quizapp.accounts.users import AccountError, create_user

    try:
        user = create_user(username, password, email=email, full_name=full_name, role=role)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"created {user.role} {user.username}")


def _user_named(username: str):
    """Return the account with this username, or stop with a one-line error."""
    from quizapp.accounts.users import normalise_username
    from quizapp.models import User

    user = db.session.scalar(select(User).where(User.username == normalise_username(username)))
    if user is None:
        raise click.ClickException(f"no user called {username!r}")
    return user


@user_group.command("password")
@click.argument("username")
@click.option(
    "--password",
    prompt="New password",
    hide_input=True,
    confirmation_prompt=True,
    callback=_account_rule(password_problem),
    help=f"At least {MIN_PASSWORD} characters (prompted for when omitted).",
)
@with_database
def user_password(username: str, password: str) -> None:
    """Set a user's password and sign them out everywhere: quizapp user password alice"""
    from quizapp.accounts.users import set_password

    user = _user_named(username)
    set_password(user.id, password)
    click.echo(f"new password set for {user.username}; signed out everywhere")


@user_group.command("set-role")
@click.argument("username")
@click.argument("role", type=click.Choice(ROLES))
@with_database
def user_set_role(username: str, role: str) -> None:
    """Change a user's role, e.g.: quizapp user set-role alice instructor (or admin)"""
    with unit_of_work():
        user = _user_named(username)
        user.role = role
    click.echo(f"{user.username} is now {role}")
