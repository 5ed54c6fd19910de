"""Headers, error pages, rate limits and input limits."""

import importlib.util

import pytest

from tests.conftest import Auth, csrf_from


def test_security_headers_on_every_response(client):
    for url in ("/", "/read/big-science", "/auth/login", "/nope", "/static/style.css"):
        with client.get(url) as response:
            headers = response.headers
            csp = headers["Content-Security-Policy"]
            assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
            assert "unsafe-inline" not in csp
            assert headers["X-Content-Type-Options"] == "nosniff"
            assert headers["Referrer-Policy"]
            assert "Strict-Transport-Security" not in headers
            for name in ("Content-Security-Policy", "X-Frame-Options", "Referrer-Policy"):
                assert len(headers.getlist(name)) == 1, name


def test_every_error_page_carries_the_security_headers(app, client):
    from quizapp.extensions import limiter

    @app.get("/_once")
    @limiter.limit("1 per hour")
    def once():
        return "ok"

    @app.get("/_boom")
    def boom():
        raise RuntimeError("kaboom")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    client.get("/_once")
    responses = {
        400: client.post("/auth/login", data={"username": "x"}),  # no CSRF token
        404: client.get("/nope"),
        405: client.post("/"),
        413: client.post("/auth/login", data={"username": "x" * (3 * 1024 * 1024)}),
        429: client.get("/_once"),
        500: client.get("/_boom"),
    }
    for status, response in responses.items():
        assert response.status_code == status
        assert "<h1>" in response.get_data(as_text=True), status  # the friendly page
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"], status
        assert response.headers["X-Content-Type-Options"] == "nosniff", status


def test_a_form_over_http_with_secure_cookies_says_the_site_needs_https(app):
    """A production site served over plain http: the browser dropped the session cookie."""
    app.config.update(SESSION_COOKIE_SECURE=True)
    client = app.test_client()
    token = csrf_from(client.get("/auth/register").get_data(as_text=True))
    client.delete_cookie("session")  # as a browser does with a Secure cookie over http
    form = {"username": "plain", "password": Auth.PASSWORD, "confirm": Auth.PASSWORD}
    response = client.post("/auth/register", data=form | {"csrf_token": token})
    assert response.status_code == 400
    assert "only works over https://" in response.get_data(as_text=True)
    app.config.update(SESSION_COOKIE_SECURE=False)
    response = client.post("/auth/register", data=form | {"csrf_token": token})
    assert "Your form expired" in response.get_data(as_text=True)


def test_hsts_and_secure_cookies_under_https(app):
    app.config.update(SESSION_COOKIE_SECURE=True)
    client = app.test_client()
    response = client.get("/auth/login", base_url="https://localhost")
    assert "max-age" in response.headers["Strict-Transport-Security"]
    token = csrf_from(response.get_data(as_text=True))
    response = client.post(
        "/auth/register",
        base_url="https://localhost",
        headers={"Referer": "https://localhost/auth/register"},  # checked under HTTPS
        data={
            "username": "secure",
            "password": Auth.PASSWORD,
            "confirm": Auth.PASSWORD,
            "csrf_token": token,
        },
    )
    assert response.status_code == 302
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


@pytest.mark.parametrize(
    "method,url,status",
    [
        ("get", "/no/such/page", 404),
        ("post", "/", 405),
        ("get", "/read/..%2F..%2Fetc%2Fpasswd", 404),
        ("get", "/read/" + "x" * 300, 404),
    ],
)
def test_friendly_error_pages(client, method, url, status):
    response = getattr(client, method)(url)
    assert response.status_code == status
    html = response.get_data(as_text=True)
    assert "Traceback" not in html and "<h1>" in html and 'href="/"' in html


def test_oversized_request_is_413(client):
    response = client.post("/auth/login", data={"username": "x" * (3 * 1024 * 1024)})
    assert response.status_code == 413
    assert "too large" in response.get_data(as_text=True)


def test_unexpected_error_shows_an_id_and_logs_it(app, client, caplog):
    @app.get("/boom")
    def boom():
        raise RuntimeError("kaboom")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = client.get("/boom")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "kaboom" not in html and "Traceback" not in html
    request_id = html.split("Error id: <code>")[1].split("</code>")[0]
    assert any(request_id in record.getMessage() for record in caplog.records)


def test_a_database_error_is_logged_without_the_statements_values(app, client, caplog):
    import logging

    from sqlalchemy import text

    from quizapp.extensions import db

    @app.get("/db-boom")
    def db_boom():
        token = "tok-" + "s3cret"  # built, so the traceback's source line does not show it
        db.session.execute(text("SELECT * FROM no_such_table WHERE t = :t"), {"t": token})

    app.config["PROPAGATE_EXCEPTIONS"] = False
    assert client.get("/db-boom").status_code == 500
    logged = "\n".join(logging.Formatter().format(r) for r in caplog.records)
    assert "no_such_table" in logged  # the statement and its error are there for operators
    assert "tok-s3cret" not in logged  # a password hash or session token would be too


