"""LMS users as accounts: LIS roles mapped (pure), usernames made (pure), and on both backends
accounts found or made, refreshed, promoted but never demoted, and students put in classes."""

import threading
import time
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select, text

from quizapp.accounts.users import authenticate
from quizapp.db.transactions import unit_of_work
from quizapp.extensions import db
from quizapp.lti import people, platforms
from quizapp.lti.people import role_of, username_base
from quizapp.models import LtiIdentity, LtiPlatform, Membership, User
from tests.factories import class_with_students, frozen_clock, make_user

LIS = "http://purl.imsglobal.org/vocab/lis/v2/"
CONTEXT = LIS + "membership#"
INSTITUTION = LIS + "institution/person#"
SYSTEM = LIS + "system/person#"


@pytest.mark.parametrize(
    ("roles", "role"),
    [
        ([CONTEXT + "Learner"], "student"),
        ([CONTEXT + "Instructor"], "instructor"),
        ([CONTEXT + "ContentDeveloper"], "instructor"),
        ([CONTEXT + "Administrator"], "instructor"),
        (["Learner"], "student"),  # the short form LTI 1.3 still allows
        (["Instructor"], "instructor"),
        ([LIS + "membership/Instructor#TeachingAssistant"], "instructor"),  # a sub-role
        ([CONTEXT + "Instructor#TeachingAssistant"], "instructor"),  # as some platforms write it
        ([LIS + "membership/Learner#NonCreditLearner"], "student"),
        (["urn:lti:role:ims/lis/Instructor/TeachingAssistant"], "instructor"),  # LTI 1.1
        (["urn:lti:role:ims/lis/Learner"], "student"),
        ([CONTEXT + "Learner", CONTEXT + "Instructor"], "instructor"),  # the higher one
        ([CONTEXT + "Mentor"], None),
        ([CONTEXT + "Mentor", INSTITUTION + "Instructor"], None),  # this course says mentor
        ([CONTEXT + "Learner", INSTITUTION + "Instructor"], "student"),
        ([INSTITUTION + "Instructor"], "instructor"),  # no context role: the school's
        ([INSTITUTION + "Student"], "student"),
        ([INSTITUTION + "Administrator", SYSTEM + "Administrator"], "instructor"),
        ([SYSTEM + "Administrator"], "instructor"),
        ([INSTITUTION + "Staff"], None),
        ([], None),
        ([""], None),
        (["https://example.org/roles#Instructor"], None),  # another vocabulary
        ([LIS + "membershipX#Instructor"], None),
        (CONTEXT + "Instructor", "instructor"),  # one role, not in a list
        ("Mentor", None),
    ],
)
def test_role_of_maps_lis_roles(roles, role):
    assert role_of(roles) == role


def test_role_of_never_gives_admin():
    every = [CONTEXT + r for r in ("Administrator", "Instructor", "Learner")] + [
        SYSTEM + "SysAdmin",
        INSTITUTION + "Administrator",
    ]
    assert role_of(every) == "instructor"


@pytest.mark.parametrize(
    ("email", "name", "base"),
    [
        ("ana.souza@example.org", "Ana Souza", "ana.souza"),
        (None, "Ana Souza", "ana.souza"),
        ("Ünal.Öz@example.org", None, "unal.oz"),
        ("-=sum@example.org", None, "sum"),  # a spreadsheet formula at the start is refused
        ("al@example.org", None, "al-lms"),  # three characters at least
        (None, "李雷", "lms-user"),  # nothing left in ASCII
        (None, None, "lms-user"),
        ("x" * 80 + "@example.org", None, "x" * 56),
    ],
)
def test_username_base(email, name, base):
    assert username_base(email, name) == base


