"""The banks and class pages, their download routes and `quizapp export` read the registries."""

import csv
import dataclasses
import io

import pytest
from markupsafe import escape

from quizapp.formats import BANK_FORMATS
from quizapp.teaching.exports import SCORE_EXPORTS, ScoreExport, exports_of
from tests.factories import create_class, join
from tests.quizhelp import bank_ids, take_quiz


def incomplete(entry: ScoreExport) -> list[str]:
    """Return the fields of a score export that are missing or malformed."""
    bad = [f.name for f in dataclasses.fields(entry) if getattr(entry, f.name) in (None, "")]
    if entry.route not in ("export_scores", "export_items"):
        bad.append("route")
    if not (callable(entry.filename) and callable(entry.rows)):
        bad.append("filename or rows")
    return bad


@pytest.mark.parametrize("name", list(SCORE_EXPORTS))
def test_every_score_export_is_complete(name):
    entry = SCORE_EXPORTS[name]
    assert entry.name == name and incomplete(entry) == []
    assert exports_of(entry.command)[name] is entry


def test_an_incomplete_score_export_is_caught():
    entry = SCORE_EXPORTS["long"]
    assert incomplete(dataclasses.replace(entry, link_text="")) == ["link_text"]
    assert incomplete(dataclasses.replace(entry, route="elsewhere")) == ["route"]
    assert incomplete(dataclasses.replace(entry, rows=None)) == ["rows", "filename or rows"]


def test_the_class_page_links_every_score_export_and_each_link_downloads_it(app, teacher):
    course_id, code = create_class(teacher)
    take_quiz(app, join(app, "regstu", code), bank_ids(app)[0])
    page = teacher.get(f"/teach/classes/{course_id}").get_data(as_text=True)
    with app.test_request_context():
        from flask import url_for

        for entry in SCORE_EXPORTS.values():
            course = type("Course", (), {"id": course_id})()
            url = url_for(f"instructor.{entry.route}", **entry.url_args(course))
            link = f'<a href="{escape(url)}">{entry.link_text}</a>'
            assert link in page, entry.name
            response = teacher.get(url)
            assert response.status_code == 200 and response.mimetype == "text/csv"
            assert entry.filename(course) in response.headers["Content-Disposition"]
            rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
            # a row per student, answer or question: the quiz taken gives each at least one
            assert len(rows) > 1, entry.name
    assert page.count(">for Excel<span") == sum(e.excel_link for e in SCORE_EXPORTS.values())
    assert teacher.get(f"/teach/classes/{course_id}/scores.csv?format=items").status_code == 404


def test_the_banks_page_links_every_bank_format_and_each_link_downloads_it(app, teacher):
    page = teacher.get("/teach/banks").get_data(as_text=True)
    bank = bank_ids(app)[0]
    for entry in BANK_FORMATS.values():
        url = f"/teach/banks/{bank}.{entry.extension}"
        assert f'<a href="{url}">{entry.link_text}<span' in page
        response = teacher.get(url)
        assert response.status_code == 200 and response.mimetype == entry.mimetype
        assert f'filename="{bank}.{entry.extension}"' in response.headers["Content-Disposition"]
    assert teacher.get(f"/teach/banks/{bank}.moodle-xml").status_code == 404


def test_the_cli_writes_every_score_export_under_its_command(app, runner, tmp_path):
    for entry in SCORE_EXPORTS.values():
        choices = exports_of(entry.command)
        args = ["export", entry.command, "-o", str(tmp_path / f"{entry.name}.csv")]
        if len(choices) > 1:
            args += ["--format", entry.name]
        result = runner.invoke(args=args)
        assert result.exit_code == 0, result.output
        header = (tmp_path / f"{entry.name}.csv").read_text(encoding="utf-8").splitlines()[0]
        with app.app_context():
            expected, _rows = entry.rows(None)
        assert header == ",".join(expected), entry.name
