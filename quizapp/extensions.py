"""Extension objects, created unbound and initialised in the app factory."""

from typing import TYPE_CHECKING, cast

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


# Storage comes from RATELIMIT_STORAGE_URI (memory:// by default; use redis:// with several nodes).
limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=True)
