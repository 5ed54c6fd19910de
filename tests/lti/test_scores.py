"""Grades back to the LMS (LTI Assignment and Grade Services), on both backends, through the
test platform in its own process over HTTP: the outbox written with each grade change, the
sender's posts, retries with growing waits while the platform is down, the instructor's
*LMS grade sync* section with its resend buttons, and ``quizapp lti send-scores``.

The launch that maps LMS users, courses and links is another module's: the rows it would
make (deployment, context, link, identities) are made here directly.
"""

import os
import re
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

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


def test_the_grade_is_recorded_with_the_finish_and_only_for_students_the_lms_knows(app, lms):
    take(app, lms, "ana", right=1, finish=False)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(LtiScore)) == 0
    take(app, lms, "cal", right=3)  # cal never launched from the LMS: no LMS account
    with app.test_request_context():  # an instructor's preview never counts
        found = db.session.get(Assignment, lms.assignment_id)
        preview = assigned.start(found, lms.students["ben"], preview=True).attempt
        attempts.finish_attempt(preview)
        practice = attempts.start_attempt(lms.students["ben"], BIG)  # practice: no assignment
        attempts.finish_attempt(practice)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(LtiScore)) == 0
    with app.test_request_context():
        open_attempt = db.session.scalar(
            select(Attempt).where(
                Attempt.user_id == lms.students["ana"], Attempt.finished_at.is_(None)
            )
        )
        attempts.finish_attempt(open_attempt)
    stored = row(app, lms, "ana")
    assert (stored.score_given, stored.score_maximum) == (3.0, 9.0)
    assert (stored.activity_progress, stored.grading_progress) == ("Completed", "FullyGraded")
    assert (stored.version, stored.sent_version) == (1, 0)


def test_two_sends_in_a_row_post_nothing_new(app, lms):
    take(app, lms, "ana", right=3)
    take(app, lms, "ben", right=0)
    first = send(app)
    assert sorted(d.row.username for d in first.sent) == ["ana", "ben"]
    counts = lms.platform.requests()
    again = send(app)
    assert len(again) == 0
    assert lms.platform.requests() == counts  # not even a token request
    assert [(s["userId"], s["scoreGiven"]) for s in posted(lms)] == [
        ("lms-ana", 9.0),
        ("lms-ben", 0.0),
    ]


def test_an_unchanged_grade_makes_no_new_version(app, lms):
    take(app, lms, "ana", right=2)
    send(app)
    take(app, lms, "ana", right=1)  # best of 2/3 and 1/3: still 2/3
    assert row(app, lms, "ana").version == 1
    assert len(send(app)) == 0
    assert len(posted(lms, "lms-ana")) == 1


def _change(app, lms: Lms, **changes) -> None:
    with app.test_request_context():
        found = db.session.get(Assignment, lms.assignment_id)
        settings = Settings.of(found)
        for name, value in changes.items():
            setattr(settings, name, value)
        assignments.change(found, settings)


def test_a_points_or_policy_change_sends_the_new_grade(app, lms):
    take(app, lms, "ana", right=2)
    take(app, lms, "ana", right=1)
    take(app, lms, "ben", right=1, finish=False)  # ben has started only
    send(app)
    assert [s["scoreGiven"] for s in posted(lms, "lms-ana")] == [6.0]

    _change(app, lms, points=12.0)
    assert row(app, lms, "ana").version == 2
    # ben's open attempt is no grade yet: Started, nothing given, and it goes too
    ben = row(app, lms, "ben")
    assert (ben.score_given, ben.activity_progress, ben.grading_progress) == (
        None,
        "Started",
        "NotReady",
    )
    send(app)
    latest = posted(lms, "lms-ana")[-1]
    assert (latest["scoreGiven"], latest["scoreMaximum"]) == (8.0, 12.0)
    (ben_score,) = posted(lms, "lms-ben")
    assert "scoreGiven" not in ben_score and ben_score["activityProgress"] == "Started"

    _change(app, lms, score_policy="latest")  # the 1/3 attempt finished last
    send(app)
    assert [s["scoreGiven"] for s in posted(lms, "lms-ana")] == [6.0, 8.0, 4.0]
    timestamps = [s["timestamp"] for s in posted(lms, "lms-ana")]
    assert timestamps == sorted(timestamps) and len(set(timestamps)) == 3

    _change(app, lms, title="Week 1 quiz (renamed)")  # no grade changed: nothing to send
    assert len(send(app)) == 0


