"""Grades back to the LMS (LTI Assignment and Grade Services), on both backends, through the
test platform in its own process over HTTP: the outbox written with each grade change, the
sender's posts, retries with growing waits while the platform is down, the instructor's
*LMS grade sync* section with its resend buttons, and ``quizapp lti send-scores``.

The launch that maps LMS users, courses and links is another module's: the rows it would
make (deployment, context, link, identities) are made here directly.
"""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
import requests
from sqlalchemy import func, select

from quizapp import clock
from quizapp.accounts.users import create_user
from quizapp.extensions import db
from quizapp.learning import assigned, attempts
from quizapp.lti import platforms, scores, sender
from quizapp.lti.platforms import PlatformSettings
from quizapp.models import Assignment, Attempt, LtiContext, LtiIdentity, LtiLink, LtiScore
from quizapp.teaching import assignments, classes
from quizapp.teaching.assignments import Settings
from tests.conftest import Auth, csrf_from
from tests.quizhelp import right_values

BIG = "sample-big-science"  # three questions of one point each
CONTEXT = "course-1"
LINK = "course-1-link-7"


@dataclass
class Lms:
    """The test platform registered in the app, and the class and assignment it shows."""

    platform: object  # tests.lti.platform.Platform
    platform_id: int
    course_id: int
    assignment_id: int
    students: dict[str, int]  # username -> user id
    link_id: int


def _attach(app, platform, platform_id: int, course_id: int, assignment_id: int, link: str):
    """Make the context and link rows a launch would make; return the link's id."""
    with app.app_context():
        context = db.session.scalar(
            select(LtiContext).where(
                LtiContext.platform_id == platform_id, LtiContext.context_id == CONTEXT
            )
        )
        if context is None:
            context = LtiContext(
                platform_id=platform_id,
                deployment_id=platform.deployment_id,
                context_id=CONTEXT,
                title="Science Policy",
                course_id=course_id,
                lineitems_url=f"{platform.url}/ags/{CONTEXT}/lineitems",
            )
            db.session.add(context)
            db.session.flush()
        made = LtiLink(context_id=context.id, resource_link_id=link, assignment_id=assignment_id)
        db.session.add(made)
        db.session.commit()
        return made.id


@pytest.fixture
def lms(app, lti_platform) -> Lms:
    """The platform registered, a class of ana, ben and cal (ana and ben known to the LMS),
    a nine-point assignment of the three-question bank, placed in the LMS course as a link."""
    with app.app_context():
        platform_id = platforms.add_platform(
            PlatformSettings(
                name="Test LMS",
                issuer=lti_platform.issuer,
                client_id=lti_platform.client_id,
                auth_login_url=lti_platform.auth_login_url,
                auth_token_url=lti_platform.auth_token_url,
                key_set_url=lti_platform.key_set_url,
                deployment_ids=[lti_platform.deployment_id],
            )
        ).id
        teacher = create_user("prof", Auth.PASSWORD, role="instructor")
        db.session.commit()
        course = classes.create_course(teacher.id, "Policy 101")
        students = {}
        for name in ("ana", "ben", "cal"):
            user = create_user(name, Auth.PASSWORD, full_name=f"{name.title()} Student")
            db.session.commit()
            classes.join_course(user.id, course.join_code)
            students[name] = user.id
        for name in ("ana", "ben"):
            db.session.add(
                LtiIdentity(platform_id=platform_id, subject=f"lms-{name}", user_id=students[name])
            )
        db.session.commit()
    with app.test_request_context():
        made = assignments.create(
            course.id, Settings(title="Week 1 quiz", draw=[(BIG, 3)], points=9.0)
        )
    link_id = _attach(app, lti_platform, platform_id, course.id, made.id, LINK)
    return Lms(lti_platform, platform_id, course.id, made.id, students, link_id)


def take(app, lms: Lms, name: str, right: int, finish: bool = True) -> int:
    """Start an attempt as a student, answer ``right`` questions rightly, finish; its id."""
    with app.test_request_context():
        found = db.session.get(Assignment, lms.assignment_id)
        started = assigned.start(found, lms.students[name])
        assert started.attempt is not None, started.refusal
        attempt = started.attempt
        for position in range(right):
            attempts.submit_answer(attempt, position, right_values(attempt, position), None)
        if finish:
            attempts.finish_attempt(attempt)
        return attempt.id


def send(app, now: datetime | None = None) -> sender.Report:
    with app.app_context():
        return sender.send_due(now=now)


def posted(lms: Lms, subject: str | None = None) -> list[dict]:
    """Return the scores the platform received (of one LMS user), oldest first."""
    found = [entry["score"] for entry in lms.platform.scores()]
    return [s for s in found if subject is None or s["userId"] == subject]


def row(app, lms: Lms, name: str) -> LtiScore:
    with app.app_context():
        found = db.session.scalar(
            select(LtiScore).where(
                LtiScore.link_id == lms.link_id, LtiScore.user_id == lms.students[name]
            )
        )
        assert found is not None
        db.session.expunge(found)
        return found


def test_a_finished_attempt_sends_the_grade_to_the_lms(app, lms):
    take(app, lms, "ana", right=2)
    report = send(app)
    assert [d.row.username for d in report.sent] == ["ana"] and not report.failed
    (score,) = posted(lms)
    assert score["userId"] == "lms-ana"
    assert score["scoreGiven"] == 6.0  # 2 of 3 right, out of 9 points
    assert score["scoreMaximum"] == 9.0
    assert score["activityProgress"] == "Completed"
    assert score["gradingProgress"] == "FullyGraded"
    stored = row(app, lms, "ana")
    assert score["timestamp"] == stored.changed_at.isoformat() + "+00:00"
    assert (stored.sent_version, stored.version, stored.tries) == (1, 1, 0)
    # The link had no line item: one was made for it with the assignment's title and points.
    (item,) = lms.platform.lineitems()[CONTEXT].values()
    assert item["resourceLinkId"] == LINK
    assert item["label"] == "Week 1 quiz"
    assert item["scoreMaximum"] == 9.0
    with app.app_context():
        assert db.session.get(LtiLink, lms.link_id).lineitem_url == item["id"]
