"""Instructor pages: classes, joining, gradebook, drill-down, heatmap, item analysis, exports."""

import csv
import io
import re
from datetime import datetime, timedelta

import pytest
from markupsafe import escape
from sqlalchemy import func, select

from quizapp import clock
from quizapp.extensions import db
from quizapp.models import Bank, Citation, Course, Question, QuestionVersion, User
from tests.conftest import DATA, Auth, csrf_from
from tests.factories import create_class, join, make_user
from tests.quizhelp import (
    bank_ids,
    correct_first_paragraph,
    reload_article,
    review_due_cards_rightly,
    start,
    take_quiz,
)


def test_instructor_creates_a_class_and_sees_it(teacher):
    course_id, code = create_class(teacher)
    html = teacher.get("/teach/").get_data(as_text=True)
    assert "Policy 101" in html and code in html


def test_empty_class_says_so(teacher):
    course_id, _ = create_class(teacher)
    html = teacher.get(f"/teach/classes/{course_id}").get_data(as_text=True)
    assert "No students in this class yet" in html


def test_bad_join_code_is_a_friendly_error(app, client, auth):
    auth.register("lost")
    token = csrf_from(client.get("/classes/join").get_data(as_text=True))
    response = client.post("/classes/join", data={"code": "NOPE1234", "csrf_token": token})
    assert response.status_code == 400
    assert "No class has that code" in response.get_data(as_text=True)


def class_of_two(app, teacher, good: str, poor: str):
    """Create a class where ``good`` scores 100% and ``poor`` 0% on the first quiz."""
    course_id, code = create_class(teacher)
    bank = bank_ids(app)[0]
    students = []
    for username, wrong in ((good, set()), (poor, {1, 2, 3})):
        students.append(join(app, username, code, f"{username.title()} Student"))
        take_quiz(app, students[-1], bank, wrong_at=wrong)
    return course_id, code, bank, *students


def test_gradebook_shows_students_scores_and_average(app, teacher):
    course_id, code, bank, _good, _poor = class_of_two(app, teacher, "good", "poor")
    join(app, "idle", code)
    html = teacher.get(f"/teach/classes/{course_id}").get_data(as_text=True)
    assert "Good Student" in html and "Poor Student" in html and "idle" in html
    assert "100%" in html and "0%" in html and "50%" in html  # the class average
    html = teacher.get(f"/teach/classes/{course_id}?sort={bank}&dir=desc").get_data(as_text=True)
    assert html.index("Good Student") < html.index("Poor Student")
    html = teacher.get(f"/teach/classes/{course_id}?sort={bank}&dir=asc").get_data(as_text=True)
    assert html.index("Poor Student") < html.index("Good Student")


def test_last_activity_counts_reviews_not_only_quiz_answers(app, teacher, monkeypatch):
    now = {"at": datetime(2026, 9, 1, 9, 0)}
    monkeypatch.setattr(clock, "now", lambda: now["at"])
    course_id, code = create_class(teacher)
    reviewer, quiet = join(app, "reviewer", code), join(app, "quiet", code)
    take_quiz(app, quiet, "sample-big-science")
    take_quiz(app, reviewer, "sample-big-science")
    now["at"] += timedelta(days=16, hours=5)  # two weeks of reviewing, no quiz since
    assert review_due_cards_rightly(app, reviewer) == 3
    html = teacher.get(f"/teach/classes/{course_id}?sort=activity&dir=desc").get_data(as_text=True)
    row = re.search(r">reviewer<.*?</tr>", html, re.S).group(0)
    assert "17 Sep 2026, 14:00 UTC" in row  # the reviews' time, not the quiz's of 1 Sep
    assert html.index(">reviewer<") < html.index(">quiet<")


def test_score_policy_latest_and_average(app, teacher):
    course_id, code = create_class(teacher, policy="latest")
    bank = bank_ids(app)[0]
    student = join(app, "twice", code)
    take_quiz(app, student, bank)
    take_quiz(app, student, bank, wrong_at={1, 2, 3})
    page = teacher.get(f"/teach/classes/{course_id}").get_data(as_text=True)
    assert ">0%<" in gradebook_row(page, "twice")
    token = csrf_from(page)
    teacher.post(f"/teach/classes/{course_id}", data={"policy": "average", "csrf_token": token})
    page = teacher.get(f"/teach/classes/{course_id}").get_data(as_text=True)
    assert ">50%<" in gradebook_row(page, "twice")
    teacher.post(f"/teach/classes/{course_id}", data={"policy": "best", "csrf_token": token})
    page = teacher.get(f"/teach/classes/{course_id}").get_data(as_text=True)
    assert ">100%<" in gradebook_row(page, "twice")


def gradebook_row(page: str, username: str) -> str:
    """Return the gradebook table row of one student."""
    rows = re.findall(r"<tr>(.*?)</tr>", page, re.S)
    return next(r for r in rows if f'<span class="meta">{username}</span>' in r)


def attempt_links(html: str) -> list[str]:
    """Return the links of a student page's attempts table, in order."""
    return re.findall(r'<a href="(/teach/classes/\d+/students/\d+/attempts/\d+)">', html)


def test_drill_down_lists_attempts_and_shows_each_answer_with_feedback(app, teacher):
    course_id, code = create_class(teacher)
    student = join(app, "drill", code)
    first, second = bank_ids(app)[:2]
    take_quiz(app, student, first, wrong_at={1})
    take_quiz(app, student, first)
    start(student, second)  # left in progress
    with app.app_context():
        uid = db.session.scalar(select(User.id).where(User.username == "drill"))
        title = db.session.get(Bank, first).title
    html = teacher.get(f"/teach/classes/{course_id}/students/{uid}").get_data(as_text=True)
    # A table of attempts, newest first, numbered per quiz; no answers on this page
    second_try, first_try = (f">{escape(title)}, attempt {n}</a>" for n in (2, 1))
    assert 0 < html.index(second_try) < html.index(first_try) and "in progress" in html
    assert "<mark>" not in html and "Their answer" not in html
    links = attempt_links(html)
    assert len(links) == 3
    page = teacher.get(links[-1]).get_data(as_text=True)  # the first attempt
    assert "<mark>" in page and "Their answer" in page and ": wrong —" in page
    assert f"<h1>{escape(title)}, attempt 1</h1>" in page  # the quiz's title, not its file id
    with app.app_context():  # as the loader does when the bank's file is removed
        db.session.get(Bank, first).retired = True
        db.session.commit()
    html = teacher.get(f"/teach/classes/{course_id}/students/{uid}").get_data(as_text=True)
    assert f">{escape(title)}, attempt 1</a>" in html  # a retired quiz keeps its title


