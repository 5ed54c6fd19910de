"""LTI 1.3 endpoints an LMS calls: the tool's keys, login initiation, launches, deep linking.

pylti1p3 checks every message; these views hand what it accepted to ``lti.launches`` and sign
the person in. The launch itself carries no CSRF token (the platform posts it): its proof is
the signed id_token, its state and its single-use nonce.
"""

import logging
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, login_user
from pylti1p3.deep_link_resource import DeepLinkResource
from pylti1p3.exception import LtiException, OIDCException
from pylti1p3.lineitem import LineItem

from quizapp.accounts import users
from quizapp.db.transactions import unit_of_work
from quizapp.extensions import csrf, db, limiter
from quizapp.lti import keys, launches, linking, roster
from quizapp.lti.tool import NONCE_KEY, NONCES, Tool
from quizapp.models import Assignment
from quizapp.teaching import assignments
from quizapp.web.lti_session import LAUNCH, launched

bp = Blueprint("lti", __name__, url_prefix="/lti")
log = logging.getLogger(__name__)


@bp.get("/jwks")
def jwks():
    """The tool's public keys, which platforms fetch to check what quizapp signs."""
    response = jsonify(keys.jwks(db.session))
    response.cache_control.public = True
    response.cache_control.max_age = 300  # a rotation shows within five minutes
    return response


def refused(message: str, status: int):
    """The page a refused launch shows inside the LMS: what happened and what to do."""
    return render_template("lti/refused.html", message=message), status


# What pylti1p3's refusals mean for the person launching (its messages are for developers).
EXPLAINED = (
    (
        "registration",
        "quizapp does not know this LMS, or this launch was meant for another tool. "
        "An administrator registers the LMS on quizapp's Admin page.",
    ),
    ("client id", "This launch was meant for another tool, not quizapp's registration."),
    (
        "deployment",
        "This installation of quizapp in your LMS is not registered with quizapp. "
        "An administrator adds its deployment ID on quizapp's Admin page.",
    ),
    ("expired", "This launch is too old. Open quizapp again from your course."),
    (
        "state",
        "This launch could not be matched to its start: it took too long, or the "
        "browser blocked quizapp's cookies. Open quizapp again from your course.",
    ),
    (
        "nonce",
        "This launch could not be matched to its start. Open quizapp again from your course.",
    ),
    ("signature", "The LMS's signature on this launch could not be verified."),
    ("public key", "The LMS's signature on this launch could not be verified."),
)


def explain(exc: Exception) -> str:
    text = str(exc).lower()
    for needle, message in EXPLAINED:
        if needle in text:
            return message
    return "The LMS sent a launch quizapp cannot accept. Open quizapp again from your course."


@bp.route("/login", methods=["GET", "POST"])
@csrf.exempt  # the platform's third-party login initiation: no session, no token to carry
@limiter.limit("60 per minute")
def login():
    """OIDC login initiation: send the browser to the platform's authorization endpoint."""
    tool = Tool()
    try:
        response = tool.oidc_login().redirect(url_for(".launch", _external=True))
    except (LtiException, OIDCException) as exc:
        log.warning("LTI login refused: %s", exc)
        if not request.values.get("iss"):
            return refused(
                "This address is where an LMS starts a launch; open quizapp "
                "from your course in the LMS.",
                400,
            )
        return refused(
            explain(exc)
            if "registration" not in str(exc).lower()
            else "quizapp does not know this LMS (issuer "
            f"{request.values.get('iss')}). An administrator registers it on "
            "quizapp's Admin page.",
            400,
        )
    if tool.store.pending:  # nothing, as pylti1p3 stores only the nonce (in the session)
        with unit_of_work() as write:
            tool.store.flush(write)
    return response


@bp.post("/launch")
@csrf.exempt  # posted by the platform's page; the signed id_token is the proof
def launch():
    """A launch: check it (pylti1p3), map it (launches.accept), sign in, go where it points."""
    if not request.form.get("id_token") or not request.form.get("state"):
        return refused(
            "This address is where an LMS sends launches; open quizapp from your course.", 400
        )
    tool = Tool()
    try:
        message = tool.validated()  # signature, aud, exp, state, nonce known, deployment
        data = message.get_launch_data()
    except LtiException as exc:
        log.warning("LTI launch refused: %s", exc)
        return refused(explain(exc), 401)
    claims = launches.claims_of(data)
    try:
        with unit_of_work() as write:
            accepted = launches.accept(write, claims)  # refuses a replay before any write
            tool.store.flush(write)
            if claims.deep_link and not accepted.instructor:
                raise launches.Refused("Only the course's instructors add quizapp activities.")
            # The login session in the same commit: one write to disk for the whole launch.
            signed_in = users.open_session(launches.user_of(write, accepted.user_id))
    except launches.Refused as refusal:
        return refused(refusal.message, refusal.status)
    # A fresh session: nothing from before the launch survives but the nonces of launches
    # still under way in other tabs (this launch's own is spent).
    spent = NONCE_KEY + claims.nonce
    others = [n for n in session.get(NONCES, []) if n != spent]
    session.clear()
    login_user(signed_in)
    if others:
        session[NONCES] = others
    session[LAUNCH] = {
        "id": message.get_launch_id(),
        "platform": accepted.platform_id,
        "course": accepted.course_id,
        "link": accepted.link_id,
        "instructor": accepted.instructor,
        "deep_link": claims.deep_link,
        "frame": _frame_origins(claims.issuer, data),
    }
    response = redirect(_destination(accepted, claims.deep_link), 303)
    if accepted.sync_roster and accepted.context_row_id is not None:
        _sync_roster_after(response, accepted.context_row_id)
    return response