def test_a_session_holding_an_old_copy_of_the_row_still_makes_a_new_version(app, lms):
    take(app, lms, "ana", right=2)
    with app.test_request_context():  # one request's session, across its transactions
        kept = db.session.scalar(select(LtiScore))  # loaded, and kept in the identity map
        assert kept.version == 1
        db.session.commit()
        other = threading.Thread(target=_change, args=(app, lms), kwargs={"points": 12.0})
        other.start()  # another request, on its own session: version 2
        other.join(30)
        found = db.session.get(Assignment, lms.assignment_id)
        settings = Settings.of(found)
        settings.points = 15.0
        assignments.change(found, settings)
    stored = row(app, lms, "ana")
    assert (stored.version, stored.score_given, stored.score_maximum) == (3, 10.0, 15.0)


def test_a_timed_out_attempt_finished_later_sends_its_grade(app, lms, monkeypatch):
    _change(app, lms, time_limit=10)
    start = clock.now()
    take(app, lms, "ana", right=2, finish=False)
    monkeypatch.setattr(clock, "now", lambda: start + timedelta(hours=1))
    with app.test_request_context():
        assert assigned.finish_overdue([lms.assignment_id]) == 1
    send(app)
    (score,) = posted(lms, "lms-ana")
    assert (score["scoreGiven"], score["activityProgress"]) == (6.0, "Completed")


def test_a_platform_down_keeps_the_grade_failing_then_delivers_it_once(app, lms):
    lms.platform.stop()
    take(app, lms, "ana", right=3)
    before = clock.now()
    report = send(app)
    assert not report.sent
    (failed,) = report.failed
    assert failed.error == f"Could not reach the LMS at 127.0.0.1:{lms.platform.port}."
    stored = row(app, lms, "ana")
    assert (stored.tries, stored.sent_version, stored.version) == (1, 0, 1)
    assert stored.last_error == failed.error
    wait = stored.next_try_at - before
    assert timedelta(seconds=30) <= wait < timedelta(seconds=40)
    with app.app_context():
        (status,) = scores.sync_status(lms.assignment_id)
    assert (status.state, status.last_error) == ("Failing", failed.error)

    lms.platform.restart()
    assert len(send(app)) == 0  # not due yet: it waits out its 30 seconds
    assert posted(lms) == []
    report = send(app, now=stored.next_try_at)
    assert [d.row.username for d in report.sent] == ["ana"]
    stored = row(app, lms, "ana")
    assert (stored.tries, stored.last_error, stored.sent_version) == (0, None, 1)
    assert len(send(app, now=stored.next_try_at + timedelta(hours=7))) == 0
    assert [s["scoreGiven"] for s in posted(lms)] == [9.0]
    assert lms.platform.requests()["ags.scores"] == 1
    with app.app_context():
        (status,) = scores.sync_status(lms.assignment_id)
    assert status.state == "Sent"