def test_an_attempt_is_shown_only_under_its_own_student(app, teacher):
    course_id, code = create_class(teacher)
    take_quiz(app, join(app, "owner", code), bank_ids(app)[0])
    join(app, "other", code)
    with app.app_context():
        ids = dict(db.session.execute(select(User.username, User.id)).all())
    base = f"/teach/classes/{course_id}/students"
    link = attempt_links(teacher.get(f"{base}/{ids['owner']}").get_data(as_text=True))[0]
    attempt_id = link.rsplit("/", 1)[1]
    assert teacher.get(link).status_code == 200
    assert teacher.get(f"{base}/{ids['other']}/attempts/{attempt_id}").status_code == 404
    assert teacher.get(f"{base}/{ids['owner']}/attempts/999999").status_code == 404


def test_heatmap_tints_passages_and_lists_citing_questions(app, teacher):
    course_id, code = create_class(teacher)
    student = join(app, "heat", code)
    take_quiz(app, student, bank_ids(app)[0], wrong_at={1})
    html = teacher.get(f"/teach/classes/{course_id}/heatmap?doc=big-science").get_data(as_text=True)
    assert re.search(r'class="band-[1-4]', html) and "not answered yet" in html
    passage = re.search(r"passage=(\d+)", html).group(1)
    html = teacher.get(
        f"/teach/classes/{course_id}/heatmap?doc=big-science&passage={passage}"
    ).get_data(as_text=True)
    assert "Question citing this paragraph" in html or "No question cites" in html


def test_heatmap_names_the_question_whose_earlier_version_cited_a_paragraph(
    app, teacher, runner, tmp_path
):
    course_id, code = create_class(teacher)
    take_quiz(app, join(app, "heat", code), "sample-big-science")
    with app.app_context():
        passage = db.session.scalar(
            select(Citation.passage_id)
            .join(QuestionVersion, QuestionVersion.id == Citation.version_id)
            .where(QuestionVersion.question_id == "sample-juno-liquid")
        )
    folder = tmp_path / "banks"
    folder.mkdir()
    text = (DATA / "banks/sample-big-science.yaml").read_text()
    moved = "Centred on a colossal sphere filled with 20,000 tonnes of liquid"
    (folder / "sample-big-science.yaml").write_text(
        text.replace(moved, "at 2,400 metres below the Jinping Mountains", 1)
    )
    assert "1 changed" in runner.invoke(args=["load", str(folder)]).output
    url = f"/teach/classes/{course_id}/heatmap?doc=big-science&passage={passage}"
    html = teacher.get(url).get_data(as_text=True)
    # The paragraph is still shaded by the answers given to the earlier version: say whose
    assert "No question cites this paragraph" not in html
    assert "sample-juno-liquid" in html and "an earlier version cited this paragraph" in html


def test_heatmap_counts_answers_before_an_article_correction_on_the_corrected_paragraph(
    app, teacher
):
    course_id, code = create_class(teacher)
    take_quiz(app, join(app, "heat", code), "sample-big-science")
    reload_article(app, "big-science", correct_first_paragraph)
    with app.app_context():
        from quizapp.models import Passage

        new = db.session.scalar(select(Passage).where(Passage.text.startswith("A correction.")))
    html = teacher.get(f"/teach/classes/{course_id}/heatmap?doc=big-science").text
    # Shaded by the class's answers, not "not answered yet"
    assert re.search(rf'<li class="band-[1-4]" id="m-{new.anchor}">', html)
    html = teacher.get(f"/teach/classes/{course_id}/heatmap?doc=big-science&passage={new.id}").text
    assert "sample-juno-liquid" in html and "an earlier version cited" not in html


def test_instructor_cannot_see_another_instructors_class(app, teacher):
    course_id, _ = create_class(teacher)
    make_user(app, "other-prof", "instructor")
    other = app.test_client()
    Auth(other).login("other-prof")
    for url in (
        f"/teach/classes/{course_id}",
        f"/teach/classes/{course_id}/heatmap",
        f"/teach/classes/{course_id}/scores.csv",
        f"/teach/items?course={course_id}",
    ):
        assert other.get(url).status_code == 404, url


def test_student_gets_403_on_instructor_pages(client, auth):
    auth.register("nosy")
    for url in ("/teach/", "/teach/items", "/teach/banks"):
        assert client.get(url).status_code == 403


def test_wide_csv_leaves_practice_out_and_keeps_every_student(app, teacher):
    course_id, code = create_class(teacher)
    student = join(app, "csvstu", code, "Csv Student")
    take_quiz(app, student, bank_ids(app)[0])
    response = teacher.get(f"/teach/classes/{course_id}/scores.csv?format=wide")
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    # Practice never counts: an LMS import would take any column for a grade (assignment
    # columns are tested in test_assignment_grades)
    assert rows == [
        ["username", "full name", "email", "class"],
        ["csvstu", "Csv Student", "csvstu@example.org", "Policy 101"],
    ]


def test_long_csv_has_one_row_per_answer(app, teacher):
    course_id, code = create_class(teacher)
    student = join(app, "longstu", code)
    take_quiz(app, student, bank_ids(app)[0], wrong_at={1})
    text = teacher.get(f"/teach/classes/{course_id}/scores.csv?format=long").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text)))
    with app.app_context():
        from quizapp.models import Answer

        n = len(db.session.scalars(select(Answer)).all())
    assert len(rows) == n
    assert rows[0]["username"] == "longstu" and rows[0]["class"] == "Policy 101"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", rows[0]["submitted at"])
    assert {r["correct"] for r in rows} == {"true", "false"}
    assert all(r["cited passages"].count("#p-") >= 1 for r in rows)


