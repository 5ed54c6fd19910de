"""The cleaned articles: faithful to the scraped originals, with none of the scraping junk."""

import hashlib
import importlib.util
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "seeds"
SHARED = ROOT.parent / "shared" / "seeds"

spec = importlib.util.spec_from_file_location("clean_seeds", ROOT / "scripts" / "clean_seeds.py")
clean_seeds = importlib.util.module_from_spec(spec)
spec.loader.exec_module(clean_seeds)
ARTICLES = {a["id"]: a for a in clean_seeds.ARTICLES}

JUNK = [
    "(#)",
    "**",
    "Fr. Dewey Fisher",
    "Rating:",
    "voted",
    "Birthday:",
    "Phone:",
    "Hobby:",
    "Top Articles",
    "Latest Posts",
    "Article information",
    "Leave a Reply",
    "Your email address will not be published",
    "Read the original article",
    "This article is part of Nature Index",
    "China’s big-science bet (",
    "By Yvaine Ye",
    "Charts showing",
    "Source: Nature Index, Dimensions",
]


def normalise(text: str) -> str:
    """Return text without link and emphasis markup, whitespace collapsed."""
    return " ".join(clean_seeds.clean_inline(text).split())


def body(article_id: str) -> str:
    text = (SEEDS / f"{article_id}.md").read_text(encoding="utf-8")
    return text.split("---\n", 2)[2]


def blocks(article_id: str) -> list[str]:
    return [b.strip() for b in body(article_id).split("\n\n") if b.strip()]


def raw(article_id: str) -> str:
    return (SEEDS / "raw" / ARTICLES[article_id]["raw"]).read_text(encoding="utf-8")


def test_raw_files_match_their_recorded_checksums():
    """seeds/raw/SHA256SUMS was made from the shared originals; a clone without them still
    proves its copies are those bytes (and the test below compares with the originals)."""
    sums = (SEEDS / "raw" / "SHA256SUMS").read_text().split("\n")
    recorded = dict(reversed(line.split("  ", 1)) for line in sums if line)
    assert sorted(recorded) == sorted(p.name for p in (SEEDS / "raw").glob("*.txt"))
    for name, digest in recorded.items():
        assert hashlib.sha256((SEEDS / "raw" / name).read_bytes()).hexdigest() == digest, name


@pytest.mark.skipif(not SHARED.is_dir(), reason="the shared originals are not on this machine")
@pytest.mark.parametrize("path", sorted(SHARED.glob("*.txt")), ids=lambda p: p.name)
def test_raw_files_are_byte_identical_to_the_originals(path):
    copy = SEEDS / "raw" / path.name
    digest = hashlib.sha256
    assert digest(copy.read_bytes()).hexdigest() == digest(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("article_id", ARTICLES)
def test_cleaning_is_reproducible(article_id):
    cleaned = (SEEDS / f"{article_id}.md").read_text(encoding="utf-8")
    assert clean_seeds.clean(ARTICLES[article_id]) == cleaned


@pytest.mark.parametrize("article_id", ARTICLES)
def test_front_matter_names_the_original(article_id):
    front = (SEEDS / f"{article_id}.md").read_text(encoding="utf-8").split("---\n")[1]
    fields = dict(line.split(": ", 1) for line in front.strip().splitlines())
    assert fields["id"] == article_id
    assert fields["title"].strip('"') and re.fullmatch(r"20\d\d", fields["year"])
    assert (SEEDS / "raw" / fields["raw"]).is_file()


@pytest.mark.parametrize("article_id", ARTICLES)
def test_every_sentence_occurs_in_the_original(article_id):
    """Only whole lines are dropped: a sentence may span a figure dropped from its middle."""
    drop = tuple(ARTICLES[article_id]["drop"])
    kept = [line for line in raw(article_id).splitlines() if not line.strip().startswith(drop)]
    source = normalise("\n".join(kept))
    for block in blocks(article_id):
        for sentence in re.split(r"(?<=[.?!])\s+", block.removeprefix("## ")):
            assert normalise(sentence) in source, sentence


@pytest.mark.parametrize("article_id", ARTICLES)
def test_no_scraping_junk_is_left(article_id):
    text = body(article_id)
    assert [junk for junk in JUNK if junk in text] == []
    assert not re.search(r"\[[^\]]*\]\([^)]*\)", text), "a link artefact is left"


@pytest.mark.parametrize("article_id", ARTICLES)
def test_no_markdown_escape_or_autolink_is_left(article_id):
    """The reader shows a passage as plain text, so the scrape's Markdown escapes (``\\$780``)
    and autolink brackets (``<https://...>``) would reach students as typed."""
    text = body(article_id)
    assert re.findall(r"\\[!-/:-@\[-`{-~]", text) == []
    assert re.findall(r"<[a-z]+:[^\s>]*>", text) == []


@pytest.mark.parametrize("article_id", ARTICLES)
def test_no_paragraph_is_split_by_a_page_break(article_id):
    for block in blocks(article_id):
        if block.startswith("## "):
            continue
        assert not block[0].islower(), block[:60]
        assert block.endswith(clean_seeds.END), block[-60:]


@pytest.mark.parametrize("article_id", ARTICLES)
def test_keeps_at_least_95_percent_of_the_prose(article_id):
    """Prose is every raw paragraph of 20 words or more before the page's junk tail."""
    text = raw(article_id)
    stop = ARTICLES[article_id]["drop_from"]
    if stop:
        text = text[: text.index(stop)]
    cleaned = normalise(body(article_id).replace("## ", ""))
    paragraphs = [normalise(p) for p in text.split("\n\n")]
    prose = [p for p in paragraphs if len(p.split()) >= 20]
    kept = sum(len(p.split()) for p in prose if p in cleaned)
    total = sum(len(p.split()) for p in prose)
    print(f"\n{article_id}: kept {kept}/{total} words of prose ({kept / total:.1%})")
    assert kept / total >= 0.95
