"""Configuration read from the environment when the app is created."""

import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

# The repository root: seeds/ and questions/ ship beside the package.
ROOT = Path(__file__).resolve().parent.parent


class ConfigError(RuntimeError):
    """Raised when the environment cannot configure the app."""


MIN_SECRET = 32


def _secret_key(instance_path: Path, production: bool, given: str | None) -> str:
    """Return SECRET_KEY from the environment, or a per-instance key kept on disk in development."""
    key = given or os.environ.get("SECRET_KEY")
    if key and production and len(key.strip()) < MIN_SECRET:
        # Sessions and password links are signed with it: a short key can be guessed offline.
        raise ConfigError(
            f"SECRET_KEY is too short for production ({len(key.strip())} characters; use at "
            f"least {MIN_SECRET}): "
            'export SECRET_KEY="$(python3 -c "import secrets; print(secrets.token_hex(32))")"'
        )
    if key:
        return key
    if production:
        raise ConfigError(
            "SECRET_KEY is not set. In production every app process must share one secret: "
            'export SECRET_KEY="$(python3 -c "import secrets; print(secrets.token_hex(32))")"'
        )
    path = instance_path / "secret_key"
    try:
        key = path.read_text().strip() if path.exists() else ""
        if not key:  # new, or emptied: an empty key would leave every page without sessions
            key = secrets.token_hex(32)
            path.write_text(key)
            path.chmod(0o600)
    except OSError as exc:
        raise ConfigError(
            f"cannot read or create the development secret key {path}: {exc.strerror}. "
            "Set SECRET_KEY, or let this user read and write that file."
        ) from exc
    return key


def from_environment(instance_path: Path, overrides: dict | None = None) -> dict:
    """Return the app configuration: environment variables, then ``overrides`` on top."""
    overrides = overrides or {}
    production = overrides.get(
        "PRODUCTION", _environment(os.environ.get("QUIZAPP_ENV", "development")) == "production"
    )
    url = overrides.get("SQLALCHEMY_DATABASE_URI") or os.environ.get("DATABASE_URL")
    url = url or f"sqlite:///{instance_path / 'quizapp.sqlite3'}"
    settings = {
        "SECRET_KEY": _secret_key(instance_path, production, overrides.get("SECRET_KEY")),
        "SQLALCHEMY_DATABASE_URI": _usable_database_url(normalise_database_url(url)),
        # A database error's log entry leaves out the statement's values: they include
        # password hashes and login-session tokens.
        "SQLALCHEMY_ENGINE_OPTIONS": {"hide_parameters": True},
        **content_folders(),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
        # One field may fill the request: a bank upload's confirmation carries the checked file
        # (up to 1 MB, signed and base64) back in a hidden field. Memory stays bounded above.
        "MAX_FORM_MEMORY_SIZE": 2 * 1024 * 1024,
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        # A shared limit store (Redis, memcached) that is down must not turn a class away at
        # sign-in: the limiter logs the error and lets the request through unlimited.
        "RATELIMIT_SWALLOW_ERRORS": True,
        # Sign-in rate limits: on in production, in the tests and in the benchmarks alike.
        "RATELIMIT_ENABLED": _switch(
            "RATELIMIT_ENABLED", os.environ.get("RATELIMIT_ENABLED", "true")
        ),
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session
        "PRODUCTION": production,
        "PROXY_COUNT": _proxy_count(os.environ.get("QUIZAPP_PROXIES", "0")),
        "SQLITE_SYNCHRONOUS": _synchronous(os.environ.get("QUIZAPP_SQLITE_SYNCHRONOUS", "FULL")),
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_SECURE": production,
        # werkzeug's method string for new password hashes. Only the tests lower it (each
        # registration and sign-in there would spend 0.1 s of CPU on scrypt); checking reads
        # the method from the stored hash, so accounts made under either keep working.
        "PASSWORD_HASH_METHOD": "scrypt",
    }
    settings.update({k: v for k, v in overrides.items() if k != "SQLALCHEMY_DATABASE_URI"})
    return settings