def test_long_csv_numbers_each_students_attempts_at_a_bank(app, teacher):
    course_id, code = create_class(teacher)
    first, second = join(app, "retaker", code), join(app, "other", code)
    bank = bank_ids(app)[0]
    ids = [take_quiz(app, first, bank), take_quiz(app, second, bank), take_quiz(app, first, bank)]
    text = teacher.get(f"/teach/classes/{course_id}/scores.csv?format=long").get_data(as_text=True)
    rows = csv.DictReader(io.StringIO(text))
    seen = {(r["username"], r["attempt"], r["attempt id"]) for r in rows}
    assert seen == {
        ("retaker", "1", str(ids[0])),
        ("other", "1", str(ids[1])),
        ("retaker", "2", str(ids[2])),
    }


def test_item_analysis_page_and_csv(app, teacher):
    course_id, code = create_class(teacher)
    for i in range(3):
        take_quiz(app, join(app, f"item{i}", code), bank_ids(app)[0], wrong_at={i + 1})
    html = teacher.get(f"/teach/items?course={course_id}").get_data(as_text=True)
    assert "Facility" in html and "Point-biserial" in html
    text = teacher.get(f"/teach/items.csv?course={course_id}").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {r["responses"] for r in rows if r["bank"] == bank_ids(app)[0]} == {"3"}
    # Choices carry the letters the flags use ("distractor C never chosen").
    shares = next(r["choice shares"] for r in rows if r["type"] == "single")
    assert re.match(r"A\. .+: \d(\.\d\d?)?; B\. ", shares), shares
    assert re.search(r"<li[^>]*>(<strong>)?A\. [^<]+: \d+%", html)


