"""Item analysis of every student, stored: it grows with every answer ever given.

At a million answers it takes about 11 s to compute, too long for every view. As Moodle does
with its quiz statistics, the page shows the stored report with when it was computed and how
many answers came since, and computes it again when asked, when the questions changed, or when
it is older than STALE_AFTER and answers came since. A class's report stays live: it grows
with the class only.
"""

import hashlib
import json
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from quizapp import clock
from quizapp.db.transactions import unit_of_work
from quizapp.extensions import db
from quizapp.models import Answer, Bank, Question, StoredReport, User
from quizapp.teaching import item_report
from quizapp.teaching.analysis import ItemStats, Reliability
from quizapp.teaching.item_report import BankReport, ItemRow

EVERYONE = "items:everyone"
STALE_AFTER = timedelta(minutes=15)
# Raised when a report gains fields (2: keyed choices and typed answers' common responses), so
# a report stored before is computed again rather than shown without them.
REPORT_FORMAT = 2


@dataclass(frozen=True)
class Freshness:
    computed_at: datetime
    answers_since: int


def _content_stamp() -> str:
    """Return a digest of the live questions, their versions and their banks' titles and order."""
    rows = db.session.execute(
        select(
            Bank.id,
            Bank.title,
            Bank.position,
            Question.id,
            Question.current_version_id,
            Question.position,
        )
        .join(Question, Question.bank_id == Bank.id)
        .where(Bank.retired.is_(False), Question.retired.is_(False))
        .order_by(Bank.id, Question.id)
    ).all()
    content = [REPORT_FORMAT, [list(r) for r in rows]]
    return hashlib.sha256(json.dumps(content).encode()).hexdigest()


def encode(reports: list[BankReport]) -> list[dict]:
    """Return reports as JSON-ready data."""
    return [asdict(report) for report in reports]


def decode(payload: list[dict]) -> list[BankReport]:
    """Return the reports ``encode`` stored."""
    return [
        BankReport(
            b["bank_id"],
            b["title"],
            [
                ItemRow(
                    **{
                        **i,
                        "stats": ItemStats(**i["stats"]),
                        "responses": [tuple(r) for r in i.get("responses", [])],
                    }
                )
                for i in b["items"]
            ],
            Reliability(**b["reliability"]),
        )
        for b in payload
    ]


def everyone(refresh: bool = False) -> tuple[list[BankReport], Freshness]:
    """Return the item analysis of every student and how fresh it is; compute it if due."""
    stamp = _content_stamp()
    newest = db.session.scalar(select(func.max(Answer.id))) or 0
    stored = db.session.get(StoredReport, EVERYONE)
    now = clock.now()
    if (
        stored is not None
        and not refresh
        and stored.content_stamp == stamp
        and (stored.last_answer_id >= newest or now - stored.computed_at < STALE_AFTER)
    ):
        # Students' answers only, as the report counts (instructors' never do)
        since = db.session.execute(
            select(func.count())
            .select_from(Answer)
            .join(User, User.id == Answer.user_id)
            .where(Answer.id > stored.last_answer_id, User.role == "student")
        ).scalar_one()
        return decode(cast(list, stored.payload)), Freshness(stored.computed_at, since)
    reports = item_report.report()
    _store(
        StoredReport(
            name=EVERYONE,
            computed_at=now,
            last_answer_id=newest,
            content_stamp=stamp,
            payload=encode(reports),
        )
    )
    return reports, Freshness(now, 0)


def _store(report: StoredReport) -> None:
    try:
        with unit_of_work() as session:
            session.execute(delete(StoredReport).where(StoredReport.name == report.name))
            session.add(report)
    except IntegrityError:  # another process stored one at the same moment: keep theirs
        pass
