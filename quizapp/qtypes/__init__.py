"""Question types; importing this package registers every type module in it."""

import importlib
import pkgutil

from quizapp.qtypes.base import (
    REGISTRY,
    AnswerKey,
    InvalidResponse,
    LeftOut,
    NoMapping,
    QuestionType,
    Score,
    UnknownType,
    get_type,
)

# Each module registers its class on import, so adding a type means adding one module here.
for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")

__all__ = [
    "REGISTRY",
    "AnswerKey",
    "InvalidResponse",
    "LeftOut",
    "NoMapping",
    "QuestionType",
    "Score",
    "UnknownType",
    "get_type",
]