def _demo_snapshot(url):
    from quizapp import create_app
    from quizapp.models import Answer, Attempt, User

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "t", "TESTING": True})
    result = app.test_cli_runner().invoke(args=["demo", "--students", "4", "--seed", "7", "-q"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        answers = [
            (a.question_id, a.correct, a.points)
            for a in db.session.scalars(select(Answer).order_by(Answer.id))
        ]
        names = [u.full_name for u in db.session.scalars(select(User).order_by(User.id))]
        courses = db.session.scalars(select(Course.name)).all()
        assigned = db.session.execute(
            select(Attempt.assignment_id, Attempt.user_id, Attempt.items, Attempt.score)
            .where(Attempt.assignment_id.is_not(None))
            .order_by(Attempt.id)
        ).all()
        db.session.remove()  # give the connection back before the pool goes
        db.engine.dispose()
    return answers, names, courses, assigned


def test_demo_is_deterministic_with_a_seed(database_url, templates):
    backend = "sqlite" if database_url.startswith("sqlite") else "postgresql"
    other = templates.clone(backend)
    try:
        first, second = _demo_snapshot(database_url), _demo_snapshot(other)
    finally:
        templates.drop(other)
    assert first == second
    answers, names, courses, assigned = first
    assert assigned
    assert len(names) == 5 and len(answers) >= 4 and courses == ["Demo class (seed 7)"]
    assert {c for _, c, _ in answers} == {True, False}


@pytest.mark.parametrize("descending", [False, True])
def test_gradebook_sort_breaks_ties_by_username_so_pages_are_stable(descending):
    from quizapp.teaching.gradebook import StudentRow, sort_rows

    # Arrival order differs (as rows from the database may); the sorted order must not.
    names = ["dee", "ann", "cal", "bob"]
    rows = [
        StudentRow(i, n, "", None, {"b": 0.5 if n != "cal" else 0.9}) for i, n in enumerate(names)
    ]
    first = [r.username for r in sort_rows(rows, "b", descending)]
    again = [r.username for r in sort_rows(list(reversed(rows)), "b", descending)]
    assert first == again
    assert first == (["cal", "ann", "bob", "dee"] if descending else ["ann", "bob", "dee", "cal"])


@pytest.mark.parametrize(
    ("fraction", "band"), [(None, 0), (0.0, 1), (0.2449, 1), (0.2451, 2), (0.7455, 4), (1.0, 4)]
)
def test_heatmap_band_agrees_with_the_percentage_shown(fraction, band):
    from quizapp.learning.charts import mastery_band

    # 0.7455 shows as "75%": it is tinted as 75% and up, not as 50-74%.
    assert mastery_band(fraction) == band


def test_demo_twice_with_one_seed_is_refused_in_one_line(app, runner):
    args = ["demo", "--students", "2", "--seed", "3", "-q"]
    assert runner.invoke(args=args).exit_code == 0
    with app.app_context():
        code = db.session.scalar(select(Course.join_code))
    again = runner.invoke(args=args)
    assert again.exit_code == 1
    assert again.output == (
        f"Error: a demo class for seed 3 already exists (join code {code}); use another --seed\n"
    )
    with app.app_context():
        assert db.session.scalars(select(Course.name)).all() == ["Demo class (seed 3)"]
    assert runner.invoke(args=["demo", "--students", "2", "--seed", "4", "-q"]).exit_code == 0


def test_demo_sets_a_closed_an_open_timed_and_an_upcoming_assignment(app, runner):
    from quizapp.learning import assigned
    from quizapp.learning.schedule import deadline_for, released, status
    from quizapp.models import Answer, Attempt
    from quizapp.teaching import assignments

    result = runner.invoke(args=["demo", "--students", "24", "--seed", "9"])
    assert result.exit_code == 0, result.output
    now = clock.now()
    with app.app_context():
        course_id = db.session.scalar(select(Course.id))
        made = assignments.of_course(course_id)
        by_state = {status(a, None, now).state: a for a in made}
        assert sorted(by_state) == ["closed", "open", "upcoming"] and len(made) == 3
        closed, timed, upcoming = by_state["closed"], by_state["open"], by_state["upcoming"]
        assert closed.feedback == "after_close" and released(closed, True, now)
        assert now - timedelta(days=7) < closed.closes_at < now - timedelta(days=1)
        assert timed.time_limit and timed.attempts_allowed == 2
        assert timed.closes_at > now + timedelta(days=1)
        assert upcoming.opens_at > now + timedelta(days=5)
        for a in made:
            assert f"  {a.title}: {status(a, None, now).state}, " in result.output

        def attempts_at(assignment):
            return db.session.scalars(
                select(Attempt).where(Attempt.assignment_id == assignment.id)
            ).all()

        past = attempts_at(closed)
        assert all(a.finished_at is not None for a in past)
        students = {a.user_id for a in past}
        assert len(students) > 24 / 2  # most of the class
        assert len(past) > len(students)  # some took their second attempt
        assert max(len([a for a in past if a.user_id == s]) for s in students) == 2  # allowed
        assert len({a.score / a.max_score for a in past}) > 3  # varied scores
        current = attempts_at(timed)
        answering = [a for a in current if a.finished_at is None]
        assert 1 <= len(answering) <= 2 and all(a.deadline > now for a in answering)
        assert any(a.finished_at for a in current)
        assert not attempts_at(upcoming)
        for attempt in past + current:
            assignment = closed if attempt in past else timed
            # The draw: each bank's count, from its pool, no question twice.
            pools = assignments.pools([b["bank"] for b in assignment.draw])
            bank_of = {(p.question_id, p.version_id): b for b in pools for p in pools[b]}
            drawn = [bank_of[q, v] for q, v in attempt.items]
            assert {b["bank"]: b["count"] for b in assignment.draw} == {
                b: drawn.count(b) for b in drawn
            }
            assert len({q for q, _ in attempt.items}) == len(attempt.items)
            points = [db.session.get(QuestionVersion, v).points for _, v in attempt.items]
            assert attempt.max_score == pytest.approx(sum(points))
            assert attempt.deadline == deadline_for(assignment, None, attempt.started_at)
            answers = db.session.scalars(
                select(Answer).where(Answer.attempt_id == attempt.id).order_by(Answer.position)
            ).all()
            assert [a.position for a in answers] == list(range(len(answers)))  # once each
            assert all(attempt.items[a.position][0] == a.question_id for a in answers)
            assert all(a.submitted_at <= attempt.deadline for a in answers)
            if attempt.finished_at is not None:
                assert attempt.score == pytest.approx(sum(a.points for a in answers))
                assert attempt.finished_at <= attempt.deadline
        # Nothing is overdue: the next read has nothing to finish.
        assert assigned.finish_overdue() == 0


@pytest.mark.parametrize("policy", ["best", "latest", "average"])
def test_each_gradebook_page_shows_what_the_whole_class_sorted_would(app, runner, policy):
    from quizapp.teaching import gradebook

    assert runner.invoke(args=["demo", "--students", "7", "--seed", "5", "-q"]).exit_code == 0
    with app.app_context():
        course_id, code = db.session.execute(select(Course.id, Course.join_code)).one()
    join(app, "idle", code)  # no score and no activity: sorts last either way
    with app.app_context():
        book = gradebook.gradebook(course_id, policy)
        banks, everyone, graded = book.banks, book.rows, book.assignments
        assert {b for r in everyone for b in r.scores} and any(not r.scores for r in everyone)
        keys = ["name", "username", "activity", "completed", "submitted"]
        for key in [*keys, *(a.key for a in graded), *(b.id for b in banks)]:
            for descending in (False, True):
                whole = gradebook.sort_rows(everyone, key, descending, banks, graded)
                pages = [
                    gradebook.page(course_id, policy, key, descending, n, 3) for n in (1, 2, 3)
                ]
                assert [p.count for p in pages] == [3, 3, 3] and pages[0].total == 8
                shown = [r for p in pages for r in p.rows]
                assert [(r.username, r.scores, r.grades, r.last_activity) for r in shown] == [
                    (r.username, r.scores, r.grades, r.last_activity) for r in whole
                ], (key, descending)
        for bank in banks:
            values = [r.scores[bank.id] for r in everyone if bank.id in r.scores]
            expected = sum(values) / len(values) if values else None
            assert pages[0].averages[bank.id] == pytest.approx(expected)


def test_gradebook_columns_are_live_quizzes_out_of_their_live_questions(app):
    from quizapp.teaching.gradebook import bank_columns

    with app.app_context():
        first, second = bank_ids(app)[:2]
        before = {b.id: b.out_of for b in bank_columns()}
        question = db.session.scalars(select(Question).where(Question.bank_id == first)).first()
        points = db.session.get(QuestionVersion, question.current_version_id).points
        question.retired = True
        db.session.get(Bank, second).retired = True
        db.session.commit()
        after = {b.id: b.out_of for b in bank_columns()}
    assert points > 0 and after[first] == before[first] - points
    assert second in before and second not in after


def _reset_link(teacher, course_id: int, username: str) -> str:
    """Make a password link for a student of the class, as their instructor; return its path."""
    book = teacher.get(f"/teach/classes/{course_id}").get_data(as_text=True)
    user_id = re.search(rf'/students/(\d+)">[^<]*</a>\s*<span class="meta">{username}<', book)[1]
    page = teacher.get(f"/teach/classes/{course_id}/students/{user_id}").get_data(as_text=True)
    made = teacher.post(
        f"/teach/classes/{course_id}/students/{user_id}/reset-link",
        data={"csrf_token": csrf_from(page)},
    )
    assert made.status_code == 200 and made.headers["Cache-Control"] == "no-store"
    link = re.search(r'<code class="reset-link">([^<]+)</code>', made.get_data(as_text=True))[1]
    return link.removeprefix("http://localhost")


def test_a_password_link_sets_a_new_password_once_and_signs_out_elsewhere(app, teacher):
    course_id, code = create_class(teacher)
    forgetful = join(app, "forgetful", code)  # still signed in on some other device
    path = _reset_link(teacher, course_id, "forgetful")
    browser = app.test_client()
    page = browser.get(path)
    assert page.status_code == 200 and "forgetful" in page.get_data(as_text=True)
    new = "a brand new password"
    form = {"password": new, "confirm": new, "csrf_token": csrf_from(page.get_data(as_text=True))}
    done = browser.post(path, data=form)
    assert done.status_code == 302 and browser.get("/quizzes").status_code == 200
    assert forgetful.get("/quizzes").status_code == 302  # the other device is signed out
    again = browser.get(path)
    assert again.status_code == 404 and "already used" in again.get_data(as_text=True)
    auth = Auth(app.test_client())
    assert auth.login("forgetful").status_code == 400  # the old password is gone
    assert auth.login("forgetful", new).status_code == 302


def test_a_password_link_expires_and_a_forged_one_is_refused(app, teacher, monkeypatch):
    from quizapp.accounts import password_reset

    course_id, code = create_class(teacher)
    join(app, "late", code)
    path = _reset_link(teacher, course_id, "late")
    forged = path[:-3] + ("aaa" if not path.endswith("aaa") else "bbb")
    assert app.test_client().get(forged).status_code == 404
    monkeypatch.setattr(password_reset, "MAX_AGE", -1)
    expired = app.test_client().get(path)
    assert expired.status_code == 404 and "expired" in expired.get_data(as_text=True)


def test_only_the_students_own_instructor_can_make_a_password_link(app, teacher, client):
    course_id, code = create_class(teacher)
    join(app, "member", code)
    make_user(app, "outsider")
    with app.app_context():
        outsider = db.session.scalar(select(User.id).where(User.username == "outsider"))
    token = csrf_from(teacher.get("/teach/").get_data(as_text=True))
    url = f"/teach/classes/{course_id}/students/{outsider}/reset-link"
    assert teacher.post(url, data={"csrf_token": token}).status_code == 404
    student = app.test_client()
    Auth(student).login("member")
    token = csrf_from(student.get("/quizzes").get_data(as_text=True))
    assert student.post(url, data={"csrf_token": token}).status_code == 403


def test_the_cli_sets_a_password_and_refuses_what_it_cannot_use(app, runner):
    make_user(app, "cliuser")
    new = "another good password"
    done = runner.invoke(args=["user", "password", "cliuser"], input=f"{new}\n{new}\n")
    assert done.exit_code == 0 and "new password set for cliuser" in done.output
    assert Auth(app.test_client()).login("cliuser", new).status_code == 302
    unknown = runner.invoke(args=["user", "password", "nobody", "--password", new])
    assert unknown.exit_code == 1 and "no user called 'nobody'" in unknown.output
    short = runner.invoke(args=["user", "password", "cliuser", "--password", "short"])
    assert short.exit_code == 2 and "Use 10 to 256 characters." in short.output


def test_a_removed_student_leaves_the_gradebook_but_keeps_their_answers(app, teacher):
    course_id, code, _bank, _stays, leaves = class_of_two(app, teacher, "stays", "leaves")
    book = teacher.get(f"/teach/classes/{course_id}").get_data(as_text=True)
    assert "Leaves Student" in book and ">50%<" in _class_average(book)  # of 100% and 0%
    user_id = re.search(r'/students/(\d+)">Leaves Student<', book)[1]
    url = f"/teach/classes/{course_id}/students/{user_id}/remove"
    confirm = teacher.get(url).get_data(as_text=True)
    assert "Remove Leaves Student from Policy 101?" in confirm
    done = teacher.post(url, data={"csrf_token": csrf_from(confirm)})
    assert done.status_code == 303
    book = teacher.get(done.location).get_data(as_text=True)
    assert "Leaves Student is no longer in Policy 101." in book
    assert "Leaves Student" not in book.replace("Leaves Student is no longer", "")
    assert ">100%<" in _class_average(book)  # the remaining student's alone
    with app.app_context():
        from quizapp.models import Answer

        kept = db.session.scalar(
            select(func.count()).select_from(Answer).where(Answer.user_id == int(user_id))
        )
    assert kept > 0  # their answers stay in their account
    token = csrf_from(leaves.get("/classes/join").get_data(as_text=True))
    leaves.post("/classes/join", data={"code": code, "csrf_token": token})
    assert "Leaves Student" in teacher.get(f"/teach/classes/{course_id}").get_data(as_text=True)


def _class_average(page: str) -> str:
    return re.search(r"<tfoot>(.*?)</tfoot>", page, re.S)[1]


def test_a_class_can_be_renamed_and_a_bad_name_is_explained(teacher):
    course_id, _code = create_class(teacher)
    url = f"/teach/classes/{course_id}/settings"
    token = csrf_from(teacher.get(url).get_data(as_text=True))
    refused = teacher.post(url, data={"name": "   ", "csrf_token": token})
    assert refused.status_code == 400 and "Name the class." in refused.get_data(as_text=True)
    done = teacher.post(url, data={"name": "  Policy 102, spring  ", "csrf_token": token})
    assert done.status_code == 303
    assert "Class renamed." in teacher.get(done.location).get_data(as_text=True)
    home = teacher.get("/teach/").get_data(as_text=True)
    assert "Policy 102, spring" in home and "Policy 101" not in home


def test_a_new_join_code_stops_the_old_one_and_keeps_the_class(app, teacher):
    course_id, old = create_class(teacher)
    join(app, "early", old, "Early Bird")
    url = f"/teach/classes/{course_id}/settings"
    token = csrf_from(teacher.get(url).get_data(as_text=True))
    done = teacher.post(f"/teach/classes/{course_id}/new-code", data={"csrf_token": token})
    page = teacher.get(done.location).get_data(as_text=True)
    new = re.search(r"The new join code is ([A-Z0-9]{8})", page)[1]
    assert new != old and f"<code>{new}</code>" in page
    late = app.test_client()
    make_user(app, "late")
    Auth(late).login("late")
    token = csrf_from(late.get("/classes/join").get_data(as_text=True))
    assert late.post("/classes/join", data={"code": old, "csrf_token": token}).status_code == 400
    assert late.post("/classes/join", data={"code": new, "csrf_token": token}).status_code == 303
    book = teacher.get(f"/teach/classes/{course_id}").get_data(as_text=True)
    assert gradebook_row(book, "early") and gradebook_row(book, "late")


def test_deleting_a_class_asks_first_and_leaves_the_students_answers(app, teacher):
    course_id, code = create_class(teacher)
    student = join(app, "kept", code)
    take_quiz(app, student, bank_ids(app)[0])
    url = f"/teach/classes/{course_id}/delete"
    confirm = teacher.get(url).get_data(as_text=True)
    assert "Delete Policy 101?" in confirm
    done = teacher.post(url, data={"csrf_token": csrf_from(confirm)})
    assert done.status_code == 303
    assert "Policy 101 is deleted." in teacher.get(done.location).get_data(as_text=True)
    assert teacher.get(f"/teach/classes/{course_id}").status_code == 404
    assert "100%" in student.get("/quizzes").get_data(as_text=True)  # their score stays


def test_a_student_can_leave_a_class_after_a_confirmation(app, teacher):
    course_id, code = create_class(teacher)
    student = join(app, "leaver", code, "Leaver Student")
    classes = student.get("/classes/join").get_data(as_text=True)
    url = re.search(r'href="(/classes/\d+/leave)"', classes)[1]
    confirm = student.get(url).get_data(as_text=True)
    assert "Leave Policy 101?" in confirm and "Taught by Prof Ada" in confirm
    done = student.post(url, data={"csrf_token": csrf_from(confirm)})
    assert done.status_code == 303
    page = student.get(done.location).get_data(as_text=True)
    assert "You left Policy 101 (taught by Prof Ada)." in page
    assert "You have not joined a class yet." in page
    assert "Leaver Student" not in teacher.get(f"/teach/classes/{course_id}").get_data(as_text=True)
    assert student.get(url).status_code == 404  # not in it any more


def headings(html: str) -> list[int]:
    """Return the levels of a page's headings, in order."""
    return [int(level) for level in re.findall(r"<h([1-6])[ >]", html)]


def nested(levels: list[int]) -> bool:
    """Return whether no heading skips a level on the way down."""
    return all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False))


