"""Pure formatters: CSV, GIFT, Moodle XML and bank YAML; BANK_FORMATS lists the bank exports.

The banks page, the download route and `quizapp export <name>` read BANK_FORMATS: adding a
format is one module with a writer and an entry here (docs/extending.md).
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from quizapp.authoring.source import BankSource
from quizapp.formats import bank_yaml, gift, moodle_xml
from quizapp.formats.gift import Warn
from quizapp.formats.moodle_xml import BankArguments
from quizapp.qtypes import get_type


def left_out_of_moodle(bank: BankSource) -> list[str]:
    """Return, per question, what GIFT and Moodle XML cannot carry and so leave out."""
    return [
        f"question {q.id}: {left.warning}"
        for q in bank.questions
        for left in get_type(q.type).left_out(q.spec)
    ]


# A writer takes a bank, per question the excerpts its general feedback quotes, and a function
# to call with a warning for each thing the format cannot say as the bank does.
Writer = Callable[..., str]


@dataclass(frozen=True)
class BankFormat:
    """One way to download a bank: on the banks page, at /teach/banks/<bank>.<extension>."""

    name: str  # the registry key and the CLI command: `quizapp export <name>`
    extension: str  # of the file, and in the download URL
    mimetype: str
    link_text: str  # on the banks page
    several: bool  # one file can hold several banks (the CLI's single-file output)
    write: Writer
    cli_help: str | None  # the CLI command's help; None: no command (said why in a comment)
    # Several banks in one file, from (bank, excerpts, warn) each; None: one after another.
    write_several: Callable[[Sequence[BankArguments]], str] | None = None


def _yaml(
    bank: BankSource, excerpts: dict[str, list[str]] | None = None, warn: Warn | None = None
) -> str:
    return bank_yaml.dump(bank)  # the bank as authored: excerpts are no part of it


BANK_FORMATS: dict[str, BankFormat] = {
    f.name: f
    for f in (
        # No CLI command: on the command line the banks are YAML files already.
        BankFormat("yaml", "yaml", "application/yaml", "YAML", False, _yaml, None),
        BankFormat(
            "gift",
            "gift",
            "text/plain",
            "GIFT",
            True,
            gift.dump,
            "Write banks (default: QUIZAPP_QUESTIONS, else questions/) in Moodle's GIFT format.",
        ),
        BankFormat(
            "moodle-xml",
            "xml",
            "application/xml",
            "Moodle XML",
            True,
            moodle_xml.dump,
            "Write banks (default: QUIZAPP_QUESTIONS, else questions/) as Moodle XML. Several "
            "banks in one file are one quiz with a category per bank, as Moodle imports them.",
            moodle_xml.dump_banks,
        ),
    )
}


def bank_format_for(extension: str) -> BankFormat | None:
    """Return the bank format whose files end in ``.extension``, or None."""
    return next((f for f in BANK_FORMATS.values() if f.extension == extension), None)
