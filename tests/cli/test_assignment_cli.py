"""`quizapp assignment ...` on both backends: the form's rules, exit 2 and one line per problem
for bad input, dates on the class's clock, updates of only what is given, the JSON list."""

import json
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from quizapp.extensions import db
from quizapp.learning import assigned, attempts
from quizapp.models import Assignment, AssignmentOverride, Attempt
from quizapp.teaching import assignments
from tests.factories import class_with_students, frozen_clock
from tests.quizhelp import right_values

MON = datetime(2026, 9, 7, 9, 0)  # UTC; 10:00 in London (BST)
FRI = datetime(2026, 9, 11, 17, 0)
DRAW = ["--draw", "sample-big-science=2", "--draw", "sample-cross=1"]
WEEK_1 = [
    "--title", "Week 1", *DRAW, "--opens", "2026-09-07T10:00", "--closes", "2026-09-11T18:00",
    "--time-limit", "20", "--attempts", "2", "--feedback", "after-close",
]  # fmt: skip


def _week_1_but(change: list[str]) -> list[str]:
    """Week 1's options with some replaced (the last of an option wins; --draw adds up)."""
    base = [o for o in WEEK_1 if o not in DRAW] if "--draw" in change else WEEK_1
    return [*base, *change]


@pytest.fixture
def frozen(monkeypatch):
    return frozen_clock(monkeypatch, MON + timedelta(hours=1))


@pytest.fixture
def course(app):
    """A class in London with two students; returns (course id, {username: id})."""
    return class_with_students(app, timezone="Europe/London")


def _create(runner, course_id, *extra):
    return runner.invoke(args=["assignment", "create", "--class", str(course_id), *extra])


def _only(app) -> Assignment:
    with app.app_context():
        return db.session.scalars(select(Assignment)).one()


def test_create_stores_the_settings_with_dates_on_the_class_clock(app, runner, course, tmp_path):
    course_id, _ = course
    notes = tmp_path / "notes.md"
    notes.write_text("Read **section 2** first.\n", encoding="utf-8")
    result = _create(
        runner, course_id, *WEEK_1, "--tags", "facilities, collaboration", "--difficulty",
        "easy,medium", "--spread", "--policy", "latest", "--points", "25",
        "--instructions-file", str(notes),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    made = _only(app)
    assert result.stdout == f"created assignment {made.id}: 'Week 1' in Policy 101\n"
    assert made.course_id == course_id
    assert made.draw == [
        {"bank": "sample-big-science", "count": 2},
        {"bank": "sample-cross", "count": 1},
    ]
    assert made.opens_at == MON and made.closes_at == FRI  # London's 10:00 BST is 09:00 UTC
    assert (made.time_limit, made.attempts_allowed) == (20, 2)
    assert (made.score_policy, made.feedback, made.points) == ("latest", "after_close", 25.0)
    assert made.tags == ["collaboration", "facilities"]
    assert made.difficulties == ["easy", "medium"] and made.spread
    assert made.instructions == "Read **section 2** first.\n"
    assert made.feedback_from == FRI


def test_a_date_with_an_offset_or_z_is_taken_as_written(app, runner, course):
    course_id, _ = course
    dates = ["--opens", "2026-09-07T09:00Z", "--closes", "2026-09-11T19:00+02:00"]
    result = _create(runner, course_id, "--title", "Z", "--draw", "sample-cross=1", *dates)
    assert result.exit_code == 0, result.output
    made = _only(app)
    assert (made.opens_at, made.closes_at) == (MON, FRI)
    assert (made.time_limit, made.attempts_allowed, made.feedback) == (None, None, "immediately")


def test_an_unknown_class_is_refused_with_exit_2(app, runner, course):
    result = _create(runner, 999, *WEEK_1)
    assert result.exit_code == 2
    assert "Invalid value for --class: no class with id 999" in result.stderr
    assert "Traceback" not in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Assignment)) == 0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ["--draw", "sample-big-science=4"],
            "--draw: Sample: China's big-science bet holds 3 questions; an attempt cannot draw 4.",
        ),
        (["--draw", "nope=1"], "--draw: There is no quiz bank 'nope'."),
        (
            ["--opens", "2026-09-11T18:00", "--closes", "2026-09-07T10:00"],
            "--closes: The close date must be after the opening date.",
        ),
        (["--closes", ""], "--feedback: Feedback after the close date needs a close date."),
        (["--time-limit", "2000"], "--time-limit: A time limit is 1 to 1440 minutes (or none)."),
        (["--attempts", "0"], "--attempts: Allow 1 to 100 attempts, or unlimited."),
        (["--points", "0"], "--points: Points must be more than 0 and at most 10,000."),
        (["--title", "  "], "--title: Give the assignment a title."),
    ],
)
def test_settings_the_form_refuses_are_refused_field_by_field(app, runner, course, change, message):
    course_id, _ = course
    result = _create(runner, course_id, *_week_1_but(change))
    assert result.exit_code == 2, result.output
    assert message in result.stderr.splitlines()
    assert "Traceback" not in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Assignment)) == 0


