"""BANK_FORMATS is whole: every entry has what the banks page, its route and the CLI read."""

import dataclasses

import pytest

from quizapp.formats import BANK_FORMATS, BankFormat, bank_format_for
from tests.formats.test_interchange import shipped


def incomplete(entry: BankFormat) -> list[str]:
    """Return the fields of an entry that are missing or malformed."""
    bad = [
        f.name
        for f in dataclasses.fields(entry)
        # Optional: no CLI command (said why), or several banks simply follow one another.
        if f.name not in ("cli_help", "write_several") and getattr(entry, f.name) in (None, "")
    ]
    if "." in entry.extension or "/" in entry.extension:
        bad.append("extension")
    if "/" not in entry.mimetype:
        bad.append("mimetype")
    if not isinstance(entry.several, bool):
        bad.append("several")
    if not callable(entry.write):
        bad.append("write")
    if entry.cli_help is not None and not entry.cli_help.strip():
        bad.append("cli_help")
    if entry.write_several is not None and not (entry.several and callable(entry.write_several)):
        bad.append("write_several")
    return list(dict.fromkeys(bad))


@pytest.mark.parametrize("name", list(BANK_FORMATS))
def test_every_bank_format_is_complete_and_writes_every_shipped_bank(name):
    entry = BANK_FORMATS[name]
    assert entry.name == name and incomplete(entry) == []
    assert bank_format_for(entry.extension) is entry
    for bank in shipped():
        warnings = []
        text = entry.write(bank, {}, warnings.append)
        assert isinstance(text, str) and bank.questions[0].prompt.split()[0] in text


def test_an_incomplete_entry_is_caught():
    entry = BANK_FORMATS["gift"]
    assert incomplete(dataclasses.replace(entry, mimetype="plain")) == ["mimetype"]
    assert incomplete(dataclasses.replace(entry, link_text="", extension=".g")) == [
        "link_text",
        "extension",
    ]
    assert incomplete(dataclasses.replace(entry, write=None)) == ["write"]


def test_the_urls_and_commands_stay_as_they_were():
    assert {f.extension: f.name for f in BANK_FORMATS.values()} == {
        "yaml": "yaml",
        "gift": "gift",
        "xml": "moodle-xml",
    }
    assert len({f.extension for f in BANK_FORMATS.values()}) == len(BANK_FORMATS)


def test_the_cli_has_a_command_for_every_format_that_names_one(runner):
    from quizapp.cli.interchange import export_group

    with_command = {f.name for f in BANK_FORMATS.values() if f.cli_help}
    assert with_command == {"gift", "moodle-xml"}
    assert with_command <= set(export_group.commands)
    for name in with_command:
        result = runner.invoke(args=["export", name, "--help"])
        assert result.exit_code == 0
        assert BANK_FORMATS[name].cli_help in " ".join(result.output.split())


def test_a_registered_format_is_one_entry_away_from_the_cli(runner, tmp_path, monkeypatch):
    """A format that cannot hold several banks is refused a single file, and writes folders."""
    from quizapp.cli import interchange

    def write(bank, excerpts=None, warn=None) -> str:
        return f"{bank.id}: {len(bank.questions)} questions\n"

    entry = BankFormat("count", "count", "text/plain", "Count", False, write, "Count questions.")
    monkeypatch.setitem(BANK_FORMATS, "count", entry)
    command = interchange._bank_export_command(entry)
    try:
        refused = runner.invoke(args=["export", "count", "-o", str(tmp_path / "all.count")])
        assert refused.exit_code == 1 and "holds one bank: give a folder" in refused.output
        written = runner.invoke(args=["export", "count", "-o", f"{tmp_path}/out/"])
        assert written.exit_code == 0, written.output
        files = sorted(p.name for p in (tmp_path / "out").iterdir())
        assert files and all(f.endswith(".count") for f in files)
    finally:
        interchange.export_group.commands.pop(command.name)