def test_heading_levels_nest_on_item_analysis_and_the_student_page(app, teacher):
    course_id, code = create_class(teacher)
    student = join(app, "plain", code)  # no full name
    take_quiz(app, join(app, "nested", code, "Nes Ted"), bank_ids(app)[0], wrong_at={1})
    take_quiz(app, student, bank_ids(app)[0])
    for url in ("/teach/items", f"/teach/items?course={course_id}"):
        levels = headings(teacher.get(url).get_data(as_text=True))
        assert nested(levels), (url, levels)
    book = teacher.get(f"/teach/classes/{course_id}").get_data(as_text=True)
    for username in ("nested", "plain"):
        uid = re.search(rf'/students/(\d+)">[^<]*</a>\s*<span class="meta">{username}<', book)[1]
        html = teacher.get(f"/teach/classes/{course_id}/students/{uid}").get_data(as_text=True)
        assert nested(headings(html)), headings(html)
        page = teacher.get(attempt_links(html)[0]).get_data(as_text=True)
        levels = headings(page)
        assert levels[0] == 1 and 3 in levels, levels  # "Why" sits under "Answers"
        assert nested(levels), levels
        assert "<h3>Why</h3>" in page and "<h2>Why</h2>" not in page
    # Without a full name the username is the heading, and is not repeated under it
    assert "<h1>plain</h1>" in html and '<p class="meta">plain@example.org</p>' in html
    named = teacher.get(
        f"/teach/classes/{course_id}/students/" + re.search(r'/students/(\d+)">Nes Ted', book)[1]
    ).get_data(as_text=True)
    assert "<h1>Nes Ted</h1>" in named
    assert '<p class="meta">nested · nested@example.org</p>' in named


