"""Demo data: a class of Faker students of varied ability answering over several weeks, and
three assignments set for the class (closed, open and timed, upcoming) with their attempts."""

import math
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from faker import Faker
from sqlalchemy import insert, select
from werkzeug.security import generate_password_hash

from quizapp import clock
from quizapp.db.transactions import unit_of_work
from quizapp.learning import cards
from quizapp.learning.draw import draw
from quizapp.learning.schedule import deadline_for, status
from quizapp.models import (
    Answer,
    Assignment,
    Attempt,
    Course,
    Membership,
    Question,
    QuestionVersion,
    User,
)
from quizapp.qtypes import get_type
from quizapp.teaching import assignments
from quizapp.teaching.assignments import Settings

DEMO_INSTRUCTOR = "demo-instructor"
DEMO_PASSWORD = "demo-password-123"
DIFFICULTY = {"easy": -1.0, "medium": 0.0, "hard": 1.0}


@dataclass(frozen=True)
class DemoAssignment:
    title: str
    state: str  # "closed", "open" or "upcoming" when the demo was made
    opens_at: datetime | None
    closes_at: datetime | None
    time_limit: int | None
    finished: int  # attempts
    in_progress: int


@dataclass(frozen=True)
class DemoReport:
    course_id: int
    join_code: str
    students: int
    attempts: int  # practice and assignment attempts
    answers: int
    reviews: int
    assignments: tuple[DemoAssignment, ...] = ()


def _response(qtype: str, spec: dict, correct: bool, rng: random.Random):
    """Return a canonical response that is right or wrong for the question."""
    return get_type(qtype).sample_response(spec, rng, correct)


def _versions(session) -> dict[str, list[tuple[str, QuestionVersion]]]:
    rows = session.execute(
        select(Question.bank_id, Question.id, QuestionVersion)
        .join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
        .where(Question.retired.is_(False))
        .order_by(Question.bank_id, Question.position)
    )
    banks: dict[str, list] = {}
    for bank_id, qid, version in rows:
        banks.setdefault(bank_id, []).append((qid, version))
    return banks


def make_demo(students: int = 60, seed: int = 1, weeks: int = 6, progress=None) -> DemoReport:
    """Create (or extend) the demo instructor, a demo class and its students' history.

    One seed makes one class: raise ValueError when that seed's class or students exist.
    """
    with unit_of_work() as session:
        return _make_demo(session, students, seed, weeks, progress)