def test_the_wait_after_each_failure_doubles_up_to_six_hours(app, lms):
    assert [sender.backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert sender.backoff(10) == timedelta(seconds=30 * 2**9)  # 4 h 16 min
    assert sender.backoff(11) == timedelta(hours=6) == sender.backoff(500)
    lms.platform.stop()
    take(app, lms, "ana", right=1)
    now, waits = clock.now(), []
    for _ in range(4):
        assert len(send(app, now=now).failed) == 1
        stored = row(app, lms, "ana")
        waits.append((stored.next_try_at - now).total_seconds())
        now = stored.next_try_at
    assert waits == [30, 60, 120, 240]
    assert row(app, lms, "ana").tries == 4


def test_a_refused_token_fails_with_the_lms_reason(app, lms):
    with app.app_context():
        platform = db.session.get(platforms.LtiPlatform, lms.platform_id)
        platform.client_id = "not-the-client"
        db.session.commit()
    take(app, lms, "ana", right=1)
    take(app, lms, "ben", right=1)
    report = send(app)
    assert len(report.failed) == 2 and not report.sent
    assert report.failed[0].error == (
        "The LMS refused quizapp's access token request (HTTP 401): "
        "the client assertion must be issued by quizapp-client."
    )
    # The platform refused the token once: ben's grade was not tried against it again.
    assert lms.platform.requests()["token"] == 1
    assert "ags" not in lms.platform.requests()


def test_an_answer_that_is_not_json_fails_with_a_reason(app, lms):
    with app.app_context():
        context = db.session.scalar(select(LtiContext))
        context.lineitems_url = lms.platform.tool_url + "/"  # a web page, not a service
        db.session.commit()
    take(app, lms, "ana", right=1)
    (failed,) = send(app).failed
    assert failed.error == "The LMS answered with something other than JSON."
    assert row(app, lms, "ana").tries == 1


def test_a_grade_changed_while_being_posted_is_sent_after_it(app, lms):
    take(app, lms, "ana", right=1)
    now = clock.now()
    with app.app_context():
        claimed, registrations = sender._claim(now, 10, None)
        assert [c.version for c in claimed] == [1]
        # Another process finds nothing to claim while this one posts.
        assert sender._claim(now, 10, None) == ([], {})
    take(app, lms, "ana", right=3)  # a new version while version 1 is in flight
    with app.app_context():
        done = sender._post_all(claimed, registrations)
        sender._record(done, now)
    stored = row(app, lms, "ana")
    assert (stored.sent_version, stored.version, stored.claimed_until) == (1, 2, None)
    send(app)
    assert [s["scoreGiven"] for s in posted(lms)] == [3.0, 9.0]
    assert row(app, lms, "ana").sent_version == 2


def test_senders_running_at_once_post_each_grade_once(app, lms):
    for name in ("ana", "ben"):
        take(app, lms, name, right=2)
    start = threading.Barrier(4)
    reports, errors = [], []

    def sending():
        try:
            with app.app_context():
                start.wait(10)
                reports.append(sender.send_due())
        except Exception as exc:  # re-raised below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=sending) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert sorted(d.row.username for r in reports for d in r.sent) == ["ana", "ben"]
    assert sorted(s["userId"] for s in posted(lms)) == ["lms-ana", "lms-ben"]


def test_a_lapsed_claim_is_taken_over_and_its_late_outcome_ignored(app, lms):
    take(app, lms, "ana", right=1)
    now = clock.now()
    with app.app_context():
        stale, registrations = sender._claim(now, 10, None)
    later = now + sender.LEASE + timedelta(seconds=1)  # the first sender died, say
    send(app, now=later)
    assert row(app, lms, "ana").sent_version == 1
    with app.app_context():
        failed = [sender.Delivery(c, "late failure") for c in stale]
        sender._record(failed, later)  # not its claim any more: changes nothing
    stored = row(app, lms, "ana")
    assert (stored.tries, stored.last_error, stored.sent_version) == (0, None, 1)
    assert len(posted(lms)) == 1


def test_resending_every_grade_catches_up_a_student_the_lms_learned_of_later(app, lms):
    take(app, lms, "cal", right=1)  # before cal ever launched: no LMS account to send to
    with app.app_context():
        db.session.add(
            LtiIdentity(platform_id=lms.platform_id, subject="lms-cal", user_id=lms.students["cal"])
        )
        db.session.commit()
    with app.test_request_context():
        assert len(sender.resend(lms.assignment_id, lms.students["ben"])) == 0  # never started
        report = sender.resend(lms.assignment_id)
    assert [d.row.username for d in report.sent] == ["cal"]
    assert [(s["userId"], s["scoreGiven"]) for s in posted(lms)] == [("lms-cal", 3.0)]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(LtiScore)) == 1


# The instructor's page


def _instructor(app):
    client = app.test_client()
    Auth(client).login("prof")
    return client


def _page(client, lms: Lms) -> str:
    url = f"/teach/classes/{lms.course_id}/assignments/{lms.assignment_id}"
    response = client.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _status_row(page: str, name: str) -> str:
    section = page.split('id="lms-grades"', 1)[1]
    rows = re.findall(r"<tr>(.*?)</tr>", section, re.S)
    found = next(r for r in rows if f'<th scope="row">{name}' in r)
    return " ".join(re.sub(r"<[^>]+>", " ", found).split())


def _resend_form(page: str, name: str) -> tuple[str, str]:
    """Return the action and CSRF token of the Resend button in a student's row."""
    section = page.split('id="lms-grades"', 1)[1]
    rows = re.findall(r"<tr>(.*?)</tr>", section, re.S)
    found = next(r for r in rows if f'<th scope="row">{name}' in r)
    action = re.search(r'<form method="post" action="([^"]+)"', found)[1]
    return action, csrf_from(found)


