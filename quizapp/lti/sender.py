"""Post the score outbox to the LMSs through LTI Assignment and Grade Services (pylti1p3).

A pass (``send_due``) goes in three steps, and only the first and last touch the database:

1. claim: in one short write transaction, due rows (a version not yet sent, their next try
   come) get ``claimed_until``, so no other process posts them meanwhile; PostgreSQL skips
   rows another claimer has locked. What the posts need is read then, as plain values.
2. post: over HTTP, outside any transaction (SQLite's writer turn is never held across the
   network), each row's newest version with its own timestamp, the grade's ``changed_at``.
3. record: in another short write transaction, success (``sent_version`` = the version
   posted) or failure (``tries`` + 1, the next try later, the LMS's reason), each only where
   the claim is still ours; the claim is cleared.

A row changed while it was being posted keeps its newer version due, and the same pass
claims it again. One row's posts never overlap (the claim), so an older version is never
posted after a newer one. A process that dies mid-pass leaves claims that lapse after
``LEASE``; a post may then go out twice, with the same timestamp, which the LMS takes as the
same grade.

When: after each request that changed a grade (once its response is sent), and from
``quizapp lti send-scores`` (a worker with ``--loop``, or cron). Nothing is lost in between:
the rows are in the database.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import groupby
from typing import Final
from urllib.parse import urlsplit

import requests
from flask import after_this_request, current_app, g, has_request_context
from pylti1p3.assignments_grades import AssignmentsGradesService
from pylti1p3.exception import LtiException, LtiServiceException
from pylti1p3.grade import Grade
from pylti1p3.lineitem import LineItem
from pylti1p3.registration import Registration
from pylti1p3.service_connector import ServiceConnector
from requests.adapters import HTTPAdapter
from sqlalchemy import and_, or_, select, update

from quizapp import clock
from quizapp.db.transactions import unit_of_work
from quizapp.lti import scores
from quizapp.lti.tool import registration_of
from quizapp.models import (
    Assignment,
    LtiContext,
    LtiIdentity,
    LtiLink,
    LtiPlatform,
    LtiScore,
    User,
)

SCORE_SCOPE: Final = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
LINEITEM_SCOPE: Final = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
CONNECT_TIMEOUT, READ_TIMEOUT = 5, 30  # seconds, for each HTTP request
# Longer than a pass's posts of one row can take (a token, a few pages of line items, the
# score: each bounded by the timeouts), so a live claim never lapses under its sender.
LEASE = timedelta(minutes=10)
FIRST_WAIT, LONGEST_WAIT = timedelta(seconds=30), timedelta(hours=6)
BATCH = 50  # rows claimed at a time
AFTER_REQUEST_LIMIT = 20  # rows a request's own pass posts (the worker does the rest)
RESEND_NOW = 40  # rows a resend posts before its page answers
ERROR_LENGTH = 500


def backoff(tries: int) -> timedelta:
    """Return the wait after the ``tries``-th failure in a row: 30 s, doubling, at most 6 h."""
    return min(FIRST_WAIT * 2 ** min(max(tries - 1, 0), 20), LONGEST_WAIT)


@dataclass(frozen=True)
class Claimed:
    """A claimed row and all its post needs, read at claim time."""

    id: int
    lease: datetime
    version: int
    tries: int
    platform_id: int
    link_id: int
    lineitem_url: str | None
    lineitems_url: str | None
    resource_link_id: str
    label: str
    subject: str | None
    username: str
    score_given: float | None
    score_maximum: float
    activity_progress: str
    grading_progress: str
    changed_at: datetime


@dataclass(frozen=True)
class Delivery:
    """What became of one post: ``error`` None when the LMS took it."""

    row: Claimed
    error: str | None = None
    lineitem_url: str | None = None  # found or made for a link that had none
    next_try_at: datetime | None = None


@dataclass
class Report:
    """What a pass did."""

    sent: list[Delivery] = field(default_factory=list)
    failed: list[Delivery] = field(default_factory=list)
    later: int = 0  # due rows left for after the response (a resend of many)

    def __len__(self) -> int:
        return len(self.sent) + len(self.failed)


def send_due(
    now: datetime | None = None, limit: int = 500, ids: Iterable[int] | None = None
) -> Report:
    """Post the due rows (of ``ids`` only, when given), at most ``limit``; return what happened."""
    report = Report()
    only = None if ids is None else sorted(set(ids))
    while len(report) < limit:
        moment = now or clock.now()
        claimed, registrations = _claim(moment, min(BATCH, limit - len(report)), only)
        if not claimed:
            break
        try:
            done = _post_all(claimed, registrations)
        except Exception as exc:  # a bug must not leave the claims until they lapse
            current_app.logger.exception("posting LMS grades failed")
            reason = f"quizapp failed while sending it ({type(exc).__name__}); see its log."
            done = [Delivery(row, reason) for row in claimed]
        _record(done, now or clock.now())
        for delivery in done:
            (report.failed if delivery.error else report.sent).append(delivery)
    return report


def resend(assignment_id: int, user_id: int | None = None) -> Report:
    """Send an assignment's grades again now (one student's, or all), whatever their waits.

    At most ``RESEND_NOW`` in the instructor's own request, which must answer before the
    server's timeout; the rest go right after its response (or with the worker).
    """
    with unit_of_work() as session:
        ids = scores.mark_for_resend(session, assignment_id, user_id)
    if not ids:
        return Report()
    report = send_due(ids=ids[:RESEND_NOW], limit=RESEND_NOW)
    report.later = len(ids[RESEND_NOW:])
    if report.later:
        send_after_request()
    return report


# 1. Claim


def _claim(
    now: datetime, limit: int, only: list[int] | None
) -> tuple[list[Claimed], dict[int, Registration]]:
    lease = now + LEASE
    with unit_of_work() as session:
        stmt = (
            select(LtiScore.id)
            .where(
                LtiScore.sent_version < LtiScore.version,
                LtiScore.next_try_at <= now,
                or_(LtiScore.claimed_until.is_(None), LtiScore.claimed_until < now),
            )
            .order_by(LtiScore.next_try_at, LtiScore.id)
            .limit(limit)
            # PostgreSQL: a row another sender is claiming right now is left to it. SQLite
            # renders no FOR UPDATE: its writer turn already makes claimers take turns.
            .with_for_update(skip_locked=True)
        )
        if only is not None:
            stmt = stmt.where(LtiScore.id.in_(only))
        ids = list(session.scalars(stmt))
        if not ids:
            return [], {}
        session.execute(update(LtiScore).where(LtiScore.id.in_(ids)).values(claimed_until=lease))
        found = session.execute(
            select(
                LtiScore.id,
                LtiScore.version,
                LtiScore.tries,
                LtiContext.platform_id,
                LtiLink.id.label("link_id"),
                LtiLink.lineitem_url,
                LtiContext.lineitems_url,
                LtiLink.resource_link_id,
                Assignment.title,
                LtiIdentity.subject,
                User.username,
                LtiScore.score_given,
                LtiScore.score_maximum,
                LtiScore.activity_progress,
                LtiScore.grading_progress,
                LtiScore.changed_at,
            )
            .join(LtiLink, LtiLink.id == LtiScore.link_id)
            .join(LtiContext, LtiContext.id == LtiLink.context_id)
            .join(User, User.id == LtiScore.user_id)
            .outerjoin(Assignment, Assignment.id == LtiLink.assignment_id)
            .outerjoin(
                LtiIdentity,
                and_(
                    LtiIdentity.platform_id == LtiContext.platform_id,
                    LtiIdentity.user_id == LtiScore.user_id,
                ),
            )
            .where(LtiScore.id.in_(ids))
            .order_by(LtiContext.platform_id, LtiScore.id)
        )
        claimed = [
            Claimed(
                id=r.id,
                lease=lease,
                version=r.version,
                tries=r.tries,
                platform_id=r.platform_id,
                link_id=r.link_id,
                lineitem_url=r.lineitem_url,
                lineitems_url=r.lineitems_url,
                resource_link_id=r.resource_link_id,
                label=r.title or r.resource_link_id,
                subject=r.subject,
                username=r.username,
                score_given=r.score_given,
                score_maximum=r.score_maximum,
                activity_progress=r.activity_progress,
                grading_progress=r.grading_progress,
                changed_at=r.changed_at,
            )
            for r in found
        ]
        registrations = {
            platform.id: registration_of(platform, session)
            for platform in session.scalars(
                select(LtiPlatform).where(LtiPlatform.id.in_({c.platform_id for c in claimed}))
            )
        }
    return claimed, registrations


# 2. Post


class _TimeoutAdapter(HTTPAdapter):
    """Give every request a timeout: pylti1p3 sets none, and a silent LMS would hold the
    pass (and the claim) for ever."""

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        return super().send(
            request,
            stream=stream,
            timeout=timeout if timeout is not None else (CONNECT_TIMEOUT, READ_TIMEOUT),
            verify=verify,
            cert=cert,
            proxies=proxies,
        )


def _http() -> requests.Session:
    http = requests.Session()
    adapter = _TimeoutAdapter()
    http.mount("http://", adapter)
    http.mount("https://", adapter)
    http.headers["User-Agent"] = "quizapp (LTI 1.3 tool; grade sync)"
    return http


class _Unreachable(Exception):
    """The platform cannot be used now: its other rows in this pass fail the same way."""


def _post_all(claimed: list[Claimed], registrations: dict[int, Registration]) -> list[Delivery]:
    done: list[Delivery] = []
    columns: dict[int, str] = {}  # line items found or made in this pass, by link
    with _http() as http:
        for platform_id, rows in groupby(claimed, key=lambda c: c.platform_id):
            registration = registrations.get(platform_id)
            connector = ServiceConnector(registration, http) if registration else None
            down = None if registration else "The LMS platform is no longer registered."
            if registration is not None and registration.get_tool_private_key() is None:
                down = "The tool has no signing key: run `quizapp lti rotate-key`."
            for row in rows:
                if down is None:
                    assert connector is not None and registration is not None
                    try:
                        delivery = _post(connector, registration, row, columns.get(row.link_id))
                        if delivery.lineitem_url:
                            columns[row.link_id] = delivery.lineitem_url
                        done.append(delivery)
                        continue
                    except _Unreachable as exc:
                        down = str(exc)
                    except LtiException as exc:
                        done.append(Delivery(row, _short(str(exc))))
                        continue
                done.append(Delivery(row, down))
    return done


def _post(
    connector: ServiceConnector, registration: Registration, row: Claimed, known: str | None
) -> Delivery:
    """Post one row's grade, finding or making its line item first if the link has none
    (``known``: found earlier in the pass)."""
    if row.subject is None:
        return Delivery(row, "The LMS has no account for this student on this platform.")
    lineitem_url = row.lineitem_url or known
    made = known
    try:
        if lineitem_url is None:
            if not row.lineitems_url:
                return Delivery(row, "The LMS offered no grade column service for this course.")
            service = AssignmentsGradesService(
                connector,
                {"scope": [LINEITEM_SCOPE, SCORE_SCOPE], "lineitems": row.lineitems_url},
            )
            wanted = (
                LineItem()
                .set_resource_link_id(row.resource_link_id)
                .set_label(row.label)
                .set_score_maximum(row.score_maximum)
            )
            item = service.find_or_create_lineitem(wanted, find_by="resource_link_id")
            lineitem_url = made = item.get_id()
            if not lineitem_url:
                return Delivery(row, "The LMS made a grade column without an address.")
        service = AssignmentsGradesService(
            connector, {"scope": [SCORE_SCOPE], "lineitem": lineitem_url}
        )
        service.put_grade(_grade(row))
    except requests.Timeout as exc:
        raise _Unreachable(f"The LMS did not answer within {READ_TIMEOUT} seconds.") from exc
    except requests.ConnectionError as exc:
        host = urlsplit(lineitem_url or row.lineitems_url or "").netloc or "its address"
        raise _Unreachable(f"Could not reach the LMS at {host}.") from exc
    except LtiServiceException as exc:
        token = exc.response.url == registration.get_auth_token_url()
        message = _refusal(exc.response, token)
        if token:
            raise _Unreachable(message) from exc
        return Delivery(row, message, lineitem_url=made)
    except ValueError:  # pylti1p3 reads each answer as JSON
        return Delivery(row, "The LMS answered with something other than JSON.", lineitem_url=made)
    except requests.RequestException as exc:  # a bad address, too many redirects, ...
        return Delivery(row, _short(f"The request to the LMS failed: {exc}"), lineitem_url=made)
    return Delivery(row, None, lineitem_url=made)


def _grade(row: Claimed) -> Grade:
    grade = (
        Grade()
        .set_score_maximum(row.score_maximum)
        .set_activity_progress(row.activity_progress)
        .set_grading_progress(row.grading_progress)
        .set_timestamp(row.changed_at.replace(tzinfo=UTC).isoformat())
        .set_user_id(row.subject or "")
    )
    if row.score_given is not None:
        grade.set_score_given(row.score_given)
    return grade


def _refusal(response: requests.Response, token: bool) -> str:
    """Return the LMS's refusal in a sentence: what it refused, its status and its reason."""
    what = "refused quizapp's access token request" if token else "refused the grade"
    reason = ""
    try:
        body = response.json()
    except ValueError:
        reason = " ".join(response.text.split())
    else:
        if isinstance(body, dict):
            found = [body.get(k) for k in ("error_description", "error", "message", "reason")]
            reason = next((str(v) for v in found if v), "")
    return _short(f"The LMS {what} (HTTP {response.status_code}){': ' + reason if reason else ''}.")