def _destination(accepted: launches.Accepted, deep_link: bool) -> str:
    if deep_link:
        return url_for(".choose")
    if accepted.assignment_id is None:
        return url_for(".choose" if accepted.instructor else ".not_set_up")
    if accepted.instructor:
        return url_for(
            "instructor.assignment",
            course_id=accepted.course_id,
            assignment_id=accepted.assignment_id,
        )
    return url_for("learner.assignment", assignment_id=accepted.assignment_id)


def _sync_roster_after(response: Response, context_id: int) -> None:
    """Fill the class's roster from the LMS once the instructor's page is on its way.

    The platform's roster service can be slow or down: the launch never waits for it, and a
    failure is logged (the class page's Sync roster from the LMS says why when asked).
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]

    def sync() -> None:
        with app.app_context():
            try:
                report = roster.sync(context_id)
            except roster.RosterError as exc:
                log.warning("roster sync at launch (LMS course %s): %s", context_id, exc)
            except Exception:  # never into the server's close(); the next launch tries again
                log.exception("roster sync at launch (LMS course %s) failed", context_id)
            else:
                log.info("roster sync at launch (LMS course %s): %s", context_id, report)

    response.call_on_close(sync)


def _frame_origins(issuer: str, data: dict) -> list[str]:
    """Origins that may frame this session's pages: the platform's, as the launch shows it."""
    presentation = data.get("https://purl.imsglobal.org/spec/lti/claim/launch_presentation")
    candidates = [issuer, request.headers.get("Origin", "")]
    if isinstance(presentation, dict):
        candidates.append(str(presentation.get("return_url") or ""))
    origins = []
    for url in candidates:
        parts = urlsplit(url)
        if parts.scheme in ("http", "https") and parts.netloc:
            origin = f"{parts.scheme}://{parts.netloc}"
            if origin not in origins:
                origins.append(origin)
    return origins


def _launched_instructor() -> dict:
    state = launched()
    if not state or not state.get("instructor") or not current_user.is_authenticated:
        abort(403, description="Open quizapp from your course in the LMS as its instructor.")
    return state


@bp.route("/assignments", methods=["GET", "POST"])
@login_required
def choose():
    """Choose an assignment: for a deep-linking request, or for a link that opens nothing yet."""
    state = _launched_instructor()
    course_id = state["course"]
    rows = assignments.of_course(course_id)
    if request.method == "POST":
        chosen = next((a for a in rows if str(a.id) == request.form.get("assignment", "")), None)
        if chosen is None:
            return render_template(
                "lti/choose.html", rows=rows, state=state, error="Choose one of the assignments."
            ), 400
        if state.get("deep_link"):
            return _deep_link_response(state, chosen)
        with unit_of_work() as write:
            launches.bind_link(write, state["link"], chosen.id, course_id)
        return redirect(
            url_for("instructor.assignment", course_id=course_id, assignment_id=chosen.id), 303
        )
    return render_template("lti/choose.html", rows=rows, state=state, error=None)


def _deep_link_response(state: dict, chosen: Assignment):
    """Return the auto-posting form that gives the platform a resource link to ``chosen``."""
    tool = Tool()
    try:
        restored = tool.restored_launch(state["id"])
        deep_link = restored.get_deep_link()
        settings = dict(restored.get_launch_data()).get(launches.DEEP_LINK_SETTINGS)
        return_url = str(settings["deep_link_return_url"]) if isinstance(settings, dict) else ""
    except (LtiException, KeyError) as exc:
        log.warning("LTI deep link launch not restored: %s", exc)
        return_url = ""
    parts = urlsplit(return_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return refused("This selection has expired. Add the activity again from your course.", 400)
    points = float(chosen.points)
    resource = (
        DeepLinkResource()
        .set_url(url_for(".launch", _external=True))
        .set_title(chosen.title)
        .set_custom_params({launches.ASSIGNMENT_KEY: str(chosen.id)})
        .set_lineitem(
            LineItem()
            .set_label(chosen.title)
            .set_score_maximum(points)
            .set_resource_id(f"assignment-{chosen.id}")
        )
    )
    token = deep_link.get_response_jwt([resource])
    g.form_target = f"{parts.scheme}://{parts.netloc}"
    return render_template("lti/deep_link.html", action=return_url, token=token, chosen=chosen)


@bp.get("/not-set-up")
@login_required
def not_set_up():
    """A student opened a link whose instructor has not chosen its assignment yet."""
    return render_template("lti/not_set_up.html")


@bp.route("/link-account", methods=["GET", "POST"])
@login_required
@limiter.limit("10 per minute", methods=["POST"])
def link_account():
    """Move this LMS identity to a quizapp account its owner already had (once, before use)."""
    state = launched()
    if not state:
        abort(403, description="Only an account opened from an LMS can be linked.")
    problem = linking.refusal(current_user.id)
    error = None
    if request.method == "POST" and problem is None:
        target = users.authenticate(
            request.form.get("username", ""), request.form.get("password", "")
        )
        if target is None:
            error = "That username and password do not match an account."
        else:
            try:
                with unit_of_work() as write:
                    linking.link(write, current_user.id, target.id)
                    moved = launches.user_of(write, target.id)
            except linking.Refused as refusal:
                error = refusal.message
            else:
                signed_in = users.open_session(moved)
                session.clear()
                login_user(signed_in)
                session[LAUNCH] = state
                return redirect(url_for("learner.quizzes"), 303)
    status = 400 if error else 200
    return render_template("lti/link_account.html", problem=problem, error=error), status