def test_the_assignment_page_shows_each_students_sync_and_resends(app, lms):
    client = _instructor(app)
    page = _page(client, lms)
    assert "LMS grade sync" in page and "No grade to send yet" in page

    lms.platform.stop()
    take(app, lms, "ana", right=2)
    take(app, lms, "ben", right=3)
    send(app)
    page = _page(client, lms)
    reason = f"Could not reach the LMS at 127.0.0.1:{lms.platform.port}."
    assert "Failing" in _status_row(page, "Ana Student")
    assert reason in _status_row(page, "Ana Student")
    assert "Tried 1 time; next try" in _status_row(page, "Ana Student")
    assert "6 / 9" in _status_row(page, "Ana Student")

    lms.platform.restart()
    action, token = _resend_form(page, "Ana Student")
    response = client.post(action, data={"csrf_token": token})
    assert response.status_code == 303 and response.location.endswith("#lms-grades")
    page = _page(client, lms)
    assert "The LMS took 1 grade." in page
    assert "6 / 9 Sent The LMS took it" in _status_row(page, "Ana Student")
    assert "Failing" in _status_row(page, "Ben Student")  # still waiting out its 30 s
    assert [s["userId"] for s in posted(lms)] == ["lms-ana"]

    # Every grade again: ben's is due at once, ana's (sent) goes again as the newest.
    token = csrf_from(page.split('id="lms-grades"', 1)[1])
    url = f"/teach/classes/{lms.course_id}/assignments/{lms.assignment_id}/lms-grades/resend"
    response = client.post(url, data={"csrf_token": token})
    assert response.status_code == 303
    page = _page(client, lms)
    assert "The LMS took 2 grades." in page
    assert "9 / 9 Sent" in _status_row(page, "Ben Student")
    assert [(s["userId"], s["scoreGiven"]) for s in posted(lms)] == [
        ("lms-ana", 6.0),
        ("lms-ana", 6.0),
        ("lms-ben", 9.0),
    ]
    first, second = (s["timestamp"] for s in posted(lms, "lms-ana"))
    assert second > first  # the LMS takes the resent grade as the newest


def test_resend_needs_the_forms_csrf_token(app, lms):
    take(app, lms, "ana", right=2)
    client = _instructor(app)
    url = f"/teach/classes/{lms.course_id}/assignments/{lms.assignment_id}/lms-grades/resend"
    assert client.post(url).status_code == 400
    assert posted(lms) == []


def test_a_resend_failing_says_the_lms_reason(app, lms):
    take(app, lms, "ana", right=2)
    lms.platform.stop()
    client = _instructor(app)
    page = _page(client, lms)
    action, token = _resend_form(page, "Ana Student")
    client.post(action, data={"csrf_token": token})
    page = _page(client, lms)
    assert "The LMS did not take 1 grade: Could not reach the LMS" in page
    assert "Failing" in _status_row(page, "Ana Student")


def test_a_resend_of_many_sends_some_before_the_page_answers(app, lms, monkeypatch):
    monkeypatch.setattr(sender, "RESEND_NOW", 1)
    take(app, lms, "ana", right=1)
    take(app, lms, "ben", right=2)
    client = _instructor(app)
    token = csrf_from(_page(client, lms).split('id="lms-grades"', 1)[1])
    url = f"/teach/classes/{lms.course_id}/assignments/{lms.assignment_id}/lms-grades/resend"
    client.post(url, data={"csrf_token": token}).close()  # closed: its after-response pass
    page = _page(client, lms)
    assert "The LMS took 1 grade." in page
    assert "1 more grade will be sent shortly, in the background." in page
    assert sorted(s["userId"] for s in posted(lms)) == ["lms-ana", "lms-ben"]


def test_the_section_shows_only_for_an_assignment_an_lms_shows(app, lms):
    with app.test_request_context():
        other = assignments.create(lms.course_id, Settings(title="Offline", draw=[(BIG, 1)]))
    client = _instructor(app)
    page = client.get(f"/teach/classes/{lms.course_id}/assignments/{other.id}")
    assert "LMS grade sync" not in page.get_data(as_text=True)


