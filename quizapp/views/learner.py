"""Student pages: quizzes, answering with cited feedback, results, progress and review."""

import secrets
from collections import Counter
from typing import overload

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from quizapp.content.markup import render_markdown
from quizapp.content.queries import find_document, list_documents, passage_map
from quizapp.learning import assigned, attempts, cards, charts, progress, review
from quizapp.learning.question_cache import question_view
from quizapp.learning.schedule import overdue, release_time, released
from quizapp.learning.timing import elapsed_ms, issue_stamp
from quizapp.lti import linking
from quizapp.models.content import utcnow
from quizapp.models.rows import AttemptAssignmentRow, AttemptAtRow, AttemptLike, AttemptRow
from quizapp.teaching import classes, gradebook
from quizapp.web.forms import JoinForm, ReviewForm, ReviewLimitForm
from quizapp.web.lti_session import launched
from quizapp.web.templating import clock_text

bp = Blueprint("learner", __name__)


@bp.before_request
@login_required
def _require_login():
    """Every student page needs a signed-in user."""


@bp.after_request
def _private(response):
    """Student pages are personal: never cached by the browser or a proxy."""
    response.headers["Cache-Control"] = "no-store"
    return response


@overload
def _attempt_or_404(attempt_id: int) -> AttemptRow: ...
@overload
def _attempt_or_404(attempt_id: int, position: int) -> AttemptAtRow: ...
def _attempt_or_404(attempt_id: int, position: int | None = None) -> AttemptLike:
    """Return the signed-in student's attempt (with whether ``position`` is answered), or 404."""
    attempt: AttemptLike | None
    if position is None:
        attempt = attempts.get_attempt(current_user.id, attempt_id)
    else:
        attempt = attempts.get_attempt_at(current_user.id, attempt_id, position)
    if attempt is None:
        abort(404, description="There is no such attempt in your account.")
    return attempt


def _position_or_404(attempt, number: int) -> int:
    if not 1 <= number <= len(attempt.items):
        abort(404, description="This quiz has no question with that number.")
    return number - 1


@bp.get("/quizzes")
def quizzes() -> str:
    """List what the student's classes set them (by class), then every quiz to practise."""
    by_class: dict[int, list[assigned.AssignedRow]] = {}
    for row in assigned.assigned_to(current_user.id):
        by_class.setdefault(row.course.id, []).append(row)
    return render_template(
        "learner/quizzes.html",
        rows=progress.quiz_list(current_user.id),
        classes=sorted(
            by_class.values(), key=lambda rows: (rows[0].course.name, rows[0].course.id)
        ),
        release_time=release_time,
        markdown=render_markdown,
    )


@bp.get("/assignments/<int:assignment_id>")
def assignment(assignment_id: int) -> str:
    """One assignment of the student's classes: what an LMS link opens."""
    rows = [
        row for row in assigned.assigned_to(current_user.id) if row.assignment.id == assignment_id
    ]
    if not rows:
        abort(404, description="There is no such assignment in your classes.")
    return render_template(
        "learner/assignment.html",
        row=rows[0],
        classes=[rows],
        release_time=release_time,
        markdown=render_markdown,
        can_link=launched() is not None and linking.refusal(current_user.id) is None,
    )


@bp.post("/assignments/<int:assignment_id>/start")
def start_assignment(assignment_id: int):
    """Start an assignment, or resume the open attempt at it; say why not when it is refused."""
    assignment = assigned.set_for(current_user.id, assignment_id)
    if assignment is None:  # not set for one of the student's classes: it does not exist for them
        abort(404, description="There is no such assignment in your classes.")
    started = assigned.start(assignment, current_user.id)
    if started.attempt is None:
        flash(started.refusal or "This assignment cannot be started.", "error")
        return redirect(url_for(".quizzes"), 303)
    return redirect(url_for(".resume", attempt_id=started.attempt.id), 303)


@bp.post("/quizzes/<bank_id>/start")
def start(bank_id: str):
    """Start a quiz, or resume the unfinished attempt at it."""
    attempt = attempts.start_attempt(current_user.id, bank_id)
    if attempt is None:
        abort(404, description="There is no quiz with that name.")
    return redirect(url_for(".resume", attempt_id=attempt.id), 303)


@bp.get("/attempts/<int:attempt_id>")
def resume(attempt_id: int):
    """Continue an attempt at its first unanswered question."""
    attempt = _attempt_or_404(attempt_id)
    if ended := _end_if_time_is_up(attempt):
        return ended
    position = attempts.first_unanswered(attempt)
    if position is None or attempt.finished_at is not None:
        return redirect(url_for(".results", attempt_id=attempt.id))
    return redirect(url_for(".question", attempt_id=attempt.id, number=position + 1))