def test_every_problem_is_its_own_line(app, runner, course):
    course_id, _ = course
    change = ["--draw", "sample-cross=9", "--attempts", "0"]
    result = _create(runner, course_id, *_week_1_but(change))
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "--draw: Sample: across the articles holds 2 questions; an attempt cannot draw 9.",
        "--attempts: Allow 1 to 100 attempts, or unlimited.",
    ]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (["--closes", "Friday 5pm"], "Invalid value for --closes: 'Friday 5pm' is not an ISO"),
        (["--opens", "2026-09-31T10:00"], "Invalid value for --opens: '2026-09-31T10:00' is not"),
        (["--closes", "2026-09-11"], "'2026-09-11' has no time of day"),
        (["--draw", "sample-cross"], "Invalid value for --draw: 'sample-cross' is not BANK=N"),
        (["--draw", "sample-cross=two"], "'sample-cross=two' is not BANK=N"),
        (["--draw", "=2"], "'=2' is not BANK=N"),
        (["--time-limit", "soon"], "Invalid value for --time-limit: 'soon' is not a whole"),
        (["--attempts", "many"], "Invalid value for --attempts: 'many' is not a whole"),
        (["--difficulty", "tricky"], "'tricky' is not a difficulty: choose from easy, medium"),
        (["--feedback", "later"], "Invalid value for '--feedback'"),
    ],
)
def test_input_that_cannot_be_read_is_refused_with_exit_2(app, runner, course, change, message):
    course_id, _ = course
    result = _create(runner, course_id, *_week_1_but(change))
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_create_needs_a_title_and_a_draw(runner, course):
    course_id, _ = course
    result = _create(runner, course_id, "--title", "Week 1")
    assert result.exit_code == 2
    assert "create needs --draw" in result.stderr


