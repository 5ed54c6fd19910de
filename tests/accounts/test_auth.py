"""Accounts: registration, login, logout, password change, server-side sessions."""

import re
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from quizapp.accounts.users import AccountError, create_user, username_problem
from quizapp.extensions import db
from quizapp.models import User
from tests.conftest import Auth, csrf_from


def test_register_creates_a_student_and_signs_in(app, client, auth):
    app.config["PASSWORD_HASH_METHOD"] = "scrypt"  # production's; the other tests save its CPU
    response = auth.register("Alice", email="alice@example.org", full_name="Alice Liddell")
    assert response.status_code == 302 and response.location.endswith("/quizzes")
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "alice"))
        assert user.role == "student" and user.email == "alice@example.org"
        assert user.password_hash.startswith("scrypt:")
        assert Auth.PASSWORD not in user.password_hash
    assert client.get("/quizzes").status_code == 200


def test_the_register_form_says_what_is_optional_and_how_long_a_username_is(client):
    page = client.get("/auth/register").get_data(as_text=True)
    assert 'aria-describedby="full_name-help"' in page and 'aria-describedby="email-help"' in page
    assert "Optional; shown to your instructors" in page and "Optional; your instructor" in page
    assert "3 to 64 letters" in page


def test_register_rejects_short_password_and_keeps_what_was_typed(client, auth):
    response = auth.register("bob", password="short", email="bob@example.org")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Password: use 10 to 256 characters." in html
    assert 'value="bob"' in html and 'value="bob@example.org"' in html
    assert "short" not in html.split("<main", 1)[1].replace("use 10", "")


FIELD_ERRORS = [
    # (what is sent, the field, the words of its error: each names the field)
    ({"username": "bad name!"}, "username", "A username uses only letters"),
    ({"username": "ab"}, "username", "Usernames are 3 to 64 characters long."),
    ({"password": "short"}, "password", "Password: use 10 to 256 characters."),
    ({"confirm": "something else"}, "confirm", "The repeated password is not the same"),
    ({"email": "nope"}, "email", "That does not look like an email address."),
    ({"full_name": "x" * 201}, "full_name", "A full name is at most 200 characters long."),
]


@pytest.mark.parametrize(("sent", "field", "words"), FIELD_ERRORS)
def test_registration_errors_name_their_field_beside_it(client, auth, sent, field, words):
    data = {"username": "bob", "password": auth.PASSWORD, "confirm": auth.PASSWORD, **sent}
    data["csrf_token"] = auth.token("/auth/register")
    html = client.post("/auth/register", data=data).get_data(as_text=True)
    label = re.search(rf'<label for="{field}">([^<]+)</label>', html).group(1)
    error = re.search(
        rf'<p class="error" id="{field}-error"><strong>Error:</strong> ([^<]+)</p>', html
    )
    assert error, f"no error beside {field}"
    assert error.group(1).startswith(words)
    # The message names its field, in the field's own words or a form of them
    assert label.split()[-1].lower().rstrip("s") in error.group(1).lower().replace("-", " ")
    field_tag = re.search(rf'<input[^>]+id="{field}"[^>]*>', html).group(0)
    assert f"{field}-error" in re.search(r'aria-describedby="([^"]+)"', field_tag).group(1)
    assert 'aria-invalid="true"' in field_tag


def test_sign_in_and_password_errors_name_their_field(client, auth):
    page = client.post(
        "/auth/login",
        data={"username": "", "password": "", "csrf_token": auth.token()},
    ).get_data(as_text=True)
    assert "Enter your username." in page and "Enter your password." in page
    auth.register("fay")
    page = client.post(
        "/auth/password",
        data={"csrf_token": auth.token("/auth/password"), "password": "short", "confirm": "x"},
    ).get_data(as_text=True)
    assert "Enter your current password." in page
    assert "New password: use 10 to 256 characters." in page
    assert "The repeated new password is not the same" in page


def test_long_passphrases_are_accepted(client, auth):
    assert auth.register("carol", password="x" * 200).status_code == 302


def test_duplicate_username_is_a_friendly_error(client, auth):
    auth.register("dave")
    auth.logout()
    response = auth.register("DAVE")
    assert response.status_code == 400
    assert "That username is taken" in response.get_data(as_text=True)