# Assignment attempts: the deadline, and what shows before feedback is released.

TIME_UP = "Time was up at {}, so your attempt was submitted with the answers that came in time."
LATE = (
    "Time was up at {}, so that answer was not recorded. "
    "Your attempt was scored with the answers that came in time."
)
SUBMITTED_AT_ZERO = "Time was up at {}, so your attempt was submitted."


def _end_if_time_is_up(attempt: AttemptLike, assignment: AttemptAssignmentRow | None = None):
    """Finish an open attempt past its deadline (and grace) and go to its results; else None.

    Any page of the attempt does this, so no scheduler is needed and nothing waits for one.
    """
    if attempt.finished_at is not None or not overdue(attempt.deadline, utcnow()):
        return None
    assert attempt.deadline is not None  # overdue() says there is one
    attempts.finish_at(attempt.id, attempt.deadline)
    flash(TIME_UP.format(_clock(attempt, assignment)), "info")
    return redirect(url_for(".results", attempt_id=attempt.id), 303)


def _clock(attempt: AttemptLike, assignment: AttemptAssignmentRow | None = None) -> str:
    """Return the attempt's deadline as read where its class meets ("10:20 BST")."""
    assignment = assignment or assigned.of_attempt(attempt)
    zone = assignment.timezone if assignment else "UTC"
    return clock_text(attempt.deadline, zone) if attempt.deadline else ""


def _ran_out(attempt: AttemptLike) -> bool:
    """Return whether a finished attempt was ended by its deadline (not by the student)."""
    return (
        attempt.deadline is not None
        and attempt.finished_at is not None
        and attempt.finished_at >= attempt.deadline
    )


def _timing(attempt: AttemptLike, assignment: AttemptAssignmentRow | None) -> dict | None:
    """Return what the deadline line and the countdown need, for an open attempt with one."""
    if attempt.deadline is None or attempt.finished_at is not None:
        return None
    return {
        "deadline": attempt.deadline,
        "zone": assignment.timezone if assignment else "UTC",
        "now": utcnow(),  # the countdown runs on the server's clock, whatever the device's says
    }


def _shown(attempt: AttemptLike, assignment: AttemptAssignmentRow | None) -> bool:
    """Return whether the attempt's key, explanations and cited passages may show now."""
    return released(assignment, attempt.finished_at is not None, utcnow())


def _render_question(
    attempt,
    position: int,
    error: str | None = None,
    status: int = 200,
    assignment: AttemptAssignmentRow | None = None,
):
    view = question_view(attempt.items[position][1])
    order = attempts.choice_order(attempt, position, view)
    choices = [
        (attempts.choice_token(attempt.id, position, i), view.choices[i].html) for i in order
    ]
    return render_template(
        "learner/question.html",
        heading=f"Question {position + 1} of {len(attempt.items)}",
        action=url_for(".answer", attempt_id=attempt.id, number=position + 1),
        attempt=attempt,
        number=position + 1,
        total=len(attempt.items),
        view=view,
        choices=choices,
        hidden=[("shown", issue_stamp())],
        error=error,
        previous=request.form.getlist("answer") if error else [],
        assignment=assignment,
        timing=_timing(attempt, assignment),
    ), status


@bp.get("/attempts/<int:attempt_id>/q/<int:number>")
def question(attempt_id: int, number: int):
    """Show one question of an attempt (or its feedback when already answered)."""
    attempt = _attempt_or_404(attempt_id, number - 1)
    position = _position_or_404(attempt, number)
    if attempt.answered:
        return redirect(url_for(".feedback", attempt_id=attempt.id, number=number))
    if attempt.finished_at is not None:
        return redirect(url_for(".results", attempt_id=attempt.id))
    assignment = assigned.of_attempt(attempt)
    if ended := _end_if_time_is_up(attempt, assignment):
        return ended
    return _render_question(attempt, position, assignment=assignment)


ALREADY_ANSWERED = "You had already answered this question; your first answer stands."
ANSWER_AFTER_FINISH = "This quiz was already finished, so that answer was not recorded."
ALREADY_REVIEWED = "You had already reviewed this question; your first answer stands."