def test_update_changes_only_the_dates_given(app, runner, course, frozen):
    course_id, _ = course
    assert _create(runner, course_id, *WEEK_1, "--points", "25").exit_code == 0
    made = _only(app)
    result = runner.invoke(
        args=["assignment", "update", str(made.id), "--closes", "2026-09-14T18:00"]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == f"updated assignment {made.id}: 'Week 1' (--closes)\n"
    changed = _only(app)
    assert changed.closes_at == datetime(2026, 9, 14, 17, 0)
    assert changed.feedback_from == changed.closes_at  # after the close: the new one
    for name in (
        "title",
        "draw",
        "opens_at",
        "time_limit",
        "attempts_allowed",
        "points",
        "feedback",
        "score_policy",
        "tags",
        "difficulties",
        "spread",
        "instructions",
    ):
        assert getattr(changed, name) == getattr(made, name), name  # fmt: skip
    cleared = runner.invoke(
        args=["assignment", "update", str(made.id), "--opens", "", "--time-limit", "none",
              "--attempts", "unlimited"]
    )  # fmt: skip
    assert cleared.exit_code == 0, cleared.output
    changed = _only(app)
    assert (changed.opens_at, changed.time_limit, changed.attempts_allowed) == (None, None, None)


def test_update_of_the_pool_is_refused_once_students_have_attempts(app, runner, course, frozen):
    course_id, ids = course
    assert _create(runner, course_id, *WEEK_1).exit_code == 0
    made = _only(app)
    with app.app_context():
        assert assigned.start(db.session.get_one(Assignment, made.id), ids["ana"]).attempt
    result = runner.invoke(
        args=["assignment", "update", str(made.id), "--draw", "sample-big-science=3"]
    )
    assert result.exit_code == 2
    assert result.stderr == f"--draw: {assignments.POOL_LOCKED}\n"
    assert _only(app).draw == made.draw
    # The dates still change, and the open attempt's deadline moves with them.
    later = runner.invoke(
        args=["assignment", "update", str(made.id), "--time-limit", "45", "--tags", ""]
    )
    assert later.exit_code == 0, later.output
    with app.app_context():
        attempt = db.session.scalars(select(Attempt)).one()
        assert attempt.deadline == attempt.started_at + timedelta(minutes=45)


def test_update_of_an_unknown_or_deleted_assignment_is_refused(app, runner, course):
    course_id, _ = course
    assert _create(runner, course_id, *WEEK_1).exit_code == 0
    made = _only(app)
    assert runner.invoke(args=["assignment", "delete", str(made.id), "--yes"]).exit_code == 0
    for args in (["update", str(made.id), "--title", "x"], ["release", "12345"]):
        result = runner.invoke(args=["assignment", *args])
        assert result.exit_code == 2
        assert "no assignment with id" in result.stderr
    nothing = runner.invoke(args=["assignment", "update", str(made.id)])
    assert nothing.exit_code == 2


def _take(app, assignment_id: int, user_id: int, right: int) -> None:
    """Start an attempt and answer the first ``right`` questions rightly, then finish it."""
    with app.test_request_context():
        assignment = db.session.get_one(Assignment, assignment_id)
        attempt = assigned.start(assignment, user_id).attempt
        for position in range(right):
            sent = attempts.submit_answer(attempt, position, right_values(attempt, position), None)
            assert sent.error is None and not sent.late
        attempts.finish_attempt(attempt)


def test_list_as_json_has_the_fields_and_finishes_overdue_attempts(app, runner, course, frozen):
    course_id, ids = course
    assert _create(runner, course_id, *WEEK_1, "--points", "30").exit_code == 0
    later = ["--title", "Week 2", "--draw", "sample-cross=2", "--opens", "2026-09-14T10:00"]
    assert _create(runner, course_id, *later).exit_code == 0
    week_1 = db_id(app, "Week 1")
    _take(app, week_1, ids["ana"], right=3)
    with app.app_context():  # ben starts and leaves: his attempt runs out of time
        assigned.start(db.session.get_one(Assignment, week_1), ids["ben"])
    frozen["now"] += timedelta(minutes=30)
    result = runner.invoke(args=["assignment", "list", "--class", str(course_id), "--format",
                                 "json"])  # fmt: skip
    assert result.exit_code == 0, result.output
    listed = json.loads(result.stdout)
    assert [a["title"] for a in listed] == ["Week 1", "Week 2"]  # by due date, undated last
    first, second = listed
    assert first == {
        "id": week_1,
        "title": "Week 1",
        "status": "open",
        "opens": "2026-09-07T10:00:00+01:00",
        "opens_utc": "2026-09-07T09:00:00Z",
        "closes": "2026-09-11T18:00:00+01:00",
        "closes_utc": "2026-09-11T17:00:00Z",
        "timezone": "Europe/London",
        "time_limit": 20,
        "attempts": 2,
        "policy": "best",
        "feedback": "after-close",
        "feedback_released": False,
        "points": 30.0,
        "submitted": 2,  # ben's overdue attempt was finished by the read
        "in_progress": 0,
        "mean_score": 0.5,  # ana 100%, ben 0%
        "mean_points": 15.0,
    }
    assert second["status"] == "upcoming" and second["closes"] is None
    assert second["attempts"] is None and second["submitted"] == 0
    assert second["mean_score"] is None
    with app.app_context():
        assert db.session.scalar(
            select(func.count()).where(Attempt.finished_at.is_(None))
        ) == 0  # fmt: skip


def test_list_as_a_table_shows_class_time(app, runner, course, frozen):
    course_id, _ = course
    assert _create(runner, course_id, *WEEK_1).exit_code == 0
    result = runner.invoke(args=["assignment", "list", "--class", str(course_id)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == f"Policy 101 (class {course_id}; times in Europe/London)"
    assert lines[1].split() == ["ID", "TITLE", "STATUS", "OPENS", "CLOSES", "LIMIT",
                                "ATTEMPTS", "POLICY", "FEEDBACK", "SUBMITTED", "MEAN"]  # fmt: skip
    assert "2026-09-07 10:00 BST" in lines[2] and "2026-09-11 18:00 BST" in lines[2]
    assert "open" in lines[2] and "20 min" in lines[2] and "after-close" in lines[2]
    unknown = runner.invoke(args=["assignment", "list", "--class", "999"])
    assert unknown.exit_code == 2


def db_id(app, title: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Assignment.id).where(Assignment.title == title))


def test_delete_needs_yes_without_a_terminal(app, runner, course, frozen):
    course_id, ids = course
    assert _create(runner, course_id, *WEEK_1).exit_code == 0
    made = _only(app)
    _take(app, made.id, ids["ana"], right=1)
    refused = runner.invoke(args=["assignment", "delete", str(made.id)], input="y\n")
    assert refused.exit_code == 2
    assert "add --yes" in refused.stderr
    assert _only(app).deleted_at is None
    result = runner.invoke(args=["assignment", "delete", str(made.id), "--yes"])
    assert result.exit_code == 0, result.output
    assert result.stdout == f"deleted assignment {made.id}: 'Week 1'\n"
    assert _only(app).deleted_at is not None
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Attempt)) == 1  # history kept
    listed = runner.invoke(args=["assignment", "list", "--class", str(course_id), "--format",
                                 "json"])  # fmt: skip
    assert json.loads(listed.stdout) == []


