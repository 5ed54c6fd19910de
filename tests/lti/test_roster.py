"""Roster sync through NRPS against the test platform over HTTP, on both backends: accounts,
identities and class memberships made once, students who left kept and counted, teachers never
made students, every page read, and each failure a RosterError that writes nothing."""

import re

import pytest
from sqlalchemy import func, select

from quizapp.db.transactions import unit_of_work
from quizapp.extensions import db
from quizapp.lti import people, roster
from quizapp.lti.roster import Report, RosterError
from quizapp.models import LtiContext, LtiIdentity, Membership, User
from tests.conftest import Auth
from tests.factories import make_user
from tests.lti.lms_course import CLASS_ROSTER, World, map_course, member, register


@pytest.fixture
def world(app, lti_platform):
    lms_world = World(app, lti_platform)
    lti_platform.set_members("course-1", CLASS_ROSTER)
    return lms_world


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def _class_members(course_id: int) -> dict[str, str]:
    """Return the class's members as {username: role}."""
    rows = db.session.execute(
        select(User.username, User.role)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.course_id == course_id)
    )
    return {username: role for username, role in rows}


def _account(subject: str) -> User | None:
    return db.session.scalar(
        select(User)
        .join(LtiIdentity, LtiIdentity.user_id == User.id)
        .where(LtiIdentity.subject == subject)
    )


def test_sync_makes_accounts_identities_and_class_memberships(app, world, lti_platform):
    with app.app_context():
        report = roster.sync(world.course)
        assert report == Report(added=3, already=0, left=0, instructors=1, skipped=0)
        assert str(report) == (
            "3 added, 0 already in the class, 0 no longer in the LMS course, "
            "1 teaching (not made students)"
        )
        assert _class_members(world.class_id) == {
            "u-ana": "student",
            "u-ben": "student",
            "cy.tran": "student",
        }
        ana = _account("u-ana")
        assert (ana.full_name, ana.email, ana.role) == ("Ana Souza", "u-ana@example.org", "student")
        assert _account("u-cy").email is None
        teacher = _account("u-prof")
        assert teacher.role == "instructor"
        identities = db.session.scalars(select(LtiIdentity)).all()
        assert {i.subject for i in identities} == {"u-ana", "u-ben", "u-cy", "u-prof"}
        assert all(i.launched_at is None for i in identities)  # none of them launched
        assert db.session.get_one(LtiContext, world.course).roster_synced_at is not None
    asked = lti_platform.requests()
    assert asked["token"] == 1
    assert asked["nrps"] == 1


def test_sync_again_changes_nothing(app, world):
    with app.app_context():
        roster.sync(world.course)
        counts = (_count(User), _count(LtiIdentity), _count(Membership))
        again = roster.sync(world.course)
        assert again == Report(added=0, already=3, left=0, instructors=1)
        assert (_count(User), _count(LtiIdentity), _count(Membership)) == counts


def test_a_member_who_left_the_lms_course_stays_in_the_class_and_is_counted(
    app, world, lti_platform
):
    with app.app_context():
        roster.sync(world.course)
        lti_platform.set_members(
            "course-1",
            [
                member("u-ana", "Ana Souza"),
                # A suspended enrolment is listed, inactive: no longer in the course either.
                {**member("u-cy", "Cy Tran"), "status": "Inactive"},
                member("u-dee", "Dee Park"),
            ],
        )
        report = roster.sync(world.course)
        assert report == Report(added=1, already=1, left=2, skipped=1)
        assert "2 no longer in the LMS course" in str(report)
        # Nothing is lost: Ben and Cy are still in the class, with their accounts.
        assert set(_class_members(world.class_id)) == {"u-ana", "u-ben", "cy.tran", "u-dee"}


def test_students_who_joined_with_the_code_are_not_counted_as_gone(app, lti_platform):
    world = World(app, lti_platform, names=("joined-by-code",))
    lti_platform.set_members("course-1", [member("u-ana", "Ana Souza")])
    with app.app_context():
        report = roster.sync(world.course)
        assert (report.added, report.left) == (1, 0)
        assert set(_class_members(world.class_id)) == {"joined-by-code", "u-ana"}


def test_teachers_on_the_roster_are_never_class_students(app, world, lti_platform):
    make_user(app, "helper", "instructor")
    with app.app_context():
        # A quizapp instructor already known as a learner of this course stays a teacher.
        with unit_of_work() as session:
            platform = world.platform()
            helper = db.session.scalar(select(User).where(User.username == "helper"))
            session.add(LtiIdentity(platform_id=platform.id, subject="u-helper", user_id=helper.id))
        lti_platform.set_members(
            "course-1",
            [
                member("u-helper", "Helper", roles="Learner"),
                member("u-ta", "Tia Assistant", roles="TeachingAssistant"),
                member("u-watch", "Parent", roles="Mentor"),
            ],
        )
        report = roster.sync(world.course)
        assert report == Report(added=0, already=0, left=0, instructors=2, skipped=1)
        assert _class_members(world.class_id) == {}
        assert _account("u-helper").role == "instructor"
        assert _account("u-ta").role == "instructor"
        assert _account("u-watch") is None  # a mentor gets no account