@bp.post("/attempts/<int:attempt_id>/q/<int:number>")
def answer(attempt_id: int, number: int):
    """Store the answer exactly once, then show its feedback (Post/Redirect/Get)."""
    attempt = _attempt_or_404(attempt_id, number - 1)
    position = _position_or_404(attempt, number)
    feedback = url_for(".feedback", attempt_id=attempt.id, number=number)
    # CSRFProtect has checked the token before this view runs (the answer path has no form
    # object to build: the inputs are per question type, the rest is the signed page time).
    if attempt.answered:  # another tab or the Back button: the first answer stands
        attempts.confirm_first_answer()
        flash(ALREADY_ANSWERED, "info")
        return redirect(feedback, 303)
    if attempt.finished_at is not None:  # finished in another tab, or from "Finish now"
        if _ran_out(attempt):  # ... or by its deadline
            return _too_late(attempt)
        return _not_recorded(attempt.id)
    if overdue(attempt.deadline, utcnow()):  # even an answer that would not parse
        assert attempt.deadline is not None
        attempts.finish_at(attempt.id, attempt.deadline)
        return _too_late(attempt)
    # The countdown sends what was answered at zero with ``timeup``: then the attempt ends.
    time_up = attempt.deadline is not None and bool(request.form.get("timeup"))
    result = attempts.submit_answer(
        attempt, position, request.form.getlist("answer"), elapsed_ms(request.form.get("shown"))
    )
    if result.late:  # the server's clock decides: past the deadline and its grace
        return _too_late(attempt)
    if result.error and time_up:  # nothing usable came with it: submit what is stored
        return _submit_at_zero(attempt)
    if result.error:
        assignment = assigned.of_attempt(attempt)
        return _render_question(attempt, position, result.error, 400, assignment)
    if result.finished:  # "Finish now" won the race with this answer
        return _not_recorded(attempt.id)
    if result.duplicate:  # the same question submitted twice at once
        flash(ALREADY_ANSWERED, "info")
    if time_up:
        return _submit_at_zero(attempt)
    return redirect(feedback, 303)


def _too_late(attempt: AttemptLike):
    """Show the results, saying the answer came after the time was up and was not stored."""
    flash(LATE.format(_clock(attempt)), "info")
    return redirect(url_for(".results", attempt_id=attempt.id), 303)


def _submit_at_zero(attempt: AttemptLike):
    """Finish a timed attempt the countdown submitted at zero; show its results."""
    attempts.finish_attempt(attempt)
    flash(SUBMITTED_AT_ZERO.format(_clock(attempt)), "info")
    return redirect(url_for(".results", attempt_id=attempt.id), 303)


def _not_recorded(attempt_id: int):
    """Show the results, saying the answer came after the finish and was not stored."""
    flash(ANSWER_AFTER_FINISH, "info")
    return redirect(url_for(".results", attempt_id=attempt_id), 303)


@bp.get("/attempts/<int:attempt_id>/q/<int:number>/feedback")
def feedback(attempt_id: int, number: int):
    """Show right or wrong, why, and the cited excerpts (or only "Answer saved" until an
    assignment's feedback is released)."""
    attempt = _attempt_or_404(attempt_id)
    position = _position_or_404(attempt, number)
    assignment = assigned.of_attempt(attempt)
    if ended := _end_if_time_is_up(attempt, assignment):
        return ended
    answer = attempts.answer_at(attempt.id, position)
    if answer is None:
        return redirect(url_for(".question", attempt_id=attempt.id, number=number))
    view = question_view(answer.version_id)
    next_position = attempts.first_unanswered(attempt)
    if not _shown(attempt, assignment):
        assert assignment is not None  # practice always shows its feedback
        return render_template(
            "learner/saved.html",
            attempt=attempt,
            assignment=assignment,
            number=number,
            total=len(attempt.items),
            view=view,
            answer=answer,
            next_number=None if next_position is None else next_position + 1,
            timing=_timing(attempt, assignment),
            release=release_time(assignment, attempt.finished_at is not None),
        )
    return render_template(
        "learner/feedback.html",
        attempt=attempt,
        number=number,
        total=len(attempt.items),
        view=view,
        answer=answer,
        next_number=None if next_position is None else next_position + 1,
        choice_order=attempts.choice_order(attempt, position, view),  # as the question showed them
        assignment=assignment,
        timing=_timing(attempt, assignment),
    )


