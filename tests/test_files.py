"""Files written whole or not at all (exports, backups)."""

import errno

import pytest

from quizapp.files import replacing


def test_a_write_that_fails_keeps_the_old_file_and_leaves_no_partial(tmp_path):
    target = tmp_path / "scores.csv"
    target.write_text("last week's export")
    with pytest.raises(OSError) as raised, replacing(target) as partial:
        with open(partial, "w") as stream:
            stream.write("half of this week's")
        raise OSError(errno.EFBIG, "File too large", str(partial))
    assert raised.value.filename == str(target)  # the message names the file asked for
    assert target.read_text() == "last week's export"
    assert [f.name for f in tmp_path.iterdir()] == ["scores.csv"]


def test_a_write_that_succeeds_replaces_the_file(tmp_path):
    target = tmp_path / "scores.csv"
    target.write_text("old")
    with replacing(target) as partial:
        partial.write_text("new")
    assert target.read_text() == "new"
    assert [f.name for f in tmp_path.iterdir()] == ["scores.csv"]