def test_gradebook_caption_counts_students_in_words(app, teacher):
    course_id, code = create_class(teacher)
    join(app, "only", code)
    page = teacher.get(f"/teach/classes/{course_id}").get_data(as_text=True)
    assert "Practice scores of 1 student;" in page
    join(app, "second", code)
    page = teacher.get(f"/teach/classes/{course_id}").get_data(as_text=True)
    assert "Practice scores of 2 students;" in page


def test_gradebook_sorts_by_completion(app, teacher):
    course_id, code = create_class(teacher)
    first, second = bank_ids(app)[:2]
    take_quiz(app, join(app, "both", code), first)
    both = app.test_client()
    Auth(both).login("both")
    take_quiz(app, both, second)
    take_quiz(app, join(app, "one", code), first)
    join(app, "none", code)
    page = teacher.get(f"/teach/classes/{course_id}").get_data(as_text=True)
    assert f"/teach/classes/{course_id}?sort=completed&amp;dir=desc" in page  # a sort link
    order = {}
    for direction in ("desc", "asc"):
        html = teacher.get(f"/teach/classes/{course_id}?sort=completed&dir={direction}").text
        order[direction] = sorted(("both", "one", "none"), key=lambda u: html.index(f">{u}<"))
        assert 'aria-current="true">Completed' in html
    assert order == {"desc": ["both", "one", "none"], "asc": ["none", "one", "both"]}


def test_heatmap_and_item_analysis_say_what_their_shares_count(app, teacher):
    course_id, code = create_class(teacher)
    take_quiz(app, join(app, "heat", code), bank_ids(app)[0])
    heat = teacher.get(f"/teach/classes/{course_id}/heatmap?doc=big-science").text
    assert "the share of all the class’s answers to them that were right, retakes included" in heat
    answered = r'class="band-[1-4][^"]*" id="[^"]+">\s*<a href="[^"]*passage=(\d+)'
    passage = re.search(answered, heat)[1]
    heat = teacher.get(f"/teach/classes/{course_id}/heatmap?doc=big-science&passage={passage}").text
    assert 'Right, of all answers<br><span class="meta">retakes included' in heat
    items = teacher.get(f"/teach/items?course={course_id}").text
    assert "points earned, first answers" in items


