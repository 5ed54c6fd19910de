"""Instructor pages: classes, gradebook, drill-down, item analysis, heatmap, exports, upload."""

from collections.abc import Mapping
from dataclasses import dataclass

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_login import current_user

from quizapp.accounts import password_reset
from quizapp.authoring import upload
from quizapp.content.passages import word_diff
from quizapp.content.queries import find_document, list_documents, passage_map
from quizapp.formats import BANK_FORMATS
from quizapp.formats.csvout import stream_rows
from quizapp.learning import assigned, attempts, charts, progress
from quizapp.learning.answer_scope import ALL, PRACTICE, AnswerScope
from quizapp.learning.question_cache import question_view
from quizapp.lti import roster
from quizapp.models import Assignment, Course
from quizapp.teaching import assignments as setting
from quizapp.teaching import classes, exports, gradebook, item_report, stored_reports
from quizapp.web.forms import (
    ConfirmUploadForm,
    CourseForm,
    PolicyForm,
    RenameForm,
    TimezoneForm,
    UploadForm,
)
from quizapp.web.guards import no_store, requires
from quizapp.web.ids import query_id
from quizapp.web.templating import format_percent, format_points

bp = Blueprint("instructor", __name__, url_prefix="/teach")
PAGE_SIZE = 50
SHOWN_WARNINGS = 10  # after a load, as flashed messages


instructor_required = requires("is_instructor", "This page is for instructors.")
bp.after_request(no_store)


def course_or_404(course_id: int | None):
    """Return the signed-in instructor's class, or 404 (others' classes do not exist for them)."""
    course = classes.course_of(current_user.id, course_id) if course_id is not None else None
    if course is None:
        abort(404, description="You have no class with that number.")
    return course


@bp.route("/", methods=["GET", "POST"])
@instructor_required
def home():
    """List the instructor's classes and create new ones."""
    form = CourseForm()
    if form.validate_on_submit():
        course = classes.create_course(current_user.id, form.name.data, form.policy.data)
        flash(f"Class created. Students join with the code {course.join_code}.", "success")
        return redirect(url_for(".course", course_id=course.id), 303)
    return render_template(
        "instructor/home.html", classes=classes.courses_taught(current_user.id), form=form
    ), 400 if form.errors else 200


@bp.route("/classes/<int:course_id>", methods=["GET", "POST"])
@instructor_required
def course(course_id: int):
    """The gradebook of a class: students x assignments, then practice apart; sortable, paged."""
    course = course_or_404(course_id)
    form = PolicyForm(policy=course.score_policy)
    if form.validate_on_submit():
        classes.set_policy(course, form.policy.data)
        return redirect(url_for(".course", course_id=course.id), 303)
    descending = request.args.get("dir") == "desc"
    shown = gradebook.page(
        course.id,
        course.score_policy,
        request.args.get("sort", "name"),
        descending,
        request.args.get("page", 1, type=query_id) or 1,
        PAGE_SIZE,
    )
    return render_template(
        "instructor/course.html",
        course=course,
        assignments=shown.assignments,
        grade_averages=_points_texts(shown.grade_averages, shown.assignments),
        banks=shown.banks,
        rows=shown.rows,
        # Each student's link, for both tables, and the cells as text: a page shows 900, and a
        # Jinja expression for each cost more than the rest of the page.
        links={
            r.user_id: url_for(".student", course_id=course.id, user_id=r.user_id)
            for r in shown.rows
        },
        grades={r.user_id: _points_texts(r.grades, shown.assignments) for r in shown.rows},
        practice={
            r.user_id: [format_percent(r.scores.get(b.id)) for b in shown.banks]
            + [format_percent(r.completion(shown.banks))]
            for r in shown.rows
        },
        total=shown.total,
        averages=shown.averages,
        sort=shown.sort,
        descending=descending,
        page=shown.number,
        pages=shown.count,
        form=form,
        score_exports=exports.SCORE_EXPORTS.values(),
        lms_courses=roster.linked_courses(course.id),
    )


@bp.post("/classes/<int:course_id>/sync-roster")
@instructor_required
def sync_roster(course_id: int):
    """Fill the class's roster from the LMS course(s) it is mapped to, now."""
    course = course_or_404(course_id)
    linked = roster.linked_courses(course.id)
    if not linked:
        flash("This class is not linked to an LMS course: its students join with the code.", "info")
    for lms in linked:
        source = f"{lms.platform_name}: {lms.title}"
        try:
            report = roster.sync(lms.id)
        except roster.RosterError as exc:
            flash(f"The roster of {source} was not synced. {exc}", "error")
        else:
            flash(f"Roster synced from {source}: {report}.", "success")
    return redirect(url_for(".course", course_id=course.id), 303)


