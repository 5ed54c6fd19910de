"""An LMS course on the test platform, mapped to a quizapp class: what roster tests start from.

The platform (tests/lti/platform.py) is registered in the app's database as an administrator
would; the LtiContext row stands for what an instructor's first launch leaves behind.
"""

from quizapp.extensions import db
from quizapp.lti import platforms
from quizapp.models import LtiContext, LtiPlatform
from tests.conftest import Auth
from tests.factories import class_with_students
from tests.lti.platform import Platform


def register(app, lms: Platform, name: str = "Moodle") -> int:
    """Register the test platform with its deployment; return the platform's id."""
    with app.app_context():
        return platforms.add_platform(
            platforms.PlatformSettings(
                name=name,
                issuer=lms.issuer,
                client_id=lms.client_id,
                auth_login_url=lms.auth_login_url,
                auth_token_url=lms.auth_token_url,
                key_set_url=lms.key_set_url,
                deployment_ids=[lms.deployment_id],
            )
        ).id


def map_course(
    app,
    lms: Platform,
    platform_id: int,
    course_id: int | None,
    context: str = "course-1",
    title: str = "Science Policy",
    memberships_url: str | None = "",
) -> int:
    """Record an LMS course mapped to a class; return its id (what sync-roster takes).

    ``memberships_url`` "" means the platform's own NRPS address for the context.
    """
    if memberships_url == "":
        memberships_url = f"{lms.url}/nrps/{context}/memberships"
    with app.app_context():
        row = LtiContext(
            platform_id=platform_id,
            deployment_id=lms.deployment_id,
            context_id=context,
            title=title,
            course_id=course_id,
            memberships_url=memberships_url,
        )
        db.session.add(row)
        db.session.commit()
        return row.id


def member(user_id: str, name: str, roles="Learner", email: str | None = "") -> dict:
    """A roster entry as the platform takes it; email "" means user_id@example.org."""
    return {
        "user_id": user_id,
        "name": name,
        "email": f"{user_id}@example.org" if email == "" else email,
        "roles": roles,
    }


# A course's roster: three students (one without an email) and its teacher.
CLASS_ROSTER = [
    member("u-ana", "Ana Souza"),
    member("u-ben", "Ben Okafor"),
    member("u-cy", "Cy Tran", email=None),
    member("u-prof", "Prof Ada", roles="Instructor"),
]


class World:
    """The test platform registered, an instructor's class and the LMS course mapped to it."""

    def __init__(self, app, lms: Platform, names=(), teacher="prof"):
        self.app = app
        self.lms = lms
        self.platform_id = register(app, lms)
        self.class_id, self.students = class_with_students(app, names=names, teacher=teacher)
        self.course = map_course(app, lms, self.platform_id, self.class_id)

    def platform(self) -> LtiPlatform:
        return db.session.get_one(LtiPlatform, self.platform_id)

    def teacher_client(self, username: str = "prof"):
        client = self.app.test_client()
        Auth(client).login(username)
        return client
