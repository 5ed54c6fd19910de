"""Instructor pages for a class's assignments: the list, setting, changing, copying and
deleting one, releasing its feedback, previewing it as a student, accommodations, and the
LMS grade sync of an assignment an LMS shows (resending its grades).

Routes on the instructor blueprint (its access rules: instructors only, their own classes).
"""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from quizapp.content.markup import render_markdown
from quizapp.learning import assigned
from quizapp.learning.schedule import status as window_status
from quizapp.lti import scores, sender
from quizapp.models.content import utcnow
from quizapp.teaching import assignments, classes
from quizapp.teaching.assignments import Invalid, Settings
from quizapp.views.instructor import bp, course_or_404, instructor_required
from quizapp.web.forms import (
    ASSIGNMENT_POLICY_CHOICES,
    FEEDBACK_CHOICES,
    AssignmentForm,
    DuplicateForm,
    assignment_form,
    override_form,
)
from quizapp.web.lti_session import launched

CLASS = "/classes/<int:course_id>/assignments"
ONE = CLASS + "/<int:assignment_id>"
# How the pages name a setting's values, as the form offers them
LABELS = {
    "feedback": {choice.value: choice.label for choice in FEEDBACK_CHOICES},
    "policy": {choice.value: choice.label for choice in ASSIGNMENT_POLICY_CHOICES},
}


def _page(template: str, **context) -> str:
    return render_template(f"instructor/{template}", labels=LABELS, **context)


def _assignment_or_404(course, assignment_id: int):
    found = assignments.get(course.id, assignment_id)
    if found is None:
        abort(404, description="This class has no assignment with that number.")
    return found


def _to(endpoint: str, assignment, **args):
    """Redirect (See Other) to one of an assignment's pages."""
    url = url_for(endpoint, course_id=assignment.course_id, assignment_id=assignment.id, **args)
    return redirect(url, 303)


@bp.get(CLASS, endpoint="assignments")
@instructor_required
def list_assignments(course_id: int):
    """A class's assignments by due date: status, limits, submissions and mean score."""
    course = course_or_404(course_id)
    return _page(
        "assignments.html",
        course=course,
        rows=assignments.summaries(course.id),
        students=len(classes.students(course.id)),
    )


def _banks(stored: Settings | None = None) -> list[tuple[str, str]]:
    """Return the banks to count from: the live ones, and any retired one the draw names."""
    banks = assignments.bank_choices()
    live = dict(banks)
    drawn = [b for b, _ in stored.draw] if stored else []
    return banks + [(b, f"{b} (no longer offered)") for b in drawn if b not in live]


def _form_page(course, form: AssignmentForm, assignment=None, locked: bool = False):
    status = 400 if form.errors or form.draw_errors else 200
    return _page(
        "assignment_form.html",
        course=course,
        form=form,
        assignment=assignment,
        locked=locked,
        pool_locked=assignments.POOL_LOCKED,
    ), status


@bp.route(CLASS + "/new", methods=["GET", "POST"])
@instructor_required
def new_assignment(course_id: int):
    """Set a new assignment for the class."""
    course = course_or_404(course_id)
    form = assignment_form(_banks(), course.timezone)
    if form.validate_on_submit():
        try:
            made = assignments.create(course.id, form.settings())
        except Invalid as invalid:
            form.add_errors(invalid.errors)
        else:
            flash(f"“{made.title}” is set for {course.name}.", "success")
            lms = launched()
            if lms and lms.get("instructor") and lms.get("course") == course.id:
                # Adding an activity from the LMS: back to the list to pick it.
                return redirect(url_for("lti.choose"), 303)
            return _to(".assignment", made)
    return _form_page(course, form)