def test_register_refuses_a_username_a_spreadsheet_would_read_as_a_formula(app, client, auth):
    response = auth.register("-bob")
    assert response.status_code == 400
    assert "A username cannot start with =, +, - or @" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(User.id).where(User.username == "-bob")) is None
    # The one place the rule lives, for the form and the CLI alike.
    assert username_problem("=cmd") == username_problem("-bob") is not None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["bad name!"], "Invalid value for 'USERNAME': A username uses only letters, digits"),
        (["--", "-bob"], "Invalid value for 'USERNAME': A username cannot start with"),
        (["ab"], "Invalid value for 'USERNAME': Usernames are 3 to 64 characters long."),
        (["eve", "--email", "nope"], "Invalid value for '--email': That does not look like"),
    ],
)
def test_cli_user_create_applies_the_registration_rules(app, runner, args, message):
    result = runner.invoke(args=["user", "create", *args])
    assert result.exit_code == 2
    assert message in result.output
    assert "Password" not in result.output  # refused before asking for a password
    with app.app_context():
        assert db.session.scalar(select(func.count(User.id))) == 0


def test_cli_user_create_refuses_a_short_password_with_the_registration_message(app, runner):
    result = runner.invoke(args=["user", "create", "prof", "--password", "short"])
    assert result.exit_code == 2
    assert "Invalid value for '--password': Use 10 to 256 characters." in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(User.id))) == 0


@pytest.mark.parametrize(
    ("username", "password", "email", "field"),
    [
        ("=cmd", Auth.PASSWORD, None, "username"),
        ("no spaces please", Auth.PASSWORD, None, "username"),
        ("erin", "short", None, "password"),
        ("erin", Auth.PASSWORD, "not-an-email", "email"),
        ("erin", Auth.PASSWORD, "-minus@example.org", "email"),
        ("erin", Auth.PASSWORD, "+tag@example.org", "email"),
    ],
)
def test_create_user_applies_the_rules_whoever_calls_it(app, username, password, email, field):
    with app.app_context():
        with pytest.raises(AccountError) as refused:
            create_user(username, password, email=email)
        assert refused.value.field == field
        db.session.rollback()
        assert db.session.scalar(select(func.count(User.id))) == 0
        assert create_user("erin", Auth.PASSWORD, email=" ").email is None  # blank is no email


def test_login_failure_says_the_same_for_unknown_user_and_wrong_password(client, auth):
    auth.register("erin")
    auth.logout()
    wrong = auth.login("erin", "not the password").get_data(as_text=True)
    unknown = auth.login("nobody", "not the password").get_data(as_text=True)
    assert "Wrong username or password." in wrong and "Wrong username or password." in unknown


def test_login_redirects_only_to_local_next(client, auth):
    auth.register("fay")
    auth.logout()
    token = auth.token()
    data = {"username": "fay", "password": Auth.PASSWORD, "csrf_token": token}
    response = client.post("/auth/login?next=https://evil.example/", data=data)
    assert response.location.endswith("/quizzes")
    auth.logout()
    data["csrf_token"] = auth.token()
    response = client.post("/auth/login?next=/progress", data=data)
    assert response.location.endswith("/progress")


def test_logged_out_pages_redirect_to_login(client):
    for url in ("/quizzes", "/progress", "/review", "/attempts/1"):
        response = client.get(url)
        assert response.status_code == 302 and "/auth/login" in response.location


def test_post_without_csrf_token_is_refused(client, auth):
    auth.register("gus")
    response = client.post("/auth/logout")
    assert response.status_code == 400
    assert client.get("/quizzes").status_code == 200


def _refused(app, cookie: str) -> bool:
    """Return whether another browser presenting this session cookie is sent to log in."""
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    response = thief.get("/quizzes")
    return response.status_code == 302 and "/auth/login" in response.location


def _accepted_cookie(client, auth, username: str) -> str:
    """Register, then return a session cookie the app has accepted."""
    auth.register(username)
    client.get("/quizzes")  # the page's CSRF token goes into the session: a new cookie
    cookie = client.get_cookie("session").value
    assert client.get("/quizzes").status_code == 200
    assert client.get_cookie("session").value == cookie
    return cookie


def test_copied_cookie_is_refused_after_logout(app, client, auth):
    auth.register("hana")
    cookie = client.get_cookie("session").value
    auth.logout()
    assert _refused(app, cookie)


def test_a_tampered_cookie_is_refused_after_the_real_one_was_accepted(app, client, auth):
    body, _, signature = _accepted_cookie(client, auth, "hugo").rpartition(".")
    assert _refused(app, f"{body}.{'A' if signature[0] != 'A' else 'B'}{signature[1:]}")


def test_a_cookie_past_the_session_lifetime_is_refused_even_once_accepted(app, client, auth):
    cookie = _accepted_cookie(client, auth, "ines")
    app.permanent_session_lifetime = timedelta(seconds=1)
    time.sleep(2.1)  # cookie timestamps have whole-second resolution
    assert _refused(app, cookie)


