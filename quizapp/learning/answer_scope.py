"""Which answers a class's report reads: all of them, practice only, or one assignment's."""

from dataclasses import dataclass

from sqlalchemy import ColumnElement, select

from quizapp.models import Answer, Attempt


@dataclass(frozen=True)
class AnswerScope:
    assignment_id: int | None = None  # one assignment's answers (an instructor's preview never)
    practice: bool = False  # practice answers only

    def condition(self) -> ColumnElement[bool] | None:
        """Return the condition on Answer that keeps this scope's answers (None: every one)."""
        if self.assignment_id is not None:
            attempts = select(Attempt.id).where(
                Attempt.assignment_id == self.assignment_id, Attempt.preview.is_(False)
            )
        elif self.practice:
            attempts = select(Attempt.id).where(Attempt.assignment_id.is_(None))
        else:
            return None
        return Answer.attempt_id.in_(attempts)


ALL = AnswerScope()
PRACTICE = AnswerScope(practice=True)