def _points_texts(grades: Mapping[str, float | None], columns) -> list[str]:
    """Return a grade per column as points for reading ("—": none)."""
    return [
        "—" if grades.get(c.key) is None else format_points(grades[c.key] * c.out_of)
        for c in columns
    ]


@bp.route("/classes/<int:course_id>/settings", methods=["GET", "POST"])
@instructor_required
def settings(course_id: int):
    """Rename a class, set its time zone, give it a new join code, or go on to delete it."""
    course = course_or_404(course_id)
    form = RenameForm(name=course.name)
    if form.validate_on_submit():
        classes.rename_course(course, form.name.data)
        flash("Class renamed.", "success")
        return redirect(url_for(".settings", course_id=course.id), 303)
    return _settings_page(course, form, _zone_form(course, formdata=None))


def _settings_page(course, form, zone_form):
    status = 400 if form.errors or zone_form.errors else 200
    page = render_template(
        "instructor/settings.html", course=course, form=form, zone_form=zone_form
    )
    return page, status


def _zone_form(course, **kwargs) -> TimezoneForm:
    # A prefix: two forms on one page, each with its own CSRF field, need ids of their own
    return TimezoneForm(prefix="zone", timezone=course.timezone, **kwargs)


@bp.post("/classes/<int:course_id>/timezone")
@instructor_required
def timezone(course_id: int):
    """Set the time zone the class's assignment dates are typed and shown in."""
    course = course_or_404(course_id)
    zone_form = _zone_form(course)
    if zone_form.validate_on_submit():
        classes.set_timezone(course, zone_form.timezone.data)
        flash(f"Assignment dates are now typed and shown in {zone_form.timezone.data}.", "success")
        return redirect(url_for(".settings", course_id=course.id), 303)
    return _settings_page(course, RenameForm(formdata=None, name=course.name), zone_form)


@bp.post("/classes/<int:course_id>/new-code")
@instructor_required
def new_code(course_id: int):
    """Replace the join code, e.g. after it reached people outside the class."""
    course = course_or_404(course_id)
    code = classes.replace_join_code(course)
    flash(f"The new join code is {code}; the old one no longer works.", "success")
    return redirect(url_for(".settings", course_id=course.id), 303)


@bp.route("/classes/<int:course_id>/delete", methods=["GET", "POST"])
@instructor_required
def delete_class(course_id: int):
    """Delete a class after a confirmation page; its students keep their answers."""
    course = classes.course_of(current_user.id, course_id)
    if course is None and request.method == "POST":
        # A second click on "Delete". Said alike for others' classes: ids are not probed.
        flash("You have no class with that number (it may have just been deleted).", "info")
        return redirect(url_for(".home"), 303)
    course = course or course_or_404(course_id)
    if request.method == "GET":
        return render_template("instructor/delete_class.html", course=course)
    name = course.name  # read before the row goes
    classes.delete_course(course)
    flash(f"{name} is deleted.", "success")
    return redirect(url_for(".home"), 303)


def _member_or_404(course, user_id: int):
    member = classes.student_of(course.id, user_id)
    if member is None:
        abort(404, description="That student is not in this class.")
    return member


@bp.get("/classes/<int:course_id>/students/<int:user_id>")
@instructor_required
def student(course_id: int, user_id: int):
    """One student: their attempts at the class's assignments, then their practice."""
    course = course_or_404(course_id)
    member = _member_or_404(course, user_id)
    assigned.finish_overdue(user_id=member.id)
    labels = gradebook.class_assignments(course.id)
    numbered = attempts.numbered_attempts(member.id)
    return render_template(
        "instructor/student.html",
        course=course,
        member=member,
        # Another class's assignments are its instructors' business.
        graded=[(a, n) for a, n in numbered if a.assignment_id in labels],
        attempts=[(a, n) for a, n in numbered if a.assignment_id is None],
        labels=labels,
        titles=gradebook.bank_titles(),
    )