def _make_demo(session, students: int, seed: int, weeks: int, progress) -> DemoReport:
    rng = random.Random(seed)
    fake = Faker()
    fake.seed_instance(seed)
    banks = _versions(session)
    if not banks:
        raise ValueError("no question banks are loaded: run `quizapp load` first")
    code = "DEMO" + "".join(rng.choice("23456789ABCDEFGHJKMNPQRSTUVWXYZ") for _ in range(4))
    # The join code and the student names follow from the seed, so a second run would collide.
    if session.scalar(select(Course.id).where(Course.join_code == code)) or session.scalar(
        select(User.id).where(User.username.startswith(f"demo{seed}-", autoescape=True)).limit(1)
    ):
        raise ValueError(
            f"a demo class for seed {seed} already exists (join code {code}); use another --seed"
        )
    password_hash = generate_password_hash(DEMO_PASSWORD, method="pbkdf2:sha256:1000")
    instructor = session.scalar(select(User).where(User.username == DEMO_INSTRUCTOR))
    if instructor is None:
        instructor = User(
            username=DEMO_INSTRUCTOR,
            full_name="Demo Instructor",
            email="instructor@demo.invalid",
            role="instructor",
            password_hash=password_hash,
        )
        session.add(instructor)
        session.flush()
    course = Course(name=f"Demo class (seed {seed})", instructor_id=instructor.id, join_code=code)
    session.add(course)
    session.flush()
    end = clock.now()
    start = end - timedelta(weeks=weeks)
    n_attempts = n_answers = n_reviews = 0
    answer_rows: list[dict] = []
    abilities: list[tuple[int, float]] = []  # (student id, ability), for the assignments
    for s in range(students):
        profile = fake.simple_profile()
        username = f"demo{seed}-{s + 1:04d}"
        user = User(
            username=username,
            full_name=fake.name(),
            email=f"{username}@demo.invalid",
            password_hash=password_hash,
        )
        session.add(user)
        session.flush()
        session.add(Membership(course_id=course.id, user_id=user.id))
        ability = rng.gauss(0.3, 1.0)
        abilities.append((user.id, ability))
        del profile
        for bank_id, items in banks.items():
            if rng.random() < 0.15:
                continue  # some students skip some quizzes
            tries = 1 + (rng.random() < 0.35)
            when = start + timedelta(seconds=rng.uniform(0, (end - start).total_seconds() * 0.6))
            for attempt_no in range(tries):
                order = list(items)
                rng.shuffle(order)
                attempt = Attempt(
                    user_id=user.id,
                    bank_id=bank_id,
                    seed=rng.randrange(2**31),
                    items=[[q, v.id] for q, v in order],
                    started_at=when,
                    max_score=sum(v.points for _, v in order),
                )
                session.add(attempt)
                session.flush()
                n_attempts += 1
                total = 0.0
                learning = 0.4 * attempt_no
                for position, (qid, version) in enumerate(order):
                    logit = ability + learning - DIFFICULTY.get(version.difficulty, 0.0)
                    correct = rng.random() < 1 / (1 + math.exp(-1.7 * logit))
                    response = _response(version.type, version.spec, correct, rng)
                    score = get_type(version.type).grade(version.spec, response, version.points)
                    when += timedelta(seconds=rng.randint(15, 120))
                    total += score.points
                    answer_rows.append(
                        dict(
                            attempt_id=attempt.id,
                            position=position,
                            user_id=user.id,
                            question_id=qid,
                            version_id=version.id,
                            response=response,
                            correct=score.correct,
                            points=score.points,
                            max_points=score.max_points,
                            submitted_at=when,
                            duration_ms=rng.randint(8_000, 110_000),
                        )
                    )
                    session.flush()  # the card's user and attempt go in first
                    cards.record(user.id, qid, score.correct, when)
                    n_answers += 1
                attempt.finished_at = when
                attempt.score = total
                when += timedelta(days=rng.uniform(2, 9))
                if when > end:
                    when = end - timedelta(minutes=rng.randint(1, 600))
        n_reviews += _reviews(session, user.id, rng, end)
        if len(answer_rows) > 5000:
            session.execute(insert(Answer), answer_rows)
            answer_rows.clear()
        if progress:
            progress(1)
    before = len(answer_rows)
    set_for_class = _assignments(session, course.id, abilities, rng, end, answer_rows)
    n_attempts += sum(a.finished + a.in_progress for a in set_for_class)
    n_answers += len(answer_rows) - before
    if answer_rows:
        session.execute(insert(Answer), answer_rows)
    return DemoReport(
        course.id, code, students, n_attempts, n_answers, n_reviews, tuple(set_for_class)
    )


# Assignments: the class's three, each with the attempts its state would have by now


