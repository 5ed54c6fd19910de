"""Grades and reports per assignment, on both backends: the gradebook's assignment columns
under each one's policy with practice apart, the drill-down, the wide and long CSVs, and
item analysis and the heatmap filtered by assignment."""

import csv
import io
import re
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from markupsafe import escape

from quizapp import clock
from quizapp.accounts.users import create_user
from quizapp.extensions import db
from quizapp.learning import assigned, attempts
from quizapp.learning.question_cache import question_view
from quizapp.models import Assignment, Attempt, Bank
from quizapp.teaching import assignments, classes, gradebook
from quizapp.teaching.assignments import Settings
from tests.conftest import Auth
from tests.factories import create_class
from tests.quizhelp import right_values

MON = datetime(2026, 9, 7, 9, 0)
FRI = datetime(2026, 9, 11, 17, 0)
BIG = "sample-big-science"  # three questions of one point each


@pytest.fixture
def frozen(monkeypatch):
    state = {"now": MON + timedelta(hours=1)}
    monkeypatch.setattr(clock, "now", lambda: state["now"])
    return state


@pytest.fixture
def klass(app, teacher, frozen):
    """Prof's class (made through the page) with students ana, ben and cal: (id, {name: id})."""
    course_id, code = create_class(teacher)
    ids = {}
    with app.test_request_context():
        for name in ("ana", "ben", "cal"):
            user = create_user(name, Auth.PASSWORD, full_name=f"{name.title()} Student",
                               email=f"{name}@example.org")  # fmt: skip
            db.session.commit()
            classes.join_course(user.id, code)
            ids[name] = user.id
    return course_id, ids


def _set(app, course_id: int, **changes) -> int:
    """Create an assignment drawing every question of the three-question bank; return its id."""
    values = dict(title="Week 1", draw=[(BIG, 3)], points=9.0, opens_at=MON, closes_at=FRI)
    values.update(changes)
    with app.test_request_context():
        return assignments.create(course_id, Settings(**values)).id


def _answer(attempt, right: int) -> None:
    """Answer the first ``right`` questions rightly and leave the rest unanswered."""
    for position in range(right):
        assert not attempts.submit_answer(
            attempt, position, right_values(attempt, position), None
        ).late


def take(app, assignment_id: int, user_id: int, right: int, finish=True, preview=False) -> int:
    """Start an attempt at an assignment, answer ``right`` questions rightly; return its id."""
    with app.test_request_context():
        made = db.session.get(Assignment, assignment_id)
        started = assigned.start(made, user_id, preview=preview)
        assert started.attempt is not None, started.refusal
        _answer(started.attempt, right)
        if finish:
            attempts.finish_attempt(started.attempt)
        return started.attempt.id


def practise(app, user_id: int, right: int, bank: str = BIG) -> int:
    """Take a practice quiz at a bank, ``right`` questions rightly; return the attempt id."""
    with app.test_request_context():
        attempt = attempts.start_attempt(user_id, bank)
        _answer(attempt, right)
        attempts.finish_attempt(attempt)
        return attempt.id


def table(page: str, label: str) -> str:
    """Return the HTML of the table in the region of that accessible name."""
    return re.search(rf'aria-label="{re.escape(label)}[^"]*">(.*?)</table>', page, re.S)[1]