@bp.get("/classes/<int:course_id>/students/<int:user_id>/attempts/<int:attempt_id>")
@instructor_required
def attempt(course_id: int, user_id: int, attempt_id: int):
    """Every answer of one attempt, with the feedback the student saw."""
    course = course_or_404(course_id)
    member = _member_or_404(course, user_id)
    found = [(a, n) for a, n in attempts.numbered_attempts(member.id) if a.id == attempt_id]
    if not found:
        abort(404, description="That attempt is not this student's.")
    (attempt, number), answers = found[0], attempts.answers_by_position(attempt_id)
    items = [(pos + 1, question_view(a.version_id), a) for pos, a in sorted(answers.items())]
    return render_template(
        "instructor/attempt.html",
        course=course,
        member=member,
        attempt=attempt,
        attempt_number=number,
        items=items,
        title=_attempt_title(attempt),
    )


def _attempt_title(attempt) -> str:
    """Name an attempt by its assignment ("Week 1 (assignment)") or the quiz practised."""
    assignment = assigned.assignment_of(attempt)
    if assignment is not None:
        return f"{assignment.title} (assignment)"
    return gradebook.bank_titles().get(attempt.bank_id, attempt.bank_id)


@bp.route("/classes/<int:course_id>/students/<int:user_id>/remove", methods=["GET", "POST"])
@instructor_required
def remove_student(course_id: int, user_id: int):
    """Take a student out of the class, after a confirmation page; their answers stay theirs."""
    course = course_or_404(course_id)
    member = classes.student_of(course.id, user_id)
    if member is None and request.method == "POST":
        flash("That student is not in this class.", "info")  # a second click on "Remove"
        return redirect(url_for(".course", course_id=course.id), 303)
    member = member or _member_or_404(course, user_id)
    if request.method == "GET":
        return render_template("instructor/remove_student.html", course=course, member=member)
    classes.remove_member(course.id, member.id)
    flash(f"{member.full_name or member.username} is no longer in {course.name}.", "success")
    return redirect(url_for(".course", course_id=course.id), 303)


@bp.post("/classes/<int:course_id>/students/<int:user_id>/reset-link")
@instructor_required
def reset_link(course_id: int, user_id: int):
    """Make a link that lets a student of the class who forgot their password choose a new one."""
    course = course_or_404(course_id)
    member = _member_or_404(course, user_id)
    if member.is_instructor:
        abort(403, description="Only a student's password can be reset here.")
    token = password_reset.make_token(member)
    link = url_for("auth.reset", token=token, _external=True)
    page = render_template("instructor/reset_link.html", course=course, member=member, link=link)
    return page, {"Cache-Control": "no-store"}


@bp.get("/classes/<int:course_id>/heatmap")
@instructor_required
def heatmap(course_id: int):
    """Each article's passages tinted by the class's mastery of the questions citing them."""

    course = course_or_404(course_id)
    answers = AnswersShown.from_request(course)
    documents = list_documents()
    doc_id = request.args.get("doc") or (documents[0].id if documents else None)
    document = find_document(documents, doc_id)
    if doc_id and document is None:
        abort(404, description="There is no such article.")
    members = classes.member_ids(course.id)
    mastery = progress.passage_mastery(members, document.id, answers.scope) if document else {}
    selected = request.args.get("passage", type=query_id)
    questions = progress.questions_citing(selected, members, answers.scope) if selected else []
    return render_template(
        "instructor/heatmap.html",
        course=course,
        documents=documents,
        document=document,
        passages=passage_map(document.id) if document else [],
        mastery=mastery,
        chart=charts,
        selected=selected,
        questions=questions,
        answers=answers,
    )


@dataclass(frozen=True)
class AnswersShown:
    """Which of a class's answers a report reads: ``?assignment=`` an assignment's id,
    "practice", or nothing for all of them (a GET form's select: no JavaScript)."""

    scope: AnswerScope
    value: str  # the query value ("" for all answers)
    choices: list[tuple[str, str]]  # (value, label) for the select
    assignment: Assignment | None = None

    @classmethod
    def from_request(cls, course: Course | None) -> "AnswersShown":
        """Return the answers the request names; 400 or 404 for what names none of the class's."""
        value = (request.args.get("assignment") or "").strip()
        if course is None:
            if value:
                abort(400, description="Answers can be chosen by assignment in a class's item "
                      "analysis only: choose the class first.")  # fmt: skip
            return cls(ALL, "", [])
        choices = [("", "All answers"), ("practice", "Practice only (never counted)")] + [
            (str(a.id), f"Assignment: {a.title}") for a in setting.of_course(course.id)
        ]
        if value in ("", "all"):
            return cls(ALL, "", choices)
        if value == "practice":
            return cls(PRACTICE, value, choices)
        if not (value.isascii() and value.isdigit()):
            abort(400, description="Choose the answers to read: all, practice only, or an "
                  "assignment of this class by its number.")  # fmt: skip
        try:
            assignment = setting.get(course.id, query_id(value))
        except ValueError:  # past any id
            assignment = None
        if assignment is None:
            abort(404, description="This class has no assignment with that number.")
        return cls(AnswerScope(assignment.id), str(assignment.id), choices, assignment)