def content_folders() -> dict[str, str]:
    """Return SEEDS_DIR and QUESTIONS_DIR: QUIZAPP_SEEDS and QUIZAPP_QUESTIONS, else the shipped."""
    return {
        "SEEDS_DIR": os.environ.get("QUIZAPP_SEEDS", str(ROOT / "seeds")),
        "QUESTIONS_DIR": os.environ.get("QUIZAPP_QUESTIONS", str(ROOT / "questions")),
    }


def _environment(value: str) -> str:
    """Return QUIZAPP_ENV; a misspelt "production" must not quietly run as development."""
    spelled = value.strip().lower()
    if spelled not in ("development", "production"):
        raise ConfigError(f"QUIZAPP_ENV must be development or production, not {value!r}")
    return spelled


def _switch(name: str, value: str) -> bool:
    """Return an on/off setting written true or false (also 1/0, yes/no, on/off)."""
    spelled = value.strip().lower()
    if spelled in ("true", "1", "yes", "on"):
        return True
    if spelled in ("false", "0", "no", "off"):
        return False
    raise ConfigError(f"{name} must be true or false, not {value!r}")


def _synchronous(value: str) -> str:
    """Return SQLite's synchronous level: FULL or NORMAL (see README, SQLite settings)."""
    if value.upper() not in ("FULL", "NORMAL"):
        raise ConfigError(f"QUIZAPP_SQLITE_SYNCHRONOUS must be FULL or NORMAL, not {value!r}")
    return value.upper()


def _proxy_count(value: str) -> int:
    """Return how many reverse proxies in front of the app set X-Forwarded-* headers."""
    text = value.strip()
    # isascii: "²" passes isdigit but not int(); more than 10 hops is a typo, not a network
    if not (text.isascii() and text.isdigit()) or int(text) > 10:
        raise ConfigError(
            f"QUIZAPP_PROXIES must be a whole number of proxies (0 to 10), not {value!r}"
        )
    return int(text)


def _usable_database_url(url: str) -> str:
    """Return the URL once SQLAlchemy can parse it and load its dialect and driver."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    hint = "write it like sqlite:////path/to/quizapp.sqlite3 or postgresql://user:pass@host/db"
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError) as exc:  # ValueError: a port that is not a number
        raise ConfigError(f"DATABASE_URL is not usable: {exc}; {hint}") from exc
    label = parsed.render_as_string(hide_password=True)
    try:
        parsed.get_dialect().import_dbapi()
    except NoSuchModuleError as exc:
        raise ConfigError(
            f"DATABASE_URL {label} is not usable: SQLAlchemy has no database driver "
            f"{parsed.drivername!r}; {hint}"
        ) from exc
    except ImportError as exc:
        raise ConfigError(
            f"DATABASE_URL {label} is not usable: its driver is not installed ({exc})"
        ) from exc
    return url


def rate_limit_storage_error(uri: str) -> ConfigError:
    """Return the error for a rate-limit storage Flask-Limiter cannot use, saying what to do."""
    shown = _hide_password(uri)
    scheme = urlsplit(uri).scheme.split("+")[0]
    if scheme in ("redis", "rediss", "memcached"):
        extra = "memcached" if scheme == "memcached" else "redis"
        return ConfigError(
            f"RATELIMIT_STORAGE_URI {shown} needs its client library: "
            f"run pip install -e '.[{extra}]' in the quizapp folder"
        )
    return ConfigError(
        f"RATELIMIT_STORAGE_URI {shown} is not a storage the rate limiter knows; "
        "use memory://, redis://host:6379 or memcached://host:11211"
    )


def _hide_password(uri: str) -> str:
    """Return a storage URI with its password, if any, shown as ***."""
    parts = urlsplit(uri)
    if not parts.password:
        return uri
    return parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@", 1)).geturl()


def normalise_database_url(url: str) -> str:
    """Return the URL with PostgreSQL pointed at the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url
