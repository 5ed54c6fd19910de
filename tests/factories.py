"""Shared test factories: accounts, classes, members, and probes of the database's state.

Fixtures live in ``conftest.py``; these are plain functions any test module may import.
"""

import fcntl
import os
import re

from quizapp.accounts.users import create_user
from quizapp.extensions import db
from tests.conftest import Auth, csrf_from


def make_user(app, username, role="student", **extra):
    """Create an account with the test password."""
    with app.app_context():
        create_user(username, Auth.PASSWORD, role=role, **extra)
        db.session.commit()


def create_class(client, name="Policy 101", policy="best") -> tuple[int, str]:
    """Create a class through the instructor page; return its id and join code."""
    token = csrf_from(client.get("/teach/").get_data(as_text=True))
    response = client.post("/teach/", data={"name": name, "policy": policy, "csrf_token": token})
    assert response.status_code == 303
    course_id = int(re.search(r"/classes/(\d+)", response.location).group(1))
    page = client.get(response.location).get_data(as_text=True)
    code = re.search(r"<code>([A-Z0-9]{8})</code>", page).group(1)
    return course_id, code


def join(app, username, code, full_name="") -> "FlaskClient":  # noqa: F821
    """Create a student who joins the class with ``code``; return their signed-in client."""
    make_user(app, username, email=f"{username}@example.org", full_name=full_name)
    student = app.test_client()
    Auth(student).login(username)
    token = csrf_from(student.get("/classes/join").get_data(as_text=True))
    response = student.post("/classes/join", data={"code": code.lower(), "csrf_token": token})
    assert response.status_code == 303, response.get_data(as_text=True)
    return student


def writer_queue_held(path: str) -> bool:
    """Return whether some writer holds the SQLite writer queue's lock file."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def schema_drift(app) -> list:
    """Return what differs between the migrated database and the models (empty: nothing)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"render_as_batch": True})
        return compare_metadata(context, db.metadata)


def class_with_students(
    app, names=("ana", "ben"), timezone: str = "UTC", teacher: str = "prof"
) -> tuple[int, dict[str, int]]:
    """Create an instructor's class (in ``timezone``) joined by students ``names``, through the
    services; return its id and the students' ids by username."""
    from quizapp.models import Course
    from quizapp.teaching import classes

    with app.app_context():
        owner = create_user(teacher, Auth.PASSWORD, role="instructor")
        db.session.commit()
        made = classes.create_course(owner.id, "Policy 101")
        db.session.get_one(Course, made.id).timezone = timezone
        db.session.commit()
        ids = {}
        for name in names:
            user = create_user(name, Auth.PASSWORD)
            db.session.commit()
            classes.join_course(user.id, made.join_code)
            ids[name] = user.id
        return made.id, ids


def frozen_clock(monkeypatch, start):
    """Make ``quizapp.clock.now`` read a time the test moves by hand (``state["now"]``)."""
    from quizapp import clock

    state = {"now": start}
    monkeypatch.setattr(clock, "now", lambda: state["now"])
    return state