def _assignments(session, course_id: int, abilities, rng: random.Random, now: datetime,
                 answer_rows: list[dict]) -> list[DemoAssignment]:  # fmt: skip
    """Set a closed, an open and timed, and an upcoming assignment, with students' attempts."""
    titles = dict(assignments.bank_choices())
    available = assignments.pools(titles)
    banks = [b for b in titles if available.get(b)]
    if not banks:
        return []

    def week(first: int, title: str, **values) -> Settings:
        chosen = [banks[(first + i) % len(banks)] for i in range(min(2, len(banks)))]
        names = " and ".join(titles[b] for b in chosen)
        return Settings(
            title=title,
            draw=[(b, min(5, len(available[b]))) for b in chosen],
            instructions=f"Questions on {names}, drawn afresh for each attempt. Read the "
            "articles first: every answer cites the passage it rests on.",
            **values,
        )

    hour = now.replace(minute=0, second=0, microsecond=0)
    closed_at = (hour - timedelta(days=3)).replace(hour=17)
    closed, timed, upcoming = (
        assignments.create(course_id, settings)
        for settings in (
            week(0, "Week 1 quiz", opens_at=(closed_at - timedelta(days=4)).replace(hour=9),
                 closes_at=closed_at, time_limit=30, attempts_allowed=2,
                 feedback="after_close"),
            week(1, "Week 2 quiz (timed)", opens_at=(hour - timedelta(days=2)).replace(hour=9),
                 closes_at=(hour + timedelta(days=4)).replace(hour=17), time_limit=20,
                 attempts_allowed=2, feedback="after_attempt"),
            week(2, "Week 3 quiz", opens_at=(hour + timedelta(days=7)).replace(hour=9),
                 closes_at=(hour + timedelta(days=11)).replace(hour=17), attempts_allowed=1,
                 feedback="after_close"),
        )
    )  # fmt: skip
    past = _Sittings(session, closed, rng, now, answer_rows)
    current = _Sittings(session, timed, rng, now, answer_rows)
    # One or two students are answering the open one right now; about half have finished it.
    busy = rng.sample(range(len(abilities)), k=min(len(abilities) // 2, 1 + (len(abilities) >= 20)))
    for number, (user_id, ability) in enumerate(abilities):
        if number == 0 or rng.random() < 0.85:  # most of the class sat the closed one
            past.sit(user_id, ability, tries=1 + (rng.random() < 0.3))
        if number in busy:
            current.answering_now(user_id, ability)
        elif rng.random() < 0.5:
            current.sit(user_id, ability, tries=1 + (rng.random() < 0.1))
    return [
        DemoAssignment(a.title, status(a, None, now).state, a.opens_at, a.closes_at,
                       a.time_limit, sittings.finished if sittings else 0,
                       sittings.in_progress if sittings else 0)
        for a, sittings in ((closed, past), (timed, current), (upcoming, None))
    ]  # fmt: skip


class _Sittings:
    """Writes students' attempts at one assignment as the services would, and counts them.

    Rows go in directly for speed, as the practice history does, with what the services
    keep: the seeded draw, the schedule's deadline, a score that is the sum of the answers'
    points, and one answer per position of an attempt.
    """

    def __init__(self, session, assignment: Assignment, rng: random.Random, now: datetime,
                 answer_rows: list[dict]):  # fmt: skip
        self.session, self.assignment, self.rng, self.now = session, assignment, rng, now
        self.answer_rows = answer_rows
        self.counts = [(d["bank"], d["count"]) for d in assignment.draw]
        self.pools = assignments.pools([bank for bank, _ in self.counts])
        self.versions: dict[int, QuestionVersion] = {}
        self.finished = self.in_progress = 0

    def sit(self, user_id: int, ability: float, tries: int) -> None:
        """Write finished attempts within the window; a few run out of time."""
        opens, closes = self.assignment.opens_at, self.assignment.closes_at
        assert opens is not None and closes is not None and self.assignment.time_limit
        limit = timedelta(minutes=self.assignment.time_limit)
        last = min(closes, self.now) - limit
        when = opens + (last - opens) * self.rng.uniform(0, 0.6)
        for number in range(tries):
            if when > last:
                break  # no time left for another attempt
            attempt, items, deadline = self._start(user_id, when)
            assert deadline is not None
            out_of_time = self.rng.random() < 0.1 and len(items) > 1
            stop = self.rng.randint(1, len(items) - 1) if out_of_time else len(items)
            when, attempt.score = self._answer(attempt, items[:stop], ability, number, deadline)
            # Out of time: the next read would have finished it at its deadline.
            attempt.finished_at = deadline if out_of_time else when
            self.finished += 1
            when = attempt.finished_at + timedelta(hours=self.rng.uniform(1, 48))

    def answering_now(self, user_id: int, ability: float) -> None:
        """Write an attempt started minutes ago, part answered, its deadline still ahead."""
        attempt, items, deadline = self._start(
            user_id, self.now - timedelta(minutes=self.rng.uniform(2, 8))
        )
        self._answer(attempt, items[: self.rng.randint(0, len(items) - 1)], ability, 0, self.now)
        self.in_progress += 1

    def _start(self, user_id: int, when: datetime):
        seed = self.rng.randrange(2**31)
        items = draw(self.pools, self.counts, seed, self.assignment.spread)
        for _, vid in items:
            if vid not in self.versions:
                self.versions[vid] = self.session.get(QuestionVersion, vid)
        deadline = deadline_for(self.assignment, None, when)
        attempt = Attempt(
            user_id=user_id,
            bank_id=self.counts[0][0],
            items=[list(item) for item in items],
            seed=seed,
            started_at=when,
            max_score=sum(self.versions[vid].points for _, vid in items),
            assignment_id=self.assignment.id,
            deadline=deadline,
        )
        self.session.add(attempt)
        self.session.flush()
        return attempt, items, deadline

    def _answer(self, attempt: Attempt, items, ability: float, number: int,
                until: datetime) -> tuple[datetime, float]:  # fmt: skip
        """Answer these items in order before ``until``; return the last time and the score."""
        when, total = attempt.started_at, 0.0
        for position, (qid, vid) in enumerate(items):
            version = self.versions[vid]
            logit = ability + 0.3 + 0.4 * number - DIFFICULTY.get(version.difficulty, 0.0)
            correct = self.rng.random() < 1 / (1 + math.exp(-1.7 * logit))
            response = _response(version.type, version.spec, correct, self.rng)
            score = get_type(version.type).grade(version.spec, response, version.points)
            when = min(when + timedelta(seconds=self.rng.randint(15, 100)), until)
            total += score.points
            self.answer_rows.append(
                dict(attempt_id=attempt.id, position=position, user_id=attempt.user_id,
                     question_id=qid, version_id=vid, response=response, correct=score.correct,
                     points=score.points, max_points=score.max_points, submitted_at=when,
                     duration_ms=self.rng.randint(8_000, 90_000))
            )  # fmt: skip
        return when, total


def _reviews(session, user_id: int, rng: random.Random, now: datetime) -> int:
    """Run a few review sessions on the student's due cards."""
    from quizapp.models import Review, ReviewCard

    due_cards = session.scalars(
        select(ReviewCard).where(ReviewCard.user_id == user_id, ReviewCard.due <= now)
    ).all()
    count = 0
    for card in rng.sample(due_cards, k=min(len(due_cards), rng.randint(0, 6))):
        version = session.scalar(
            select(QuestionVersion)
            .join(Question, Question.current_version_id == QuestionVersion.id)
            .where(Question.id == card.question_id)
        )
        correct = rng.random() < 0.7
        response = _response(version.type, version.spec, correct, rng)
        score = get_type(version.type).grade(version.spec, response, version.points)
        when = card.due + timedelta(hours=rng.uniform(1, 48))
        when = min(when, now)
        session.add(
            Review(
                user_id=user_id,
                token=f"demo-{card.id}-{count}",
                question_id=card.question_id,
                version_id=version.id,
                response=response,
                correct=score.correct,
                points=score.points,
                max_points=score.max_points,
                rating=int(cards.rating_for(score.correct)),
                reviewed_at=when,
            )
        )
        session.flush()
        cards.record(user_id, card.question_id, score.correct, when)
        count += 1
    return count