def row_of(html: str, username: str) -> list[str]:
    """Return the cells (after the name) of one student's row in a table's HTML."""
    rows = re.findall(r"<tr>(.*?)</tr>", html, re.S)
    found = next(r for r in rows if f'<span class="meta">{username}</span>' in r)
    return [c.strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", found, re.S)]


GRADES = "Assignment grades"
PRACTICE = "Practice scores"


def test_columns_are_the_assignments_by_due_date_with_policy_and_points(app, teacher, klass):
    course_id, _ = klass
    _set(app, course_id, title="Week 2", closes_at=FRI + timedelta(days=7), score_policy="first")
    _set(app, course_id, title="Open-ended", closes_at=None, points=20.0, score_policy="average")
    _set(app, course_id, title="Week 1", score_policy="latest")
    gone = _set(app, course_id, title="Withdrawn")
    with app.test_request_context():
        assignments.delete_assignment(db.session.get(Assignment, gone))
        shown = gradebook.page(course_id, "best", "name", False, 1, 50)
    assert [a.title for a in shown.assignments] == ["Week 1", "Week 2", "Open-ended"]
    assert [a.out_of for a in shown.assignments] == [9, 9, 20]
    grades = table(teacher.get(f"/teach/classes/{course_id}").text, GRADES)
    heads = re.findall(r'<th scope="col"[^>]*>\s*<a href="[^"]*sort=(\w+)[^"]*"[^>]*>([^<]+)</a>'
                       r'(?:<span class="col-detail">([^<]*)</span>)?', grades)  # fmt: skip
    graded = [(key, title, detail) for key, title, detail in heads if detail]
    assert [(title, detail) for _key, title, detail in graded] == [
        ("Week 1", "latest attempt · out of 9"),
        ("Week 2", "first attempt · out of 9"),
        ("Open-ended", "average of attempts · out of 20"),
    ]
    assert [key for key, _t, _d in graded] == [a.key for a in shown.assignments]
    assert all(re.fullmatch(r"a\d+", a.key) for a in shown.assignments)


@pytest.mark.parametrize(
    ("policy", "points"), [("best", "9"), ("latest", "0"), ("average", "4"), ("first", "3")]
)
def test_each_policy_grades_finished_attempts_as_the_student_sees_it(
    app, teacher, klass, frozen, policy, points
):
    course_id, ids = klass
    week = _set(app, course_id, score_policy=policy, attempts_allowed=None)
    for right in (1, 3, 0):  # finished in this order: 1/3, all, none
        take(app, week, ids["ana"], right)
        frozen["now"] += timedelta(minutes=30)
    take(app, week, ids["ana"], 2, finish=False)  # open: not counted yet
    take(app, week, ids["ana"], 3, preview=True)  # a preview never counts
    page = teacher.get(f"/teach/classes/{course_id}").text
    assert row_of(table(page, GRADES), "ana")[0] == points
    assert row_of(table(page, GRADES), "ben")[0] == "—"  # no attempt, no grade
    with app.test_request_context():
        mine = assigned.assigned_to(ids["ana"])[0].score
        shown = gradebook.page(course_id, "best", "name", False, 1, 50)
    key = shown.assignments[0].key
    ana = next(r for r in shown.rows if r.username == "ana")
    assert ana.grades[key] == pytest.approx(mine)  # the gradebook agrees with ana's own page
    assert shown.grade_averages[key] == pytest.approx(mine)  # ana is the only one graded


def test_practice_is_shown_apart_and_counts_in_no_grade(app, teacher, klass):
    course_id, ids = klass
    week = _set(app, course_id)
    practise(app, ids["ana"], 3)
    practise(app, ids["ben"], 3)
    take(app, week, ids["ben"], 1)
    page = teacher.get(f"/teach/classes/{course_id}").text
    assert '<h3 id="practice">Practice (not counted)</h3>' in page
    grades, practice = table(page, GRADES), table(page, PRACTICE)
    assert row_of(grades, "ana")[:2] == ["—", "0 of 1"]  # practice alone: no grade
    assert row_of(grades, "ben")[:2] == ["3", "1 of 1"]  # the assignment's 1 of 3, of 9 points
    assert row_of(practice, "ana")[0] == "100%" and row_of(practice, "ben")[0] == "100%"
    assert "Week 1" not in practice and "sample" not in grades
    assert re.search(r'Class average</th>\s*<td class="num">3</td>', grades)
    # The assignment's attempt is no practice: ben's practice average stays his practice's
    with app.test_request_context():
        shown = gradebook.page(course_id, "best", "name", False, 1, 50)
    assert shown.averages[BIG] == 1.0


def test_the_class_average_follows_each_finished_attempt_and_the_class(app, teacher, klass):
    course_id, ids = klass
    week = _set(app, course_id)
    take(app, week, ids["ana"], 3)

    def average() -> str:
        page = teacher.get(f"/teach/classes/{course_id}").text
        return re.search(r'Class average</th>\s*<td class="num">([^<]+)</td>', table(page, GRADES))[
            1
        ]

    assert average() == "9"
    take(app, week, ids["ben"], 1)
    assert average() == "6"  # (9 + 3) / 2: kept means are of the attempts finished since too
    take(app, week, ids["ben"], 3, finish=False)  # answering the last question finishes it
    assert average() == "9"
    with app.test_request_context():
        classes.remove_member(course_id, ids["ben"])
    assert average() == "9"
    with app.test_request_context():
        made = db.session.get(Assignment, week)
        assignments.change(made, replace(Settings.of(made), score_policy="average"))
    take(app, week, ids["ana"], 0)
    assert average() == "4.5"  # ana's average of 9 and 0 under the new policy


def test_sorting_by_an_assignment_pages_the_whole_class(app, teacher, klass):
    course_id, ids = klass
    week = _set(app, course_id)
    take(app, week, ids["ana"], 1)
    take(app, week, ids["cal"], 3)  # ben: nothing, last whichever the direction
    key = f"a{week}"
    page = teacher.get(f"/teach/classes/{course_id}?sort={key}&dir=desc").text
    assert 'aria-sort="descending"' in table(page, GRADES)
    order = [u for u in re.findall(r'<span class="meta">(\w+)</span>', table(page, GRADES))]
    assert order == ["cal", "ana", "ben"]
    with app.test_request_context():
        for descending, expected in ((True, ["cal", "ana", "ben"]), (False, ["ana", "cal", "ben"])):
            pages = [gradebook.page(course_id, "best", key, descending, n, 1) for n in (1, 2, 3)]
            assert [p.rows[0].username for p in pages] == expected
            assert {p.count for p in pages} == {3} and {p.sort for p in pages} == {key}
        by_count = gradebook.page(course_id, "best", "submitted", True, 1, 3)
    assert [r.username for r in by_count.rows] == ["ana", "cal", "ben"]
    unknown = teacher.get(f"/teach/classes/{course_id}?sort=a999999&dir=desc")
    assert unknown.status_code == 200  # an unknown column sorts by name


def test_an_overdue_open_attempt_is_finished_by_opening_the_gradebook(app, teacher, klass, frozen):
    course_id, ids = klass
    week = _set(app, course_id, time_limit=20)
    attempt_id = take(app, week, ids["ana"], 2, finish=False)
    frozen["now"] += timedelta(minutes=45)
    page = teacher.get(f"/teach/classes/{course_id}").text
    assert row_of(table(page, GRADES), "ana")[0] == "6"  # 2 of 3 right, of 9 points
    with app.test_request_context():
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt.finished_at == attempt.deadline == MON + timedelta(hours=1, minutes=20)


def test_the_student_page_lists_assignment_attempts_apart_from_practice(app, teacher, klass):
    course_id, ids = klass
    week = _set(app, course_id, title="Week <1>")
    take(app, week, ids["ana"], 3)
    take(app, week, ids["ana"], 1)
    practise(app, ids["ana"], 2)
    other_course, _code = create_class(teacher, name="Other class")
    elsewhere = _set(app, other_course, title="Elsewhere")
    with app.test_request_context():
        classes.join_course(ids["ana"], _code)
    take(app, elsewhere, ids["ana"], 3)
    page = teacher.get(f"/teach/classes/{course_id}/students/{ids['ana']}").text
    graded = page[page.index("<h2>Assignments</h2>") : page.index("<h2>Practice")]
    practice = page[page.index("<h2>Practice") :]
    assert re.findall(r">(Week &lt;1&gt;, attempt \d)</a>", graded) == [
        "Week &lt;1&gt;, attempt 2",
        "Week &lt;1&gt;, attempt 1",
    ]
    assert "3 of 9" in graded and "9 of 9" in graded  # in the assignment's points
    assert "Elsewhere" not in page  # another class's assignment
    with app.app_context():
        title = db.session.get(Bank, BIG).title
    assert re.findall(r">([^<>]+), attempt (\d)</a>", practice) == [(str(escape(title)), "1")]
    # Drilling down, the attempt is named by its assignment, not the bank it draws from.
    link = re.search(r'href="([^"]+)">Week &lt;1&gt;, attempt 1</a>', graded).group(1)
    answers = teacher.get(link.replace("&amp;", "&")).text
    assert "<h1>Week &lt;1&gt; (assignment), attempt 1</h1>" in answers


def _csv(teacher, url: str) -> list[dict]:
    response = teacher.get(url)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_the_wide_csv_has_a_column_per_assignment_out_of_its_points(app, teacher, klass):
    course_id, ids = klass
    week1 = _set(app, course_id, points=10.0, score_policy="best")
    week2 = _set(app, course_id, title="=Week 2", points=4.5, closes_at=FRI + timedelta(days=7))
    take(app, week1, ids["ana"], 2)
    take(app, week1, ids["ana"], 1)
    take(app, week2, ids["ben"], 3)
    practise(app, ids["cal"], 3)
    text = teacher.get(f"/teach/classes/{course_id}/scores.csv?format=wide").text
    header = next(csv.reader(io.StringIO(text)))
    assert header == [
        "username",
        "full name",
        "email",
        "class",
        "Week 1 (out of 10)",
        "'=Week 2 (out of 4.5)",  # a title is text, never a formula
    ]
    rows = {r["username"]: r for r in csv.DictReader(io.StringIO(text))}
    assert rows["ana"]["Week 1 (out of 10)"] == "6.67"  # best of 2/3 and 1/3, of 10 points
    assert rows["ana"]["'=Week 2 (out of 4.5)"] == ""  # no attempt: empty, not 0
    assert rows["ben"]["'=Week 2 (out of 4.5)"] == "4.5"
    assert rows["cal"]["Week 1 (out of 10)"] == rows["cal"]["'=Week 2 (out of 4.5)"] == ""
    assert rows["cal"]["email"] == "cal@example.org" and rows["cal"]["class"] == "Policy 101"


def test_the_long_csv_names_each_answers_assignment_and_leaves_previews_out(
    app, teacher, klass, runner
):
    course_id, ids = klass
    week = _set(app, course_id, title="Week 1")
    take(app, week, ids["ana"], 2)
    take(app, week, ids["ana"], 3)
    take(app, week, ids["ana"], 3, preview=True)  # an instructor's kind of try
    practise(app, ids["ana"], 1)
    rows = _csv(teacher, f"/teach/classes/{course_id}/scores.csv?format=long")
    seen = [(r["attempt kind"], r["assignment"], r["attempt"]) for r in rows]
    assert seen == [("assignment", "Week 1", "1")] * 2 + [("assignment", "Week 1", "2")] * 3 + [
        ("practice", "", "1")
    ]
    header = list(rows[0])
    assert header.index("attempt kind") == header.index("attempt id") + 1
    assert header[header.index("attempt kind") + 1] == "assignment"
    everyone = runner.invoke(args=["export", "scores", "--format", "long"])
    assert everyone.exit_code == 0, everyone.output
    assert len(list(csv.DictReader(io.StringIO(everyone.output)))) == 6


def test_exports_finish_overdue_attempts_first(app, teacher, klass, frozen):
    course_id, ids = klass
    week = _set(app, course_id, time_limit=20)
    take(app, week, ids["ana"], 1, finish=False)
    frozen["now"] += timedelta(hours=1)
    rows = _csv(teacher, f"/teach/classes/{course_id}/scores.csv?format=wide")
    assert next(r for r in rows if r["username"] == "ana")["Week 1 (out of 9)"] == "3"


def _wrong(attempt, position: int) -> list[str]:
    """The form values of a wrong answer at one position (of the three-question bank)."""
    view = question_view(attempt.items[position][1])
    if view.qtype.has_choices:
        wrong = next(c for c in view.choices if not c.correct)
        return [attempts.choice_token(attempt.id, position, wrong.index)]
    if view.type == "true_false":
        return [str(not view.spec["answer"]).lower()]
    return ["1"]  # numeric: far from 2,400


def practise_wrongly(app, user_id: int) -> None:
    with app.test_request_context():
        attempt = attempts.start_attempt(user_id, BIG)
        for position in range(len(attempt.items)):
            attempts.submit_answer(attempt, position, _wrong(attempt, position), None)


@pytest.fixture
def answered(app, klass):
    """ana takes Week 1 (every question of the bank) rightly; ben practises it wrongly."""
    course_id, ids = klass
    week = _set(app, course_id)
    take(app, week, ids["ana"], 3)
    practise_wrongly(app, ids["ben"])
    return course_id, week


def responses(html: str) -> dict[str, tuple[str, str]]:
    """Return each question's (responses, facility) cells from an item-analysis page."""
    found = re.findall(
        r'<th scope="row"><code>([^<]+)</code>.*?</th>\s*<td class="num">(\d+)</td>\s*'
        r'<td class="num">([^<]+)</td>',
        html,
        re.S,
    )
    return {qid: (n, facility) for qid, n, facility in found}


def test_item_analysis_reads_all_answers_practice_or_one_assignments(app, teacher, answered):
    course_id, week = answered
    url = f"/teach/items?course={course_id}"
    everything = teacher.get(url).text
    assert '<label for="assignment">Answers</label>' in everything
    assert f'<option value="{week}" >Assignment: Week 1</option>' in everything
    assert set(responses(everything).values()) == {("2", "50%")}
    graded = teacher.get(f"{url}&assignment={week}").text
    assert set(responses(graded).values()) == {("1", "100%")}
    assert f'<option value="{week}" selected>' in graded
    assert "Answers to the assignment “Week 1” only" in graded
    practice = teacher.get(f"{url}&assignment=practice").text
    assert set(responses(practice).values()) == {("1", "0%")}
    # The CSV link keeps the filter, and the file is the page's
    link = re.search(r'href="(/teach/items\.csv\?[^"]+)"', graded)[1].replace("&amp;", "&")
    assert f"assignment={week}" in link
    rows = _csv(teacher, link)
    assert {(r["bank"], r["responses"]) for r in rows} == {(BIG, "1")}


def test_the_heatmap_reads_all_answers_practice_or_one_assignments(app, teacher, answered):
    course_id, week = answered
    url = f"/teach/classes/{course_id}/heatmap?doc=big-science"
    labels = r'<span class="mastery-label">\s*\d+ of \d+ answers right \((\d+%)\)'
    assert set(re.findall(labels, teacher.get(url).text)) == {"50%"}  # ana's and ben's
    graded = teacher.get(f"{url}&assignment={week}").text
    assert set(re.findall(labels, graded)) == {"100%"}
    assert set(re.findall(labels, teacher.get(f"{url}&assignment=practice").text)) == {"0%"}
    # A passage's questions keep the filter, and count its answers alone
    link = re.search(r'href="([^"]*passage=\d+[^"]*)"', graded)[1].replace("&amp;", "&")
    assert f"assignment={week}" in link
    citing = teacher.get(link).text
    assert re.search(r'<td class="num">1</td>\s*<td class="num">100%</td>', citing)


def test_an_assignment_filter_names_one_of_the_class_or_says_why_not(app, teacher, answered):
    course_id, week = answered
    other, _code = create_class(teacher, name="Other class")
    elsewhere = _set(app, other, title="Elsewhere")
    gone = _set(app, course_id, title="Gone")
    with app.test_request_context():
        assignments.delete_assignment(db.session.get(Assignment, gone))
    for base in (f"/teach/items?course={course_id}&", f"/teach/classes/{course_id}/heatmap?"):
        for value in (elsewhere, gone, 99999999999999):
            missing = teacher.get(f"{base}assignment={value}")
            assert missing.status_code == 404, (base, value)
            assert "This class has no assignment with that number." in missing.text
        for value in ("abc", "-1", "1.5", "²"):
            bad = teacher.get(f"{base}assignment={value}")
            assert bad.status_code == 400, (base, value)
            assert "an assignment of this class by its number" in bad.text
    everyone = teacher.get(f"/teach/items?assignment={week}")
    assert everyone.status_code == 400 and "choose the class first" in everyone.text
    # An assignment's banks are those it draws on
    outside = teacher.get(f"/teach/items?course={course_id}&assignment={week}&bank=sample-cross")
    assert outside.status_code == 404 and "no such question bank in this assignment" in outside.text