def test_login_is_rate_limited_per_account_with_a_friendly_page(client, auth):
    auth.register("target")
    auth.logout()
    statuses = [auth.login("target", "wrong password!").status_code for _ in range(12)]
    assert statuses[:10] == [400] * 10 and statuses[-1] == 429
    response = auth.login("target")
    assert response.status_code == 429
    assert "Too many attempts" in response.get_data(as_text=True)
    assert "Please wait a minute and try again." in response.get_data(as_text=True)
    assert 0 < int(response.headers["Retry-After"]) <= 60  # for scripts and password managers


def test_limit_headers_come_with_the_forms_that_count_and_no_other_page(client, auth):
    refused = auth.login("nobody", "wrong password!")
    assert refused.status_code == 400
    assert refused.headers["X-RateLimit-Limit"] and refused.headers["X-RateLimit-Remaining"]
    assert not any(name.startswith("X-RateLimit") for name, _ in client.get("/").headers)


def test_the_too_many_page_says_how_long_the_limit_lasts(app):
    from quizapp.extensions import limiter

    @app.get("/_hourly")
    @limiter.limit("1 per hour")
    def hourly():
        return "ok"

    client = app.test_client()
    assert client.get("/_hourly").status_code == 200
    refused = client.get("/_hourly")
    assert refused.status_code == 429
    assert "Please wait an hour and try again." in refused.get_data(as_text=True)
    assert (
        3000 < int(refused.headers["Retry-After"]) <= 3600
    )  # a limit on any view, not only sign-in


def _accounts(app, names):
    """Add student accounts with a cheap hash (these tests are about counting, not hashing)."""
    from werkzeug.security import generate_password_hash

    from quizapp.extensions import db
    from quizapp.models import User

    cheap = generate_password_hash(Auth.PASSWORD, method="pbkdf2:sha256:1000")
    with app.app_context():
        db.session.add_all(User(username=n, full_name=n, password_hash=cheap) for n in names)
        db.session.commit()


def test_a_class_behind_one_address_signs_in_together(app, client, auth):
    # A lab or campus network reaches the app from one address: successes never count.
    names = [f"lab{i:02d}" for i in range(35)]
    _accounts(app, names)
    assert [auth.login(n).status_code for n in names] == [302] * 35


def test_guessing_from_one_address_stops_after_30_failed_sign_ins(app, client, auth):
    _accounts(app, ["real"])
    statuses = [auth.login(f"nobody{i}", "wrong password!").status_code for i in range(31)]
    assert statuses == [400] * 30 + [429]
    assert auth.login("real").status_code == 429  # from that address, for a minute


def test_a_class_behind_one_address_registers_together(client, auth):
    statuses = [auth.register(f"new{i:02d}").status_code for i in range(25)]
    assert statuses == [302] * 25


def test_failed_registrations_from_one_address_are_limited(client, auth):
    def mismatched(i):
        return auth.register(f"try{i}", confirm="not the same password").status_code

    assert [mismatched(i) for i in range(31)] == [400] * 30 + [429]


def test_guessing_the_current_password_is_limited(student):
    def change(current):
        token = csrf_from(student.get("/auth/password").get_data(as_text=True))
        form = {"current": current, "password": "a new password 1", "confirm": "a new password 1"}
        return student.post("/auth/password", data=form | {"csrf_token": token}).status_code

    assert [change("a wrong guess!") for _ in range(11)] == [400] * 10 + [429]
    assert change(Auth.PASSWORD) == 429


def test_sign_in_goes_on_while_the_shared_limit_store_is_down(database_url, caplog):
    from quizapp import create_app
    from quizapp.extensions import db
    from tests.servers import free_port

    down = f"redis://127.0.0.1:{free_port()}"  # nothing listens there
    config = {"SECRET_KEY": "t", "SQLALCHEMY_DATABASE_URI": database_url}
    app = create_app(config | {"TESTING": True, "RATELIMIT_STORAGE_URI": down})
    auth = Auth(app.test_client())
    try:
        assert auth.register("outage").status_code == 302
        auth.logout()
        assert auth.login("outage", "wrong password!").status_code == 400
        assert auth.login("outage").status_code == 302
    finally:
        with app.app_context():
            db.engine.dispose()
    assert any("rate limit" in r.getMessage() for r in caplog.records)  # logged for operators