@pytest.fixture
def moodle(app) -> int:
    with app.app_context():
        return platforms.add_platform(
            platforms.PlatformSettings(
                name="Moodle",
                issuer="https://moodle.example.edu",
                client_id="abc",
                auth_login_url="https://moodle.example.edu/mod/lti/auth.php",
                auth_token_url="https://moodle.example.edu/mod/lti/token.php",
                key_set_url="https://moodle.example.edu/mod/lti/certs.php",
                deployment_ids=["1"],
            )
        ).id


def _account(platform_id, subject, *, roles=("Learner",), launched=False, **claims) -> User:
    claims.setdefault("name", None)
    claims.setdefault("email", None)
    with unit_of_work() as session:
        platform = session.get_one(LtiPlatform, platform_id)
        return people.member_account(
            session, platform, subject, roles=roles, launched=launched, **claims
        )


def _identity(subject) -> LtiIdentity:
    return db.session.scalar(select(LtiIdentity).where(LtiIdentity.subject == subject))


def test_a_new_lms_user_gets_an_account_without_a_usable_password(app, moodle):
    with app.app_context():
        user = _account(moodle, "42", name=" Ana  Souza ", email="Ana.Souza@example.org")
        assert (user.username, user.email, user.full_name) == (
            "ana.souza",
            "Ana.Souza@example.org",  # kept as sent: Moodle matches emails exactly
            "Ana Souza",
        )
        assert user.role == "student"
        assert user.password_hash.startswith(people.UNUSABLE_PREFIX)
        assert authenticate("ana.souza", user.password_hash) is None
        identity = _identity("42")
        assert (identity.platform_id, identity.user_id) == (moodle, user.id)
        assert identity.launched_at is None
        assert identity.linked_at is None


def test_the_same_lms_user_is_the_same_account(app, moodle):
    with app.app_context():
        first = _account(moodle, "42", name="Ana Souza", email="ana@example.org")
        again = _account(moodle, "42", name="Ana Souza", email="ana@example.org")
        assert again.id == first.id
        assert db.session.scalar(select(func.count()).select_from(LtiIdentity)) == 1


def test_usernames_are_made_unique(app, moodle):
    make_user(app, "ana")
    with app.app_context():
        made = [_account(moodle, f"s{n}", email=f"ana@school{n}.example") for n in range(3)]
        assert [u.username for u in made] == ["ana-2", "ana-3", "ana-4"]


def test_an_email_another_account_has_is_not_taken(app, moodle):
    make_user(app, "ana", email="ana@example.org")
    with app.app_context():
        user = _account(moodle, "42", name="Ana", email="ANA@example.org")
        assert user.email is None
        assert user.username == "ana-2"
        # Nor later, when the LMS sends it again.
        assert _account(moodle, "42", name="Ana", email="ana@example.org").email is None


def test_a_bad_email_is_left_out(app, moodle):
    with app.app_context():
        user = _account(moodle, "42", name="Ana Souza", email="=HYPERLINK(1)@x.org")
        assert (user.email, user.username) == (None, "ana.souza")


def test_name_and_email_follow_the_lms(app, moodle):
    with app.app_context():
        _account(moodle, "42", name="Ana Souza", email="ana@example.org")
        user = _account(moodle, "42", name="Ana Souza-Lima", email="ana.lima@example.org")
        assert (user.full_name, user.email) == ("Ana Souza-Lima", "ana.lima@example.org")
        # A launch without the claims (the LMS's privacy settings) keeps what is known.
        user = _account(moodle, "42")
        assert (user.full_name, user.email) == ("Ana Souza-Lima", "ana.lima@example.org")
        assert user.username == "ana"  # the username stays


def test_launched_is_recorded_once(app, moodle, monkeypatch):
    start = datetime(2026, 9, 1, 9, 0)
    now = frozen_clock(monkeypatch, start)
    with app.app_context():
        _account(moodle, "42")
        assert _identity("42").launched_at is None
        _account(moodle, "42", launched=True)
        now["now"] = start + timedelta(days=3)
        _account(moodle, "42", launched=True)
        assert _identity("42").launched_at == start