def test_finishing_through_the_pages_sends_the_grade_after_the_response(app, lms, live_server):
    with requests.Session() as http:
        login = http.get(f"{live_server}/auth/login")
        http.post(
            f"{live_server}/auth/login",
            data={
                "username": "ana",
                "password": Auth.PASSWORD,
                "csrf_token": csrf_from(login.text),
            },
        )
        quizzes = http.get(f"{live_server}/quizzes")
        started = http.post(
            f"{live_server}/assignments/{lms.assignment_id}/start",
            data={"csrf_token": csrf_from(quizzes.text)},
        )
        attempt_id = int(re.search(r"/attempts/(\d+)", started.url)[1])
        confirm = http.get(f"{live_server}/attempts/{attempt_id}/finish")
        finished = http.post(
            f"{live_server}/attempts/{attempt_id}/finish",
            data={"csrf_token": csrf_from(confirm.text)},
        )
        assert finished.status_code == 200 and "/results" in finished.url
    (score,) = posted(lms)
    assert (score["userId"], score["scoreGiven"], score["activityProgress"]) == (
        "lms-ana",
        0.0,
        "Completed",
    )
    assert row(app, lms, "ana").sent_version == 1


# The command line


def test_send_scores_reports_what_it_sent_and_what_failed(app, lms, runner):
    take(app, lms, "ana", right=2)
    result = runner.invoke(args=["lti", "send-scores"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "sent 1 grade; 0 failed"

    lms.platform.stop()
    _change(app, lms, points=18.0)
    result = runner.invoke(args=["lti", "send-scores"])
    assert result.exit_code == 0  # a failure is kept for later, not a misuse
    assert "sent 0 grades; 1 failed" in result.stdout
    assert re.search(
        r"failed: ana in 'Week 1 quiz' \(try 1, next try \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\): "
        r"Could not reach the LMS at 127\.0\.0\.1:\d+\.",
        result.stderr,
    ), result.stderr


def test_the_worker_sends_until_sigterm_stops_it(app, lms, database_url):
    take(app, lms, "ana", right=2)
    quizapp = Path(sys.executable).with_name("quizapp")
    env = dict(os.environ, DATABASE_URL=database_url, SECRET_KEY="worker-test")
    worker = subprocess.Popen(
        [str(quizapp), "lti", "send-scores", "--loop", "--interval", "1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while not posted(lms) and time.monotonic() < deadline and worker.poll() is None:
            time.sleep(0.2)
        assert [s["scoreGiven"] for s in posted(lms)] == [6.0]
        take(app, lms, "ben", right=3)  # the next pass, a second later, sends this one
        deadline = time.monotonic() + 30
        while len(posted(lms)) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        worker.send_signal(signal.SIGTERM)
        out, err = worker.communicate(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    assert worker.returncode == 0, err
    assert out.splitlines() == [
        "sending grades every 1 seconds; stop with Ctrl-C",
        "sent 1 grade; 0 failed",
        "sent 1 grade; 0 failed",
        "stopped",
    ]
    assert [s["userId"] for s in posted(lms)] == ["lms-ana", "lms-ben"]


def test_send_scores_refuses_an_interval_without_loop(app, runner):
    result = runner.invoke(args=["lti", "send-scores", "--interval", "5"])
    assert result.exit_code == 2
    assert "--interval applies to --loop only" in result.output
    result = runner.invoke(args=["lti", "send-scores", "--loop", "--interval", "0"])
    assert result.exit_code == 2


@pytest.mark.browser
def test_the_sync_section_has_no_serious_accessibility_issue(app, lms, browser, database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("page markup: checked on SQLite only")
    from tests.browser.forms import log_in
    from tests.browser.test_a11y import problems
    from tests.conftest import VIEWPORTS

    take(app, lms, "ana", right=2)
    send(app)
    lms.platform.stop()
    take(app, lms, "ben", right=1)
    send(app)  # ana Sent, ben Failing
    url = f"{lms.platform.tool_url}/teach/classes/{lms.course_id}/assignments/{lms.assignment_id}"
    found = {}
    for scheme in ("light", "dark"):
        context = browser.new_context(color_scheme=scheme)
        page = context.new_page()
        log_in(page, lms.platform.tool_url, "prof")
        for size, viewport in VIEWPORTS.items():
            page.set_viewport_size(viewport)
            page.goto(url + "#lms-grades")
            assert page.get_by_role("button", name="Resend Ben Student's grade").count() == 1
            if issues := problems(page):
                found[f"{scheme}, {size}"] = issues
        # The buttons are plain form posts (no script needed), answered with a redirect.
        page.get_by_role("button", name="Resend every grade").click()
        page.wait_for_url(re.compile(r"#lms-grades$"))
        assert page.get_by_text("The LMS did not take").count() == 1
        context.close()
    assert found == {}, "\n".join(f"{k}: {v}" for k, v in found.items())
