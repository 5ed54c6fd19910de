"""Fixtures: the app on a real database (SQLite and PostgreSQL), its client and CLI runner."""

import os
import re
import shutil
import uuid
from pathlib import Path

import psycopg
import pytest
from flask_migrate import upgrade
from psycopg import sql

from quizapp import create_app
from quizapp.extensions import db

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
BACKENDS = ("sqlite", "postgresql")


def postgres_admin_dsn() -> str | None:
    """Return a libpq DSN for the server pg_virtualenv started, or None when there is none."""
    if not os.environ.get("PGHOST"):
        return None
    return psycopg.conninfo.make_conninfo(dbname=os.environ.get("PGDATABASE", "postgres"))


def _sqlalchemy_url(dbname: str) -> str:
    env = os.environ
    return (
        f"postgresql+psycopg://{env.get('PGUSER', 'postgres')}:{env.get('PGPASSWORD', '')}"
        f"@{env.get('PGHOST')}:{env.get('PGPORT', '5432')}/{dbname}"
    )


def _admin(statement: sql.Composable) -> None:
    with psycopg.connect(postgres_admin_dsn(), autocommit=True) as conn:
        conn.execute(statement)


def build_content(app) -> None:
    """Migrate an empty database and load articles and test banks through the real loader."""
    from quizapp.authoring.checker import check_paths, corpus_from_seeds
    from quizapp.content.articles import load_articles
    from quizapp.content.loader import load_banks, load_documents

    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        load_documents(db.session, load_articles(ROOT / "seeds"))
        corpus = corpus_from_seeds(ROOT / "seeds")
        result = check_paths([DATA / "banks"], corpus)
        assert not result.diagnostics, [str(d) for d in result.diagnostics]
        load_banks(db.session, result.banks, corpus, retire_missing_banks=True)
        db.session.commit()
        db.engine.dispose()


class Templates:
    """One loaded template database per backend and worker, cloned for every test."""

    def __init__(self, tmp: Path, worker: str):
        self.tmp = tmp
        self.worker = worker
        self.built: dict[str, str] = {}

    def template(self, backend: str) -> str:
        if backend not in self.built:
            if backend == "sqlite":
                url = f"sqlite:///{self.tmp / 'template.sqlite3'}"
            else:
                name = f"tpl_{self.worker}_{uuid.uuid4().hex[:8]}"
                _admin(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
                url = _sqlalchemy_url(name)
            build_content(create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "t"}))
            self.built[backend] = url
        return self.built[backend]

    def clone(self, backend: str) -> str:
        template = self.template(backend)
        if backend == "sqlite":
            target = self.tmp / f"test-{uuid.uuid4().hex[:8]}.sqlite3"
            shutil.copyfile(template.removeprefix("sqlite:///"), target)
            return f"sqlite:///{target}"
        name = f"t_{self.worker}_{uuid.uuid4().hex[:10]}"
        source = template.rsplit("/", 1)[1]
        # FILE_COPY copies the template's few files at once: half the time of PostgreSQL 15's
        # default (WAL_LOG, page by page), and the throwaway cluster has fsync off anyway.
        _admin(
            sql.SQL("CREATE DATABASE {} TEMPLATE {} STRATEGY FILE_COPY").format(
                sql.Identifier(name), sql.Identifier(source)
            )
        )
        return _sqlalchemy_url(name)

    def drop(self, url: str) -> None:
        if url.startswith("sqlite:///"):
            Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
        else:
            name = url.rsplit("/", 1)[1]
            _admin(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture(scope="session")
def templates(tmp_path_factory, worker_id):
    return Templates(tmp_path_factory.mktemp("db"), worker_id)


@pytest.fixture(params=BACKENDS)
def database_url(request, templates):
    """A fresh database holding the loaded articles, on each backend in turn."""
    if request.param == "postgresql" and postgres_admin_dsn() is None:
        if os.environ.get("QUIZAPP_REQUIRE_POSTGRES"):
            pytest.fail("PostgreSQL is required (run the suite through scripts/test.sh)")
        pytest.skip("no PostgreSQL server: run the suite through scripts/test.sh")
    url = templates.clone(request.param)
    yield url
    templates.drop(url)


@pytest.fixture
def app(database_url, tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_DATABASE_URI": database_url,
            # A cheap hash: scrypt's 0.1 s per registration and sign-in added minutes to the
            # suite. test_auth checks that production's default is scrypt.
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        }
    )
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


TOKEN = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"'
)


def csrf_from(html: str) -> str:
    """Return the first CSRF token in a page."""
    match = TOKEN.search(html)
    assert match, "page has no CSRF token"
    return match.group(1) or match.group(2)


class Auth:
    """Registers, logs in and out through the real forms (CSRF included)."""

    PASSWORD = "correct horse battery"

    def __init__(self, client):
        self.client = client

    def token(self, url: str = "/auth/login") -> str:
        return csrf_from(self.client.get(url).get_data(as_text=True))

    def register(self, username="alice", password=PASSWORD, **extra):
        data = {"username": username, "password": password, "confirm": password, **extra}
        data["csrf_token"] = self.token("/auth/register")
        return self.client.post("/auth/register", data=data)

    def login(self, username="alice", password=PASSWORD):
        data = {"username": username, "password": password, "csrf_token": self.token()}
        return self.client.post("/auth/login", data=data)

    def logout(self):
        return self.client.post("/auth/logout", data={"csrf_token": self.token("/quizzes")})


@pytest.fixture
def auth(client):
    return Auth(client)


@pytest.fixture
def student(client, auth):
    """The test client, signed in as a newly registered student."""
    auth.register("stu")
    return client


def _read_before_sending(app):
    """Hand werkzeug's development server response bodies already read and closed.

    When a browser drops a connection mid-response (a page left before its script arrived),
    that server skips the body's close(), and the static file left open fails the test with
    a ResourceWarning under filterwarnings=error. gunicorn closes it; this is the test server.
    """

    def wsgi(environ, start_response):
        body = app(environ, start_response)
        try:
            return [b"".join(body)]
        finally:
            if hasattr(body, "close"):
                body.close()

    return wsgi


@pytest.fixture
def live_server(app):
    """Serve the app over real HTTP on a free loopback port for the duration of a test."""
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, _read_before_sending(app), threaded=True)
    # Wait for requests still in flight at the end (a browser's late fetch, say): their database
    # connections must be back in the pool before the app fixture disposes of it.
    server.daemon_threads = False
    server.block_on_close = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join(5)


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright (no browser downloads are possible here)."""
    playwright_sync = pytest.importorskip("playwright.sync_api")
    executable = os.environ.get("CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
    if not Path(executable).exists():
        pytest.fail(f"Chromium not found at {executable}: run the suite through scripts/test.sh")
    with playwright_sync.sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=executable,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport=VIEWPORTS["desktop"])
    page = context.new_page()
    yield page
    context.close()


DOCS_SCREENSHOTS = ROOT / "docs" / "screenshots"


def screenshot(page, name: str, docs: str | None = None) -> Path:
    """Save a full-page screenshot under the git-ignored test-artifacts/ folder.

    With ``docs``, also save the visible part as docs/screenshots/<docs>.png, the pictures the
    README shows, so they are remade from the real app by every run and never go stale.
    """
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    if docs:
        DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(DOCS_SCREENSHOTS / f"{docs}.png"))
    return path


@pytest.fixture
def teacher(app, client):
    """A client signed in as an instructor (Prof Ada)."""
    from tests.factories import make_user

    make_user(app, "prof", "instructor", full_name="Prof Ada")
    Auth(client).login("prof")
    return client
