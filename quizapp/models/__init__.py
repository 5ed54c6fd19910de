"""Database models, split by concept."""

from quizapp.models.assignments import Assignment, AssignmentOverride
from quizapp.models.classes import Course, Membership
from quizapp.models.content import Bank, Citation, Document, Passage, Question, QuestionVersion
from quizapp.models.learning import Answer, Attempt, Review, ReviewCard
from quizapp.models.lti import (
    LtiContext,
    LtiDeployment,
    LtiIdentity,
    LtiKey,
    LtiLaunchState,
    LtiLink,
    LtiNonce,
    LtiPlatform,
    LtiScore,
)
from quizapp.models.reports import StoredReport
from quizapp.models.users import LoginSession, User

__all__ = [
    "Answer",
    "Assignment",
    "AssignmentOverride",
    "Attempt",
    "Bank",
    "Citation",
    "Course",
    "Document",
    "LoginSession",
    "LtiContext",
    "LtiDeployment",
    "LtiIdentity",
    "LtiKey",
    "LtiLaunchState",
    "LtiLink",
    "LtiNonce",
    "LtiPlatform",
    "LtiScore",
    "Membership",
    "Passage",
    "Question",
    "QuestionVersion",
    "Review",
    "ReviewCard",
    "StoredReport",
    "User",
]