def test_proxy_headers_are_trusted_only_when_configured(database_url):
    from quizapp import create_app
    from quizapp.extensions import db

    def remote(app):
        seen = {}

        @app.get("/_whoami")
        def whoami():
            from flask import request

            seen["addr"], seen["scheme"] = request.remote_addr, request.scheme
            return ""

        app.test_client().get(
            "/_whoami", headers={"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}
        )
        with app.app_context():
            db.engine.dispose()
        return seen["addr"], seen["scheme"]

    config = {"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "t"}
    assert remote(create_app(config)) == ("127.0.0.1", "http")
    assert remote(create_app({**config, "PROXY_COUNT": 1})) == ("203.0.113.7", "https")


def test_behind_an_https_proxy_every_response_asks_for_https(database_url):
    from quizapp import create_app
    from quizapp.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "t", "PROXY_COUNT": 1})
    client = app.test_client()
    for url in ("/", "/nope"):
        response = client.get(url, headers={"X-Forwarded-Proto": "https"})
        assert "max-age" in response.headers["Strict-Transport-Security"], url
    assert "Strict-Transport-Security" not in client.get("/").headers  # plain http, no proxy
    with app.app_context():
        db.engine.dispose()


@pytest.mark.parametrize(
    "env, words",
    [
        ({"QUIZAPP_ENV": "production", "SECRET_KEY": ""}, "SECRET_KEY is not set"),
        ({"QUIZAPP_ENV": "production", "SECRET_KEY": " x "}, "too short for production (1 char"),
        ({"QUIZAPP_SQLITE_SYNCHRONOUS": "off"}, "must be FULL or NORMAL"),
        ({"QUIZAPP_PROXIES": "two"}, "whole number of proxies"),
        ({"QUIZAPP_PROXIES": "²"}, "whole number of proxies (0 to 10), not '²'"),
        ({"QUIZAPP_PROXIES": "9" * 23}, "whole number of proxies (0 to 10)"),
        # A misspelt "production" would run as development: a secret per process, no Secure
        ({"QUIZAPP_ENV": "prod"}, "QUIZAPP_ENV must be development or production, not 'prod'"),
        ({"RATELIMIT_ENABLED": "maybe"}, "RATELIMIT_ENABLED must be true or false"),
        (
            {"RATELIMIT_STORAGE_URI": "nonsense://:hunter2@host"},
            "RATELIMIT_STORAGE_URI nonsense://:***@host is not a storage the rate limiter knows",
        ),
    ],
)
def test_bad_environment_is_one_clear_line(tmp_path, env, words):
    import os
    import subprocess
    import sys

    full = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}",
        "SECRET_KEY": "k",
        **env,
    }
    if not full["SECRET_KEY"]:
        del full["SECRET_KEY"]
    script = "from quizapp.cli import main; main()"
    result = subprocess.run(
        [sys.executable, "-c", script, "routes"],
        env=full,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert words in result.stderr and "Traceback" not in result.stderr
    assert "hunter2" not in result.stderr


def test_a_shared_rate_limit_storage_without_its_client_says_what_to_install(tmp_path, monkeypatch):
    from quizapp import create_app
    from quizapp.config import ConfigError

    # The test extras install the Redis client (for the outage test), not memcached's.
    if importlib.util.find_spec("pymemcache"):
        pytest.skip("the memcached client is installed here")
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "memcached://:hunter2@cache:11211")
    config = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}", "SECRET_KEY": "k"}
    with pytest.raises(ConfigError) as raised:
        create_app(config)
    assert str(raised.value) == (
        "RATELIMIT_STORAGE_URI memcached://:***@cache:11211 needs its client library: "
        "run pip install -e '.[memcached]' in the quizapp folder"
    )


@pytest.mark.parametrize(
    ("spelled", "enabled"), [("true", True), ("FALSE", False), ("0", False), (" on ", True)]
)
def test_rate_limiting_switch_takes_the_usual_spellings(tmp_path, monkeypatch, spelled, enabled):
    from quizapp import create_app

    monkeypatch.setenv("RATELIMIT_ENABLED", spelled)
    config = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}", "SECRET_KEY": "k"}
    assert create_app(config).config["RATELIMIT_ENABLED"] is enabled


def test_the_development_secret_key_file_is_remade_when_empty_and_explained_when_unusable(
    tmp_path, monkeypatch
):
    from quizapp.config import ConfigError, from_environment

    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("QUIZAPP_ENV", raising=False)
    (tmp_path / "secret_key").write_text("\n")  # emptied: pages would have no sessions
    key = from_environment(tmp_path)["SECRET_KEY"]
    assert len(key) == 64 and (tmp_path / "secret_key").read_text() == key
    blocked = tmp_path / "blocked"
    (blocked / "secret_key").mkdir(parents=True)  # a folder where the file should be
    with pytest.raises(ConfigError, match="cannot read or create the development secret key"):
        from_environment(blocked)