@bp.route("/attempts/<int:attempt_id>/finish", methods=["GET", "POST"])
def finish(attempt_id: int):
    """Finish an attempt now, after a confirmation page; unanswered questions score nothing."""
    attempt = _attempt_or_404(attempt_id)
    if attempt.finished_at is not None:
        return redirect(url_for(".results", attempt_id=attempt.id), 303)
    assignment = assigned.of_attempt(attempt)
    if ended := _end_if_time_is_up(attempt, assignment):
        return ended
    if request.method == "GET":  # one tap beside "Submit answer" must not end the quiz
        unanswered = len(attempt.items) - len(attempts.answers_by_position(attempt.id))
        return render_template(
            "learner/finish.html",
            attempt=attempt,
            unanswered=unanswered,
            assignment=assignment,
            timing=_timing(attempt, assignment),
            release=release_time(assignment, True) if assignment else None,
            shown_after=assignment is not None and released(assignment, True, utcnow()),
        )
    if attempt.deadline is not None and request.form.get("timeup"):
        return _submit_at_zero(attempt)
    attempts.finish_attempt(attempt)
    return redirect(url_for(".results", attempt_id=attempt.id), 303)


@bp.get("/attempts/<int:attempt_id>/results")
def results(attempt_id: int):
    """Show the score, every answer beside the right one, and the passages to reread; until
    an assignment's feedback is released, the score alone (once finished) and when it comes."""
    attempt = _attempt_or_404(attempt_id)
    assignment = assigned.of_attempt(attempt)
    if ended := _end_if_time_is_up(attempt, assignment):
        return ended
    answers = attempts.answers_by_position(attempt.id)
    items = []
    for position, (_qid, version_id) in enumerate(attempt.items):
        answer = answers.get(position)
        view = question_view(answer.version_id if answer else version_id)
        items.append((position + 1, view, answer))
    finished = attempt.finished_at is not None
    shown = _shown(attempt, assignment)
    return render_template(
        "learner/results.html",
        attempt=attempt,
        items=items,
        reread=progress.passages_to_reread(items, finished) if shown else [],
        assignment=assignment,
        shown=shown,
        release=release_time(assignment, finished) if assignment else None,
        timing=_timing(attempt, assignment),
    )


@bp.get("/progress")
def dashboard():
    """Show progress per quiz, the score over time and passage mastery per article.

    Assignment attempts count in the history (their scores show once finished) under their
    own titles; their answers join the passage counts only once their feedback is released.
    """
    assigned.finish_overdue(user_id=current_user.id)
    history = progress.score_history(current_user.id)
    rows = progress.quiz_list(current_user.id)
    titles = {row.bank_id: row.title for row in rows}
    if any(p.bank_id not in titles for p in history if p.assignment_id is None):
        titles = gradebook.bank_titles()  # a retired quiz's attempts keep its title
    # "attempt 2", not a date: the date would be UTC, the finish time beside it is local.
    numbers = attempts.attempt_numbers((p.attempt_id, _quiz_of(p)) for p in history)
    names = [
        f"{p.assignment_title} (assignment)"
        if p.assignment_id is not None
        else titles.get(p.bank_id, p.bank_id)
        for p in history
    ]
    labels = [
        f"{name}, attempt {numbers[p.attempt_id]}" for p, name in zip(history, names, strict=True)
    ]
    points, series = charts.score_lines(
        [(name, label, p.fraction) for p, name, label in zip(history, names, labels, strict=True)]
    )
    documents = list_documents()
    every_passage = progress.passage_mastery(current_user.id)  # one query serves both views
    # By default the article the student has answered most on, not one they have not read yet
    answered = Counter()
    for m in every_passage.values():
        answered[m.doc_id] += m.answers
    busiest = max(documents, key=lambda d: answered[d.id], default=None)
    doc_id = request.args.get("doc") or (busiest.id if busiest else None)
    document = find_document(documents, doc_id)
    mastery = (
        {pid: m for pid, m in every_passage.items() if m.doc_id == document.id} if document else {}
    )
    weakest = sorted(
        (m for m in every_passage.values() if m.answers), key=lambda m: (m.mastery, -m.answers)
    )[:5]
    return render_template(
        "learner/dashboard.html",
        rows=rows,
        points=points,
        ticks=charts.date_ticks([p.when for p in history]),
        attempts=[(p.attempt_id, p.when) for p in history],
        series=series,
        chart=charts,
        documents=documents,
        document=document,
        passages=passage_map(document.id) if document else [],
        mastery=mastery,
        weakest=weakest,
        doc_titles={d.id: d.title for d in documents},
        review_budget=cards.budget(current_user.id, utcnow()),
    )


def _quiz_of(point: progress.ScorePoint):
    """Return what a point's attempt was at: its assignment, or the bank practised."""
    return ("assignment", point.assignment_id) if point.assignment_id else point.bank_id