@bp.get(ONE)
@instructor_required
def assignment(course_id: int, assignment_id: int):
    """One assignment: its settings, instructions and what can be done with it."""
    course = course_or_404(course_id)
    found = _assignment_or_404(course, assignment_id)
    return _page(
        "assignment.html",
        course=course,
        assignment=found,
        titles=dict(_banks(Settings.of(found))),
        instructions=render_markdown(found.instructions),
        status=window_status(found, None, utcnow()),
        released=assignments.feedback_open(found),
        started=assignments.has_attempts(found.id),
        grade_sync=scores.sync_status(found.id),
        now=utcnow(),
    )


@bp.route(ONE + "/edit", methods=["GET", "POST"])
@instructor_required
def edit_assignment(course_id: int, assignment_id: int):
    """Change an assignment; once students have started, its question pool stays as it is."""
    course = course_or_404(course_id)
    found = _assignment_or_404(course, assignment_id)
    stored = Settings.of(found)
    locked = assignments.has_attempts(found.id)
    form = assignment_form(_banks(stored), course.timezone, stored)
    if form.validate_on_submit():
        try:
            assignments.change(found, form.settings(stored if locked else None))
        except Invalid as invalid:
            form.add_errors(invalid.errors)
        else:
            flash(f"“{form.title.data.strip()}” is saved.", "success")
            return _to(".assignment", found)
    return _form_page(course, form, found, locked)


@bp.route(ONE + "/duplicate", methods=["GET", "POST"])
@instructor_required
def duplicate_assignment(course_id: int, assignment_id: int):
    """Copy an assignment into this class or another of the instructor's (no attempts)."""
    course = course_or_404(course_id)
    found = _assignment_or_404(course, assignment_id)
    form = DuplicateForm(course=course.id, title=assignments.copy_title(found.title))
    form.course.choices = [
        SelectChoice(c.id, c.name) for c, _ in classes.courses_taught(current_user.id)
    ]
    errors: list[str] = []
    if form.validate_on_submit():
        target = course_or_404(form.course.data)  # deleted since the page was shown: 404
        try:
            copy = assignments.duplicate(found, target.id, form.title.data.strip())
        except Invalid as invalid:  # a bank it draws from was retired since, say
            errors = [m for messages in invalid.errors.values() for m in messages]
        else:
            flash(f"Copied to {target.name}: check its dates before students see it.", "success")
            return _to(".edit_assignment", copy)
    status = 400 if form.errors or errors else 200
    return _page(
        "duplicate_assignment.html",
        course=course,
        assignment=found,
        form=form,
        errors=errors,
    ), status


@bp.route(ONE + "/delete", methods=["GET", "POST"])
@instructor_required
def delete_assignment(course_id: int, assignment_id: int):
    """Delete an assignment after a confirmation page; students' attempts stay theirs."""
    course = course_or_404(course_id)
    found = assignments.get(course.id, assignment_id)
    if found is None and request.method == "POST":  # a second click on "Delete"
        flash("That assignment is already deleted.", "info")
        return redirect(url_for(".assignments", course_id=course.id), 303)
    found = found or _assignment_or_404(course, assignment_id)
    if request.method == "GET":
        return _page(
            "delete_assignment.html",
            course=course,
            assignment=found,
            started=assignments.has_attempts(found.id),
        )
    title = found.title
    assignments.delete_assignment(found)
    flash(f"“{title}” is deleted; students' attempts at it stay in their history.", "success")
    return redirect(url_for(".assignments", course_id=course.id), 303)


@bp.post(ONE + "/release")
@instructor_required
def release_feedback(course_id: int, assignment_id: int):
    """Show every attempt's feedback from now on, before the setting would."""
    course = course_or_404(course_id)
    found = _assignment_or_404(course, assignment_id)
    assignments.release_feedback(found)
    flash("Feedback is released: students now see the answers of their attempts.", "success")
    return _to(".assignment", found)