def _csv_response(header, rows, filename: str, bom: bool = False) -> Response:
    response = Response(
        stream_with_context(stream_rows(header, rows, bom=bom)), mimetype="text/csv"
    )
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@dataclass(frozen=True)
class ItemFilter:
    """What the item analysis shows: whose answers (a class, or every student) to which bank.

    Read from the query string, so a plain link or GET form sets it (no JavaScript); a new
    filter (an assignment, say) is one more field here, in ``from_request`` and in ``args``.
    """

    course: Course | None  # the class, or None for every student
    bank: str | None  # a bank id: one bank's report at a time (all six ran to 69,000 px)
    banks: list[tuple[str, str]]  # (id, title) of the banks to choose from
    answers: AnswersShown  # a class's answers: all, practice only, or one assignment's

    @classmethod
    def from_request(cls, all_banks: bool = False) -> "ItemFilter":
        """Return the filter the request names; 404 for a class, assignment or bank that is not
        there (an assignment's banks are those it draws from)."""
        course = None
        if request.args.get("course"):
            course = course_or_404(request.args.get("course", type=query_id))
        answers = AnswersShown.from_request(course)
        banks = item_report.live_banks()
        if answers.assignment is not None:
            drawn = {d["bank"] for d in answers.assignment.draw}
            banks = [(bank_id, title) for bank_id, title in banks if bank_id in drawn]
        bank = request.args.get("bank") or None
        if bank is not None and bank not in dict(banks):
            abort(404, description="There is no such question bank"
                  + (" in this assignment." if answers.assignment else "."))  # fmt: skip
        if bank is None and banks and not all_banks:
            bank = banks[0][0]  # the page starts at the first bank; the CSV has them all
        return cls(course, bank, banks, answers)

    def args(self, **changes) -> dict:
        """Return the query arguments of this filter with ``changes``: for links to others."""
        values = {
            "course": self.course.id if self.course else None,
            "bank": self.bank,
            "assignment": self.answers.value or None,
        }
        return {k: v for k, v in (values | changes).items() if v is not None}

    @property
    def bank_title(self) -> str | None:
        return dict(self.banks).get(self.bank) if self.bank else None


