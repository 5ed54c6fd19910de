"""Extension objects, created unbound and initialised in the app factory."""

from functools import wraps
from typing import TYPE_CHECKING, cast

from flask import g
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData, Table
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    """Declarative base for every model."""

    # Named constraints, so migrations can alter them (SQLite batch mode needs the names).
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_N_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


# Objects stay loaded after commit: requests are short and re-reading them would cost queries.
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})

# The models' base. Flask-SQLAlchemy makes ``db.Model`` at run time, from ``Base``, so type
# checkers cannot see it: to them it is ``Base``, which it subclasses.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model


def table(model: type[Base]) -> Table:
    """Return a model's table (SQLAlchemy types ``__table__`` as any FROM clause)."""
    return cast(Table, model.__table__)


migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()


class FormLimiter(Limiter):
    """Flask-Limiter, minus its work on every request when there is nothing to limit.

    Before each request it applies the default and application-wide limits; we set neither.
    Our limits are decorators on the sign-in forms, which Flask-Limiter checks when their view
    runs, never in that hook. Run anyway, the hook cost 35-45 µs on every page (a tenth of a
    question page) to find nothing to check. (The hook would also apply in-memory fallback
    limits while a shared storage is down; we configure none. Adding some means checking for
    them here too.) Its response hooks (conditional deductions, limit headers) likewise run
    only in a request that checked a limit: on other pages they cost 15-25 µs to find none.
    """

    def _check_request_limit(self, callable_name=None, in_middleware=True):
        manager = self.limit_manager
        if in_middleware and not (manager.default_limits or manager.application_limits):
            return
        g.limits_checked = True
        super()._check_request_limit(callable_name=callable_name, in_middleware=in_middleware)

    def init_app(self, app) -> None:
        hooks = (app.after_request_funcs, app.teardown_request_funcs)
        known = [set(found.get(None, ())) for found in hooks]
        super().init_app(app)
        after, teardown = (
            [f for f in found.get(None, ()) if f not in before]
            for found, before in zip(hooks, known, strict=True)
        )
        app.after_request_funcs[None] = [
            f if f not in after else _after_limits(f) for f in app.after_request_funcs[None]
        ]
        app.teardown_request_funcs[None] = [
            f if f not in teardown else _after_limits(f, returns=False)
            for f in app.teardown_request_funcs[None]
        ]


def _after_limits(hook, returns: bool = True):
    """Wrap a response or teardown hook of the limiter to run only where a limit was checked."""

    @wraps(hook)
    def run(value):
        if g.get("limits_checked"):
            return hook(value)
        return value if returns else None

    return run


# Storage comes from RATELIMIT_STORAGE_URI (memory:// by default; use redis:// with several nodes).
limiter = FormLimiter(key_func=get_remote_address, default_limits=[], headers_enabled=True)