@bp.post(ONE + "/preview")
@instructor_required
def preview_assignment(course_id: int, assignment_id: int):
    """Take the assignment as a student would, in an attempt that never counts."""
    course = course_or_404(course_id)
    found = _assignment_or_404(course, assignment_id)
    started = assigned.start(found, current_user.id, preview=True)
    if started.attempt is None:
        flash(started.refusal or "The preview could not start.", "error")
        return _to(".assignment", found)
    return redirect(url_for("learner.resume", attempt_id=started.attempt.id), 303)


# Accommodations


@bp.get(ONE + "/overrides")
@instructor_required
def overrides(course_id: int, assignment_id: int):
    """The class's students, each with their accommodation on this assignment."""
    course = course_or_404(course_id)
    found = _assignment_or_404(course, assignment_id)
    return _page(
        "overrides.html",
        course=course,
        assignment=found,
        students=classes.students(course.id),
        given=assignments.overrides(found.id),
    )


def _student_or_404(course, user_id: int):
    member = classes.student_of(course.id, user_id)
    if member is None:
        abort(404, description="That student is not in this class.")
    return member


@bp.route(ONE + "/overrides/<int:user_id>", methods=["GET", "POST"])
@instructor_required
def override(course_id: int, assignment_id: int, user_id: int):
    """Give one student more time, a later close date or more attempts."""
    course = course_or_404(course_id)
    found = _assignment_or_404(course, assignment_id)
    member = _student_or_404(course, user_id)
    current = assignments.override_of(found.id, member.id)
    form = override_form(course.timezone, current)
    if form.validate_on_submit():
        try:
            assignments.set_override(found, member.id, form.settings())
        except Invalid as invalid:
            form.add_errors(invalid.errors)
        else:
            flash(f"{member.full_name or member.username}'s accommodation is saved.", "success")
            return _to(".overrides", found)
    return _page(
        "override.html",
        course=course,
        assignment=found,
        member=member,
        current=current,
        form=form,
    ), 400 if form.errors else 200


@bp.post(ONE + "/overrides/<int:user_id>/remove")
@instructor_required
def remove_override(course_id: int, assignment_id: int, user_id: int):
    """Take one student's accommodation away: the assignment's own settings apply again."""
    course = course_or_404(course_id)
    found = _assignment_or_404(course, assignment_id)
    member = _student_or_404(course, user_id)
    assignments.remove_override(found, member.id)
    flash(f"{member.full_name or member.username} has no accommodation now.", "success")
    return _to(".overrides", found)


# LMS grade sync


def _say_sent(report: sender.Report) -> None:
    """Flash what a resend did: how many grades the LMS took, and why it refused any."""
    sent, failed = len(report.sent), len(report.failed)
    if report.later:
        more = report.later
        flash(
            f"{more} more grade{'s' * (more != 1)} will be sent shortly, in the background.", "info"
        )
    if not sent and not failed:
        flash("There was no grade to send: none is waiting, or it is being sent now.", "info")
        return
    if sent:
        flash(f"The LMS took {sent} grade{'s' * (sent != 1)}.", "success")
    if failed:
        reason = report.failed[0].error
        flash(
            f"The LMS did not take {failed} grade{'s' * (failed != 1)}: {reason} quizapp "
            "tries again later, with longer waits.",
            "error",
        )


@bp.post(ONE + "/lms-grades/resend")
@instructor_required
def resend_grades(course_id: int, assignment_id: int):
    """Send every student's grade to the LMS again now, whatever it is waiting for."""
    course = course_or_404(course_id)
    found = _assignment_or_404(course, assignment_id)
    _say_sent(sender.resend(found.id))
    return _to(".assignment", found, _anchor="lms-grades")


@bp.post(ONE + "/lms-grades/<int:user_id>/resend")
@instructor_required
def resend_grade(course_id: int, assignment_id: int, user_id: int):
    """Send one student's grade to the LMS again now."""
    course = course_or_404(course_id)
    found = _assignment_or_404(course, assignment_id)
    _say_sent(sender.resend(found.id, user_id))
    return _to(".assignment", found, _anchor="lms-grades")
