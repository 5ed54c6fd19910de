"""Database models, split by concept."""

from .classes import Course, Membership
from .content import Bank, Citation, Document, Passage, Question, QuestionVersion
from .learning import Answer, Attempt, Review, ReviewCard
from .reports import StoredReport
from .users import LoginSession, User

__all__ = [
    "Answer",
    "Attempt",
    "Bank",
    "Citation",
    "Course",
    "Document",
    "LoginSession",
    "Membership",
    "Passage",
    "Question",
    "QuestionVersion",
    "Review",
    "ReviewCard",
    "StoredReport",
    "User",
]