@bp.get("/items")
@instructor_required
def items():
    """Item analysis of one bank's questions, for one class (``?course=``) or all students."""
    shown = ItemFilter.from_request()
    reports, fresh = _item_reports(shown)
    minutes = int(stored_reports.STALE_AFTER.total_seconds() // 60)
    return render_template(
        "instructor/items.html",
        course=shown.course,
        shown=shown,
        reports=reports,
        fresh=fresh,
        stale_minutes=minutes,
    )


def _item_reports(shown: ItemFilter):
    """Return the filter's item reports and, for all students, the stored report's freshness."""
    if shown.course is None:
        reports, fresh = stored_reports.everyone()
        return [r for r in reports if shown.bank in (None, r.bank_id)], fresh
    users = classes.member_ids(shown.course.id)
    reports = item_report.report(shown.bank, users, shown.answers.scope)
    return [r for r in reports if r.bank_id in dict(shown.banks)], None  # an assignment's


@bp.post("/items/recompute")
@instructor_required
def recompute_items():
    """Compute the item analysis of all students again now."""
    stored_reports.everyone(refresh=True)
    flash("The item analysis of all students is computed again, from every answer.", "success")
    return redirect(url_for(".items", bank=request.args.get("bank") or None), 303)


@bp.get("/items.csv")
@instructor_required
def export_items():
    """Item analysis as CSV: every bank, or the one ``?bank=`` names."""
    shown = ItemFilter.from_request(all_banks=True)
    reports, _fresh = _item_reports(shown)
    export = exports.SCORE_EXPORTS["items"]
    header, rows = export.rows(shown.course, reports)
    name = export.filename(shown.course)
    if shown.answers.value:
        which = (
            "practice" if shown.answers.assignment is None else "assignment-" + shown.answers.value
        )
        name = name.removesuffix(".csv") + f"-{which}.csv"
    if shown.bank:
        name = name.removesuffix(".csv") + f"-{shown.bank}.csv"
    return _csv_response(header, rows, name, bool(request.args.get("bom")))


@bp.get("/classes/<int:course_id>/scores.csv")
@instructor_required
def export_scores(course_id: int):
    """A class's scores as CSV in one of its formats (``format=wide``, the gradebook, or long)."""
    course = course_or_404(course_id)
    kind = request.args.get("format", "wide")
    choices = exports.exports_of("scores")
    if kind not in choices:
        abort(404, description=f"Unknown export format: use {' or '.join(choices)}.")
    return _score_export(choices[kind], course)


def _score_export(export, course, *args) -> Response:
    header, rows = export.rows(course, *args)
    return _csv_response(header, rows, export.filename(course), bool(request.args.get("bom")))


@bp.route("/banks", methods=["GET", "POST"])
@instructor_required
def banks():
    """Upload a bank (checked like `quizapp check`) and download any bank."""
    form = UploadForm()
    if form.validate_on_submit():
        uploaded = form.file.data
        data = uploaded.read(upload.MAX_UPLOAD + 1)
        filename = uploaded.filename or "upload.yaml"
        outcome = upload.check_and_load(data, filename, current_user.id)
        return _after_upload(outcome, data, filename, form)
    return _banks_page(form, status=400 if form.errors else 200)


@bp.post("/banks/confirm")
@instructor_required
def confirm_upload():
    """Load a checked upload that retires questions, once the instructor has seen the counts."""
    form = ConfirmUploadForm()
    sealed = upload.unseal(form.upload.data or "", current_user.id)
    if not form.validate_on_submit() or sealed is None:
        flash("This confirmation has expired or is not valid: upload the file again.", "error")
        return redirect(url_for(".banks"), 303)
    data, filename, confirmed = sealed
    outcome = upload.check_and_load(data, filename, current_user.id, confirmed)
    return _after_upload(outcome, data, filename, UploadForm(), again=True)


def _after_upload(outcome, data: bytes, filename: str, form, again: bool = False):
    """Say what an upload did: loaded, refused with its errors, or waiting for a confirmation."""
    if outcome.loaded:
        named = ", ".join(f"“{b.title}” ({b.id})" for b in outcome.result.banks)
        flash(f"Loaded {named}: {upload.describe(outcome.counts)}.", "success")
        for warning in outcome.result.diagnostics[:SHOWN_WARNINGS]:  # no errors: it loaded
            flash(f"Warning, line {warning.line}, column {warning.col}: {warning.message}", "info")
        if len(outcome.result.diagnostics) > SHOWN_WARNINGS:
            more = len(outcome.result.diagnostics) - SHOWN_WARNINGS
            flash(f"…and {more} more warnings: quizapp check lists them all.", "info")
        return redirect(url_for(".banks"), 303)
    if outcome.counts is None:
        # A file over the limit is not shown back: it was cut at the limit, mid-line.
        problems = outcome.result.diagnostics
        source = None if outcome.too_big else upload.annotated_lines(data, problems)
        lines = data.count(b"\n") + (not data.endswith(b"\n"))
        return _banks_page(form, outcome.result, source, status=400, source_lines=lines)
    token = upload.seal(outcome, data, filename, current_user.id)
    if token is None:
        flash("This file is too large to confirm here: split it into smaller banks.", "error")
        return redirect(url_for(".banks"), 303)
    return render_template(
        "instructor/confirm_upload.html",
        # formdata=None: on a second confirmation the posted (outdated) token must not win
        form=ConfirmUploadForm(formdata=None, upload=token),
        filename=filename,
        counts=outcome.counts,
        retiring=outcome.retiring,
        prompts=upload.current_prompts(outcome.retiring),
        banks=outcome.result.banks,
        again=again,
    )


def _banks_page(form, result=None, source=None, status: int = 200, source_lines: int = 0):
    return render_template(
        "instructor/banks.html",
        form=form,
        banks=upload.bank_list(),
        left_out=upload.left_out_of_exports(),
        bank_formats=BANK_FORMATS.values(),
        result=result,
        source=source,
        source_lines=source_lines,
        shown=upload.SHOWN_PROBLEMS,
        summary=upload.summary(result) if result else None,
        word_diff=word_diff,
    ), status


@bp.get("/banks/<bank_id>.<fmt>")
@instructor_required
def download_bank(bank_id: str, fmt: str):
    """Download a bank in one of BANK_FORMATS, named by its file extension."""
    exported = upload.export_bank(bank_id, fmt)
    if exported is None:
        extensions = ", ".join(f.extension for f in BANK_FORMATS.values())
        abort(404, description=f"No such bank or format (use {extensions}).")
    body, mimetype = exported
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{bank_id}.{fmt}"'
    return response