def test_gradebook_ties_are_in_name_order_both_ways():
    from quizapp.teaching.gradebook import BankColumn, StudentRow, sort_rows

    banks = [BankColumn("b", "B", 1)]
    rows = [
        StudentRow(1, "a-user", "Zoe Zhang", None, {"b": 0.5}),
        StudentRow(2, "z-user", "Amy Adams", None, {"b": 0.5}),
        StudentRow(3, "m-user", "", None, {"b": 0.5}),  # no full name: the username stands in
    ]
    for descending in (False, True):
        for key in ("b", "completed"):
            ordered = sort_rows(rows, key, descending, banks)
            assert [r.user_id for r in ordered] == [2, 3, 1], (key, descending)


def test_a_negative_demo_seed_is_refused_not_taken_for_its_positive(runner):
    result = runner.invoke(args=["demo", "--students", "1", "--seed", "-5", "-q"])
    assert result.exit_code == 2 and "-5 is not in the range 0<=x" in result.output


def test_cli_prompts_without_input_and_non_utf8_arguments_are_one_line(app, database_url):
    from click.testing import CliRunner

    from quizapp.cli import main

    if not database_url.startswith("sqlite"):
        # The command's own app would leave its PostgreSQL connection for the GC to close.
        pytest.skip("the same code path on SQLite")
    env = {"DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "SECRET_KEY": "x"}
    asked = CliRunner().invoke(main, ["user", "create", "nopass"], input="", env=env)
    assert asked.exit_code == 1 and "pass the value as an option (see --help)" in asked.output
    odd = CliRunner().invoke(main, ["user", "set-role", "x\udcff", "student"], env=env)
    assert odd.exit_code == 1 and "is not UTF-8 text" in odd.output
    assert "Traceback" not in asked.output + odd.output


def test_an_attempt_finished_without_answers_says_so(app, teacher):
    course_id, code = create_class(teacher)
    learner = join(app, "quitter", code)
    url = start(learner, bank_ids(app)[0])
    attempt = re.search(r"/attempts/(\d+)", url)[1]
    page = learner.get(f"/attempts/{attempt}/finish").get_data(as_text=True)
    learner.post(f"/attempts/{attempt}/finish", data={"csrf_token": csrf_from(page)})
    with app.app_context():
        uid = db.session.scalar(select(User.id).where(User.username == "quitter"))
    html = teacher.get(f"/teach/classes/{course_id}/students/{uid}/attempts/{attempt}")
    assert "the quiz was finished without any" in html.get_data(as_text=True)


def test_instructor_pages_have_titles_that_tell_them_apart(teacher):
    course_id, _code = create_class(teacher, "Policy 101")
    urls = (f"/teach/classes/{course_id}", f"/teach/items?course={course_id}", "/teach/items")
    titles = {
        url: re.search(r"<title>(.*?)</title>", teacher.get(url).get_data(as_text=True)).group(1)
        for url in urls
    }
    assert list(titles.values()) == [
        "Gradebook · Policy 101 · quizapp",
        # One bank at a time, the first one unless another is asked for: its title says which
        "Item analysis · Sample: China&#39;s big-science bet · Policy 101 · quizapp",
        "Item analysis · Sample: China&#39;s big-science bet · all students · quizapp",
    ]


def _take_quiz_right_on(app, student, bank_id: str, right: set[str]) -> None:
    """Answer every question of a quiz, rightly exactly those whose ids are in ``right``."""
    from tests.quizhelp import answer, current_view

    url = start(student, bank_id)
    while "/q/" in url:
        correct = current_view(app, url).question_id in right
        response = answer(app, student, url, correct=correct)
        assert response.status_code == 303
        feedback = student.get(response.location).get_data(as_text=True)
        url = re.search(r'class="btn" href="([^"]+)"', feedback).group(1).replace("&amp;", "&")


def test_item_analysis_rounds_halves_up_on_the_page_and_in_the_csv(app, teacher):
    # 32 students: the upper and lower 27% are 8 each, and 4 of 32 is a share of 0.125.
    course_id, code = create_class(teacher)
    others = {"sample-jinping-depth", "sample-juno-largest"}
    key = "sample-juno-liquid"
    plan = (
        [others | {key}] * 12  # rest score 1: the upper 8 are all right on the key question
        + [{"sample-jinping-depth", key}] * 8  # rest 0.5
        + [set()]
        + [{key}] * 7  # rest 0: the lower 8 (first by id) have 7 of 8 right
        + [set()] * 3
        + [{key}]  # rest 0, outside the lower 8: 3 more pick distractor B
    )
    for i, right in enumerate(plan):
        _take_quiz_right_on(app, join(app, f"r{i:02d}", code), "sample-big-science", right)
    html = teacher.get(f"/teach/items?course={course_id}").get_data(as_text=True)
    row = re.search(rf"<code>{key}</code>.*?</tr>", html, re.S)[0]
    cells = re.findall(r'<td class="num">([^<]*)</td>', row)
    assert cells[0] == "32" and cells[3] == "0.13"  # upper-lower 1 - 7/8 = 0.125, halves up
    assert re.search(r"B\. 2,400 tonnes: 13%", row)  # 4 of 32
    text = teacher.get(f"/teach/items.csv?course={course_id}").get_data(as_text=True)
    item = next(r for r in csv.DictReader(io.StringIO(text)) if r["question id"] == key)
    assert item["discrimination (upper-lower 27%)"] == "0.13"  # 2 places, as on the page
    # The CSV's share is the page's percentage, rounded the same way (not 0.12)
    assert "B. 2,400 tonnes: 0.13" in item["choice shares"]


def test_scores_of_every_student_leave_out_instructors_in_both_formats(app, teacher, runner):
    _course_id, code = create_class(teacher)
    take_quiz(app, join(app, "learner", code), "sample-big-science")
    take_quiz(app, teacher, "sample-big-science", wrong_at={1, 2, 3})  # prof tries their quiz
    for fmt in ("wide", "long"):
        result = runner.invoke(args=["export", "scores", "--format", fmt])
        assert result.exit_code == 0, result.output
        users = {row["username"] for row in csv.DictReader(io.StringIO(result.output))}
        assert users == {"learner"}, fmt


def test_an_instructor_who_joins_a_class_is_no_student_in_its_statistics(app, teacher):
    course_id, code = create_class(teacher)
    take_quiz(app, join(app, "learner", code), "sample-big-science")  # all right
    make_user(app, "assistant", "instructor")
    ta = app.test_client()
    Auth(ta).login("assistant")
    token = csrf_from(ta.get("/classes/join").text)
    assert ta.post("/classes/join", data={"code": code, "csrf_token": token}).status_code == 303
    take_quiz(app, ta, "sample-big-science", wrong_at={1, 2, 3})  # trying the quiz out

    page = teacher.get(f"/teach/classes/{course_id}").text
    assert "learner" in page and "assistant" not in page
    average = re.search(r'Class average</th>\s*<td class="num">([^<]+)</td>', page)[1]
    assert average == "100%"  # the student's score alone, not the mean with the ta's 0%
    counts = re.findall(r'<td class="num">(\d+)</td>', teacher.get("/teach/").text)
    assert counts == ["1"]
    for fmt in ("wide", "long"):
        text = teacher.get(f"/teach/classes/{course_id}/scores.csv?format={fmt}").text
        assert {row["username"] for row in csv.DictReader(io.StringIO(text))} == {"learner"}, fmt
    heatmap = teacher.get(f"/teach/classes/{course_id}/heatmap?doc=big-science").text
    assert 'class="band-1' not in heatmap  # the ta's wrong answers shade nothing red


def test_item_analysis_shows_one_bank_at_a_time_chosen_by_a_link(app, teacher):
    course_id, code = create_class(teacher)
    first, second = bank_ids(app)[:2]
    student = join(app, "onebank", code)
    take_quiz(app, student, first)
    take_quiz(app, student, second)
    html = teacher.get(f"/teach/items?course={course_id}").get_data(as_text=True)
    # The first bank's table, not the second's: the page of all banks ran to 69,000 px
    assert f'id="bank-{first}"' in html and f'id="bank-{second}"' not in html
    link = re.search(rf'<a href="([^"]*bank={second}[^"]*)"', html)[1].replace("&amp;", "&")
    assert f"course={course_id}" in link  # the class stays chosen
    html = teacher.get(link).get_data(as_text=True)
    assert f'id="bank-{second}"' in html and f'id="bank-{first}"' not in html
    assert re.search(rf'href="[^"]*bank={second}[^"]*" aria-current=page', html)
    assert teacher.get(f"/teach/items?course={course_id}&bank=no-such").status_code == 404
    # Every student's stored report is filtered alike
    html = teacher.get(f"/teach/items?bank={second}").get_data(as_text=True)
    assert f'id="bank-{second}"' in html and f'id="bank-{first}"' not in html
    # The CSV has every bank, and a bank's own when asked
    text = teacher.get(f"/teach/items.csv?course={course_id}").get_data(as_text=True)
    assert {r["bank"] for r in csv.DictReader(io.StringIO(text))} == {first, second}
    text = teacher.get(f"/teach/items.csv?course={course_id}&bank={second}").get_data(as_text=True)
    assert {r["bank"] for r in csv.DictReader(io.StringIO(text))} == {second}


def test_item_analysis_marks_the_key_and_counts_typed_answers_with_their_marks(app, teacher):
    from tests.quizhelp import take_quiz_typing

    course_id, code = create_class(teacher)
    for i, typed in enumerate(["Micius", "Mozi satellite", "Mozi satellite", "mozi"]):
        take_quiz_typing(app, join(app, f"typist{i}", code), "sample-cross", typed)
    html = teacher.get(f"/teach/items?course={course_id}&bank=sample-cross").get_data(as_text=True)
    typed = re.search(r"<code>sample-micius-name</code>.*?</tr>", html, re.S)[0]
    # Most given first, each marked: a missing accepted answer shows as a common "wrong" one
    assert re.findall(r"<q>([^<]*)</q> × (\d+) <span class=\"(\w+)\"", typed) == [
        ("Mozi satellite", "2", "wrong"),
        ("Micius", "1", "right"),
        ("mozi", "1", "right"),
    ]
    picks = re.search(r"<code>sample-underground-labs</code>.*?</tr>", html, re.S)[0]
    keyed = re.findall(r'<li class="keyed"><strong>(\w)\. ', picks)
    assert keyed == ["A", "B"]  # JUNO and Jinping, the two right choices
    assert re.search(r"<li>C\. Earthlab: 0%</li>", picks)  # a distractor, not marked
    text = teacher.get(f"/teach/items.csv?course={course_id}").get_data(as_text=True)
    rows = {r["question id"]: r for r in csv.DictReader(io.StringIO(text))}
    assert rows["sample-underground-labs"]["key"] == "A B"
    assert rows["sample-micius-name"]["common answers"] == (
        "Mozi satellite: 2 (wrong); Micius: 1 (right); mozi: 1 (right)"
    )


def test_every_csv_has_a_for_excel_twin_with_a_byte_order_mark(app, teacher):
    course_id, code = create_class(teacher)
    take_quiz(app, join(app, "excel", code), bank_ids(app)[0])
    pages = [f"/teach/classes/{course_id}", f"/teach/items?course={course_id}", "/teach/items"]
    for page in pages:
        html = teacher.get(page).get_data(as_text=True)
        links = [h.replace("&amp;", "&") for h in re.findall(r'href="([^"]+\.csv[^"]*)"', html)]
        plain = [h for h in links if "bom=1" not in h]
        assert plain, page

        def same(link):  # the path and its query, in any order
            path, _, query = link.partition("?")
            return path, sorted(p for p in query.split("&") if p)

        for href in plain:  # each plain CSV link has its twin, the same file with a BOM
            path, query = same(href)
            twin = next((h for h in links if same(h) == (path, sorted([*query, "bom=1"]))), None)
            assert twin is not None, (page, href, links)
            body = teacher.get(twin).get_data()
            assert body.startswith("\ufeff".encode()), twin
            assert body[3:] == teacher.get(href).get_data(), twin