def test_session_cookie_changes_at_login(app, client, auth):
    auth.register("ivan")
    auth.logout()
    client.get("/auth/login")
    before = client.get_cookie("session").value
    auth.login("ivan")
    assert client.get_cookie("session").value != before


def test_password_change_signs_out_other_sessions(app, client, auth):
    auth.register("joe")
    other = app.test_client()
    Auth(other).login("joe")
    assert other.get("/quizzes").status_code == 200
    html = client.get("/auth/password").get_data(as_text=True)
    new = "another long passphrase"
    response = client.post(
        "/auth/password",
        data={
            "current": Auth.PASSWORD,
            "password": new,
            "confirm": new,
            "csrf_token": csrf_from(html),
        },
    )
    assert response.status_code == 302
    assert client.get("/quizzes").status_code == 200
    assert other.get("/quizzes").status_code == 302
    assert Auth(app.test_client()).login("joe", new).status_code == 302


def test_session_cookie_flags(app, client, auth):
    response = auth.register("kim")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_instructor_created_from_the_cli(app, runner):
    result = runner.invoke(
        args=["user", "create", "prof", "--role", "instructor", "--password", "a long password 1"]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalar(select(User.role).where(User.username == "prof")) == "instructor"
    result = runner.invoke(args=["user", "set-role", "prof", "student"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalar(select(User.role).where(User.username == "prof")) == "student"
    result = runner.invoke(args=["user", "set-role", "nobody", "student"])
    assert result.exit_code != 0 and "no user" in result.output.lower()


def test_an_admin_created_from_the_cli_teaches_and_administers(app, client, auth, runner):
    password = "a long password 1"
    result = runner.invoke(
        args=["user", "create", "root", "--role", "admin", "--password", password]
    )
    assert (result.exit_code, result.stdout) == (0, "created admin root\n")
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "root"))
        assert (user.role, user.is_admin, user.is_instructor) == ("admin", True, True)
    auth.login("root", password)
    assert client.get("/teach/").status_code == 200  # an admin does what an instructor does
    assert client.get("/admin/lti").status_code == 200
    result = runner.invoke(args=["user", "set-role", "root", "instructor"])
    assert (result.exit_code, result.stdout) == (0, "root is now instructor\n")
    assert client.get("/admin/lti").status_code == 403
    assert client.get("/teach/").status_code == 200
    result = runner.invoke(args=["user", "set-role", "root", "admin"])
    assert result.exit_code == 0 and client.get("/admin/lti").status_code == 200
    refused = runner.invoke(args=["user", "set-role", "root", "superuser"])
    assert refused.exit_code == 2 and "'superuser' is not one of" in refused.stderr


def test_header_links_follow_the_role(client, auth, runner):
    def links() -> set[str]:
        nav = client.get("/").get_data(as_text=True).split('aria-label="Main"')[1]
        return set(re.findall(r'<a [^>]*href="([^"]+)"', nav.split("</nav>")[0]))

    anonymous = links()
    assert {"/auth/login", "/auth/register"} <= anonymous and "/quizzes" not in anonymous
    auth.register("rosa")
    student = links()
    assert {"/quizzes", "/progress", "/review"} <= student
    assert not any(link.startswith("/teach") for link in student)
    password = "a long password 1"
    runner.invoke(args=["user", "create", "prof", "--role", "instructor", "--password", password])
    auth.logout()
    auth.login("prof", password)
    assert any(link.startswith("/teach") for link in links())
    assert "/admin/lti" not in links()
    runner.invoke(args=["user", "create", "root", "--role", "admin", "--password", password])
    auth.logout()
    auth.login("root", password)
    assert "/admin/lti" in links() and any(link.startswith("/teach") for link in links())
    auth.logout()
    assert links() == anonymous


def test_an_email_is_kept_as_typed_and_unique_whatever_its_case(app):
    """Moodle matches the gradebook file's emails exactly, so their case must survive."""
    with app.app_context():
        assert create_user("erin", Auth.PASSWORD, email="Erin.Lee@Example.ORG").email == (
            "Erin.Lee@Example.ORG"
        )
        with pytest.raises(AccountError) as refused:
            create_user("erin2", Auth.PASSWORD, email="erin.lee@example.org")
        assert refused.value.field == "email"
        create_user("unal", Auth.PASSWORD, email="Ünal@example.org")
        with pytest.raises(AccountError) as refused:  # SQLite's lower() folds ASCII only
            create_user("unal2", Auth.PASSWORD, email="ünal@example.org")
        assert refused.value.field == "email"