def _short(message: str) -> str:
    return message if len(message) <= ERROR_LENGTH else message[: ERROR_LENGTH - 1] + "…"


# 3. Record


def _record(done: list[Delivery], now: datetime) -> None:
    """Store each post's outcome where the claim is still ours, and clear the claim; note
    each failure's next try in ``done``."""
    with unit_of_work() as session:
        for i, delivery in enumerate(done):
            row = delivery.row
            ours = (LtiScore.id == row.id, LtiScore.claimed_until == row.lease)
            if delivery.lineitem_url:
                session.execute(
                    update(LtiLink)
                    .where(LtiLink.id == row.link_id, LtiLink.lineitem_url.is_(None))
                    .values(lineitem_url=delivery.lineitem_url)
                )
            if delivery.error is None:
                values: dict = dict(sent_version=row.version, sent_at=now, tries=0, last_error=None)
            else:
                retry = now + backoff(row.tries + 1)
                values = dict(tries=row.tries + 1, next_try_at=retry, last_error=delivery.error)
                done[i] = Delivery(row, delivery.error, delivery.lineitem_url, retry)
            session.execute(update(LtiScore).where(*ours).values(claimed_until=None, **values))


# After a request


def send_after_request() -> None:
    """Post what is due once this request's response has gone (outside a request: nothing;
    the worker sends it). Called by ``scores.record`` when a row changed."""
    if not has_request_context() or g.get("lti_send_queued"):
        return
    g.lti_send_queued = True
    app = current_app._get_current_object()  # type: ignore[attr-defined]

    @after_this_request
    def queue(response):
        # Runs when the server closes the response: its transaction has committed, and the
        # student does not wait for the LMS.
        response.call_on_close(lambda: _send_quietly(app))
        return response


def _send_quietly(app) -> None:
    with app.app_context():
        try:
            send_due(limit=AFTER_REQUEST_LIMIT)
        except Exception:  # the rows stay due: the worker or the next request sends them
            app.logger.exception("sending LMS grades after a request failed")
