"""Problems found in a file, located GCC-style as path:line:col (pure)."""

import difflib
from collections.abc import Collection
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True, order=True)
class Diagnostic:
    path: str
    line: int  # 1-based
    col: int  # 1-based
    severity: str
    message: str
    code: str | None = None  # a warning's stable name (item_writing.CODES), shown in message
    # A quote not found: (the quote, the closest article text), for showing what differs.
    hint: tuple[str, str] | None = field(default=None, compare=False)

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.severity}: {self.message}"

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if k != "hint"}


def did_you_mean(word: str, options: Collection[str]) -> str:
    """Return ' (did you mean "x"?)' for a close option, else the options when they are few."""
    # 0.7: "hint" is 0.6 like "points", a suggestion that misleads; typos score 0.8 and more.
    close = difflib.get_close_matches(str(word), list(options), n=1, cutoff=0.7)
    if close:
        return f' (did you mean "{close[0]}"?)'
    return f" (expected one of: {', '.join(sorted(options))})" if len(options) <= 12 else ""


class Reporter:
    """Collects diagnostics for one file; positions come from ruamel.yaml's line/col data."""

    def __init__(self, path: str):
        self.path = path
        self.diagnostics: list[Diagnostic] = []
        self.error_count = 0  # kept, not counted: a question checks it before and after

    def at(
        self,
        line0: int,
        col0: int,
        message: str,
        severity: str = "error",
        code: str | None = None,
        hint: tuple[str, str] | None = None,
    ) -> None:
        """Record an error (or a warning) at a 0-based position."""
        self.diagnostics.append(
            Diagnostic(self.path, line0 + 1, col0 + 1, severity, message, code, hint)
        )
        self.error_count += severity == "error"

    def warn_value(self, mapping: Any, key: Any, message: str, code: str) -> None:
        """Record a warning at a mapping's value, its code after the message: the file loads."""
        self.at(*value_pos(mapping, key), f"{message} [{code}]", severity="warning", code=code)

    def key(self, mapping: Any, key: Any, message: str) -> None:
        """Record an error at a mapping's key."""
        self.at(*key_pos(mapping, key), message)

    def value(self, mapping: Any, key: Any, message: str) -> None:
        """Record an error at a mapping's value."""
        self.at(*value_pos(mapping, key), message)

    def node(self, node: Any, message: str) -> None:
        """Record an error at the start of a mapping or sequence node."""
        self.at(*node_pos(node), message)

    def item(self, seq: Any, index: int, message: str) -> None:
        """Record an error at one item of a sequence."""
        try:
            line, col = seq.lc.item(index)
        except (AttributeError, KeyError, IndexError, TypeError):
            line, col = node_pos(seq)
        self.at(line, col, message)


def node_pos(node: Any) -> tuple[int, int]:
    """Return the 0-based start of a ruamel node (0, 0 when unknown)."""
    lc = getattr(node, "lc", None)
    return (lc.line, lc.col) if lc is not None and lc.line is not None else (0, 0)


def key_pos(mapping: Any, key: Any) -> tuple[int, int]:
    try:
        return tuple(mapping.lc.key(key))
    except (AttributeError, KeyError, TypeError):
        return node_pos(mapping)


def value_pos(mapping: Any, key: Any) -> tuple[int, int]:
    try:
        if mapping[key] is None:
            # An empty value: ruamel places it at the next token, often on the next line.
            return key_pos(mapping, key)
        return tuple(mapping.lc.value(key))
    except (AttributeError, KeyError, TypeError):
        return key_pos(mapping, key)