@bp.route("/review", methods=["GET", "POST"])
def review_home():
    """Show how many reviews are due today and when the next falls due; set the daily limit."""
    now = utcnow()
    form = ReviewLimitForm()
    if form.validate_on_submit():
        cards.set_daily_limit(current_user.id, form.daily_reviews.data)
        flash(f"From now on, up to {form.daily_reviews.data} reviews a day.", "success")
        return redirect(url_for(".review_home"), 303)
    budget = cards.budget(current_user.id, now)
    if not form.is_submitted():
        form.daily_reviews.data = budget.limit
    return render_template(
        "learner/review_home.html",
        budget=budget,
        form=form,
        next_due=cards.next_due_after(current_user.id, now),
    ), 400 if form.errors else 200


@bp.get("/review/next")
def review_next():
    """Show the most overdue card's question, or say nothing is due (or the day's are done)."""
    now = utcnow()
    if not cards.budget(current_user.id, now).left:
        return redirect(url_for(".review_home"))
    card = cards.next_due(current_user.id, now)
    if card is None:
        return redirect(url_for(".review_home"))
    token = review.new_token(current_user.id, card.question_id)
    return _render_review(card.question_id, token)


def _render_review(question_id: str, token: str, error=None, status=200):
    version_id = attempts.current_version(question_id)
    if version_id is None:
        abort(404, description="That question is no longer offered.")
    view = question_view(version_id)
    order = list(range(len(view.choices)))
    secrets.SystemRandom().shuffle(order)
    return render_template(
        "learner/question.html",
        heading="Review question",
        action=url_for(".review_answer"),
        attempt=None,
        number=1,
        total=0,
        view=view,
        choices=[
            (attempts.choice_token(f"review-{token}", 0, i), view.choices[i].html) for i in order
        ],
        hidden=[
            ("shown", issue_stamp()),
            ("token", token),
            ("question", question_id),
            ("version", version_id),
        ],
        error=error,
        previous=request.form.getlist("answer") if error else [],
    ), status


@bp.post("/review/answer")
def review_answer():
    """Store one review answer exactly once and show its feedback."""
    form = ReviewForm()
    if not form.validate_on_submit():
        abort(400, description="The review form expired or was incomplete; please try again.")
    result = review.submit_review(
        current_user.id,
        form.token.data,
        form.question.data,
        request.form.getlist("answer"),
        form.version.data,
    )
    if result.changed:  # reloaded since it was shown: on to the review as it is now
        flash(result.error, "info")
        return redirect(url_for(".review_next"), 303)
    if result.error:
        return _render_review(form.question.data, form.token.data, result.error, 400)
    if result.duplicate:  # sent twice, or the card was answered in another tab since
        flash(ALREADY_REVIEWED, "info")
    return redirect(url_for(".review_feedback", review_id=result.review.id), 303)


@bp.get("/review/<int:review_id>")
def review_feedback(review_id: int):
    """Show the feedback of one review answer."""
    row = review.get_review(current_user.id, review_id)
    if row is None:
        abort(404, description="There is no such review in your account.")
    return render_template(
        "learner/review_feedback.html",
        view=question_view(row.version_id),
        answer=row,
        budget=cards.budget(current_user.id, utcnow()),
        comeback=cards.comeback(current_user.id, row.question_id, row.reviewed_at),
    )


@bp.route("/classes/join", methods=["GET", "POST"])
def join():
    """Join a class with the code the instructor gave."""
    form = JoinForm()
    if form.validate_on_submit():
        joined = classes.join_course(current_user.id, form.code.data)
        if joined is not None:
            course, new = joined
            named = f"{course.name} (taught by {classes.teacher_name(course)})"
            if new:
                flash(f"You joined {named}.", "success")
            else:
                flash(f"You are already in {named}.", "info")
            return redirect(url_for(".join"), 303)
        form.code.errors.append("No class has that code. Check it with your instructor.")
    return render_template(
        "learner/join.html", form=form, classes=classes.courses_joined(current_user.id)
    ), 400 if form.errors else 200


@bp.route("/classes/<int:course_id>/leave", methods=["GET", "POST"])
def leave(course_id: int):
    """Leave a class, after a confirmation page; answers and progress stay."""
    course = classes.joined(current_user.id, course_id)
    if course is None and request.method == "POST":  # a second click of "Leave", or a stale tab
        flash("You are not in that class.", "info")
        return redirect(url_for(".join"), 303)
    if course is None:
        abort(404, description="You are not in that class.")
    teacher = classes.teacher_name(course)
    if request.method == "GET":
        return render_template("learner/leave.html", course=course, teacher=teacher)
    name = f"{course.name} (taught by {teacher})"
    classes.remove_member(course.id, current_user.id)
    flash(f"You left {name}.", "success")
    return redirect(url_for(".join"), 303)