def test_the_lms_instructor_role_promotes_a_student(app, moodle):
    with app.app_context():
        assert _account(moodle, "42").role == "student"
        assert _account(moodle, "42", roles=[CONTEXT + "Instructor"]).role == "instructor"


@pytest.mark.parametrize("role", ["instructor", "admin"])
def test_nothing_the_lms_says_demotes(app, moodle, role):
    make_user(app, "teacher", role)
    with app.app_context():
        teacher = db.session.scalar(select(User).where(User.username == "teacher"))
        with unit_of_work() as session:
            session.add(LtiIdentity(platform_id=moodle, subject="t-1", user_id=teacher.id))
        for roles in ([CONTEXT + "Learner"], [CONTEXT + "Mentor"], []):
            assert _account(moodle, "t-1", roles=roles).role == role
        # Nor does an LMS instructor become quizapp's admin.
        assert _account(moodle, "new", roles=[CONTEXT + "Instructor"]).role == "instructor"


def test_an_lms_user_without_a_role_we_take_is_a_student_account(app, moodle):
    with app.app_context():
        assert _account(moodle, "42", roles=[CONTEXT + "Mentor"]).role == "student"


def test_join_class_takes_students_once_and_never_instructors(app, moodle):
    class_id, _ = class_with_students(app, names=())
    with app.app_context():
        student = _account(moodle, "s")
        teacher = _account(moodle, "t", roles=["Instructor"])
        with unit_of_work() as session:
            assert people.join_class(session, class_id, student) is True
            assert people.join_class(session, class_id, student) is False
            assert people.join_class(session, class_id, teacher) is False
        members = db.session.scalars(
            select(Membership.user_id).where(Membership.course_id == class_id)
        ).all()
        assert members == [student.id]


def test_identities_of_two_platforms_are_two_accounts(app, moodle):
    with app.app_context():
        other = platforms.add_platform(
            platforms.PlatformSettings(
                name="Canvas",
                issuer="https://canvas.instructure.com",
                client_id="1000",
                auth_login_url="https://sso.canvaslms.com/api/lti/authorize_redirect",
                auth_token_url="https://school.instructure.com/login/oauth2/token",
                key_set_url="https://sso.canvaslms.com/api/lti/security/jwks",
                deployment_ids=["1"],
            )
        ).id
        assert _account(moodle, "42").id != _account(other, "42").id


def test_two_first_launches_at_once_make_one_account(app, moodle):
    """PostgreSQL only: SQLite queues writers, so the second never starts before the first ends."""
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("SQLite writers take turns: the race cannot happen")
    inside, release = threading.Event(), threading.Event()
    made: dict[str, int] = {}

    def first():
        with app.app_context(), unit_of_work() as session:
            platform = session.get_one(LtiPlatform, moodle)
            user = people.member_account(
                session, platform, "s-race", name="Ra Ce", email="race@example.org",
                roles=["Learner"], launched=True,
            )  # fmt: skip
            made["first"] = user.id
            inside.set()
            assert release.wait(20)

    thread = threading.Thread(target=first)
    thread.start()
    assert inside.wait(20)

    def second():
        with app.app_context():
            made["second"] = _account(moodle, "s-race", name="Ra Ce", email="race@example.org").id

    other = threading.Thread(target=second)
    other.start()
    # The second waits on the first's uncommitted username (or identity) until it commits.
    deadline = time.monotonic() + 10
    while not _waiting_on_a_lock(app):
        assert time.monotonic() < deadline, "the second launch never waited on the first"
        time.sleep(0.02)
    release.set()
    thread.join(20)
    other.join(20)
    assert made["first"] == made["second"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(LtiIdentity)) == 1
        assert db.session.scalar(select(func.count()).where(User.username.like("ra%"))) == 1


def _waiting_on_a_lock(app) -> bool:
    with app.app_context(), db.engine.connect() as conn:
        return bool(
            conn.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
            )
        )
