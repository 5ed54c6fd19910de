"""Demo data: a class of Faker students of varied ability answering over several weeks."""

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
from quizapp.models import Answer, Attempt, Course, Membership, Question, QuestionVersion, User
from quizapp.qtypes import get_type

DEMO_INSTRUCTOR = "demo-instructor"
DEMO_PASSWORD = "demo-password-123"
DIFFICULTY = {"easy": -1.0, "medium": 0.0, "hard": 1.0}


@dataclass(frozen=True)
class DemoReport:
    course_id: int
    join_code: str
    students: int
    attempts: int
    answers: int
    reviews: int


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
    if answer_rows:
        session.execute(insert(Answer), answer_rows)
    return DemoReport(course.id, code, students, n_attempts, n_answers, n_reviews)


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
