"""Question types; importing this package registers every type."""

from . import choice, numeric, short_text, true_false  # noqa: F401  (registers the types)
from .base import REGISTRY, InvalidResponse, QuestionType, Score, get_type

__all__ = ["REGISTRY", "InvalidResponse", "QuestionType", "Score", "get_type"]