def test_a_student_who_becomes_an_instructor_leaves_the_gradebook(app, world, lti_platform):
    with app.app_context():
        roster.sync(world.course)
        lti_platform.set_members(
            "course-1", [*CLASS_ROSTER[1:3], member("u-ana", "Ana Souza", roles="Instructor")]
        )
        report = roster.sync(world.course)
        assert report == Report(added=0, already=2, left=0, instructors=1)
        assert _account("u-ana").role == "instructor"
        # Still a member (nothing is removed), but no longer a student of the class.
        assert _class_members(world.class_id)["u-ana"] == "instructor"


def test_a_student_launching_later_signs_in_as_the_account_the_roster_made(app, world):
    with app.app_context():
        roster.sync(world.course)
        made = _account("u-ben")
        with unit_of_work() as session:
            launched = people.member_account(
                session,
                world.platform(),
                "u-ben",
                name="Ben Okafor",
                email="u-ben@example.org",
                roles=["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"],
                launched=True,
            )
            joined = people.join_class(session, world.class_id, launched)
        assert launched.id == made.id
        assert joined is False  # the roster put him in already
        identity = db.session.scalar(select(LtiIdentity).where(LtiIdentity.subject == "u-ben"))
        assert identity.launched_at is not None
        assert _count(LtiIdentity) == 4


def test_every_page_of_the_roster_is_read(app, lti_platform):
    world = World(app, lti_platform)
    with app.app_context():
        paged = map_course(
            app,
            lti_platform,
            world.platform_id,
            world.class_id,
            context="course-big",
            memberships_url=f"{lti_platform.url}/nrps/course-big/memberships?limit=2",
        )
    lti_platform.set_members("course-big", [member(f"u-{n}", f"Student {n}") for n in range(5)])
    with app.app_context():
        members = roster.fetch(db.session.get_one(LtiContext, paged))
        assert [m.subject for m in members] == [f"u-{n}" for n in range(5)]
        assert roster.sync(paged).added == 5
    # Three pages for each of fetch and sync; one token each (pylti1p3 keeps it for the pages).
    assert lti_platform.requests()["nrps"] == 6
    assert lti_platform.requests()["token"] == 2


def test_members_who_never_launched_are_in_the_gradebook(app, world):
    with app.app_context():
        roster.sync(world.course)
    teacher = world.teacher_client()
    page = teacher.get(f"/teach/classes/{world.class_id}").get_data(as_text=True)
    names = re.findall(r'<th scope="row"><a href="[^"]+">([^<]+)</a>', page)
    assert {"Ana Souza", "Ben Okafor", "Cy Tran"} <= set(names)
    assert "Prof Ada" not in names


def _nothing_written(world) -> None:
    assert _count(User) == 1  # the class's instructor only
    assert _count(LtiIdentity) == 0
    assert _class_members(world.class_id) == {}
    assert db.session.get_one(LtiContext, world.course).roster_synced_at is None


def test_a_platform_that_is_down_raises_a_roster_error_and_nothing_is_written(
    app, world, lti_platform
):
    lti_platform.stop()
    with app.app_context():
        with pytest.raises(RosterError) as caught:
            roster.sync(world.course)
        host = lti_platform.url.removeprefix("http://")
        assert str(caught.value) == (
            f"Could not reach Moodle at {host}: it may be down. Try again later."
        )
        _nothing_written(world)


def test_a_refused_token_raises_a_roster_error_naming_what_to_check(app, lti_platform):
    world = World(app, lti_platform)
    with app.app_context():
        # The same platform under a client id it never gave quizapp: its token endpoint refuses.
        with unit_of_work():
            world.platform().client_id = "not-quizapp"
        lti_platform.set_members("course-1", CLASS_ROSTER)
        with pytest.raises(RosterError, match="refused quizapp's request for a roster token"):
            roster.sync(world.course)
        _nothing_written(world)


def test_a_refused_roster_request_says_so(app, lti_platform):
    world = World(app, lti_platform)
    with app.app_context():
        # An address of the platform that is no roster: the platform answers 404.
        with unit_of_work():
            context = db.session.get_one(LtiContext, world.course)
            context.memberships_url = f"{lti_platform.url}/nrps/course-1/elsewhere"
        with pytest.raises(RosterError, match=r"could not give the roster of Science Policy"):
            roster.sync(world.course)
        _nothing_written(world)


def test_a_course_without_nrps_raises_a_roster_error(app, lti_platform):
    world = World(app, lti_platform)
    with app.app_context():
        course = map_course(
            app, lti_platform, world.platform_id, world.class_id, "course-2", memberships_url=None
        )
        with pytest.raises(RosterError, match="Moodle offers no roster for Science Policy"):
            roster.sync(course)
    assert lti_platform.requests().get("token", 0) == 0


def test_a_course_without_a_class_or_unknown_raises_a_roster_error(app, lti_platform):
    platform_id = register(app, lti_platform)
    unmapped = map_course(app, lti_platform, platform_id, None, title="Orphans")
    with app.app_context():
        with pytest.raises(RosterError, match="Orphans has no quizapp class yet"):
            roster.sync(unmapped)
        with pytest.raises(RosterError, match="There is no LMS course with id 999"):
            roster.sync(999)
    assert lti_platform.requests().get("nrps", 0) == 0


def test_a_roster_account_can_get_a_password_only_through_a_link(app, world):
    with app.app_context():
        roster.sync(world.course)
        from quizapp.accounts.users import authenticate

        ana = _account("u-ana")
        assert ana.password_hash.startswith(people.UNUSABLE_PREFIX)
        assert authenticate("u-ana", ana.password_hash) is None
        assert authenticate("u-ana", "") is None
    assert Auth(world.teacher_client()).login("u-ana").status_code != 303