def _override(runner, *args):
    return runner.invoke(args=["assignment", "override", *args])


def test_override_gives_one_student_an_accommodation_and_keeps_what_is_not_given(
    app, runner, course, frozen
):
    course_id, ids = course
    assert _create(runner, course_id, *WEEK_1).exit_code == 0
    made = _only(app)
    which = ["--assignment", str(made.id), "--user", "Ana"]
    result = _override(runner, *which, "--time-factor", "1.5", "--extra-minutes", "5")
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "ana on 'Week 1': 35 minutes; closes 2026-09-11 18:00 BST; 2 attempts\n"
    )
    result = _override(runner, *which, "--closes", "2026-09-12T18:00", "--extra-attempts", "1")
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "ana on 'Week 1': 35 minutes; closes 2026-09-12 18:00 BST; 3 attempts\n"
    )
    with app.app_context():
        found = db.session.scalars(select(AssignmentOverride)).one()
        assert (found.user_id, found.extra_minutes, found.time_factor) == (ids["ana"], 5, 1.5)
        assert (found.closes_at, found.extra_attempts) == (datetime(2026, 9, 12, 17, 0), 1)
        # Feedback after the close waits for ana's later close.
        assert db.session.get_one(Assignment, made.id).feedback_from == found.closes_at
    bad = _override(runner, *which, "--closes", "2026-09-10T18:00", "--time-factor", "9")
    assert bad.exit_code == 2
    assert bad.stderr.splitlines() == [
        "--time-factor: The time factor is 1 (no change) to 5.",
        "--closes: A later close date must be after the assignment's own.",
    ]
    removed = _override(runner, *which, "--remove")
    assert removed.exit_code == 0, removed.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AssignmentOverride)) == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--user", "nobody", "--extra-minutes", "5"], "no user called 'nobody'"),
        (["--user", "prof", "--extra-minutes", "5"], "prof is not in Policy 101"),
        (["--user", "ana"], "give what to change"),
        (["--user", "ana", "--remove", "--extra-minutes", "5"], "give it alone"),
    ],
)
def test_override_refuses_whom_it_cannot_apply_to(app, runner, course, args, message):
    course_id, _ = course
    assert _create(runner, course_id, *WEEK_1).exit_code == 0
    result = _override(runner, "--assignment", str(_only(app).id), *args)
    assert result.exit_code == 2
    assert message in result.stderr


def test_release_shows_feedback_before_the_close(app, runner, course, frozen):
    course_id, ids = course
    assert _create(runner, course_id, *WEEK_1).exit_code == 0
    made = _only(app)
    _take(app, made.id, ids["ana"], right=1)
    with app.app_context():
        attempt = db.session.scalars(select(Attempt)).one()
        assert not assigned.feedback_shown(attempt)
    result = runner.invoke(args=["assignment", "release", str(made.id)])
    assert result.exit_code == 0, result.output
    assert result.stdout == "the feedback of 'Week 1' shows to students from now on\n"
    with app.app_context():
        attempt = db.session.scalars(select(Attempt)).one()
        assert assigned.feedback_shown(attempt)
    again = runner.invoke(args=["assignment", "release", str(made.id)])
    assert again.stdout == "the feedback of 'Week 1' already shows\n"


def test_every_option_of_every_assignment_command_says_what_it_is_for():
    from quizapp.cli.assignments import assignment_group

    for name, command in assignment_group.commands.items():
        assert command.help, name
        for param in command.params:
            if param.param_type_name == "option" and param.name != "help":
                assert param.help, f"{name} {param.opts}"
