"""Passage segmentation, anchors and quote resolution (pure)."""

import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quizapp.content.passages import (
    Ambiguous,
    Corpus,
    Match,
    NotFound,
    UnknownDocument,
    highlight_segments,
    normalize,
    normalize_with_map,
    relocate,
    segment,
    word_diff,
)

BODY = """First paragraph about JUNO and its 20,000 tonnes of liquid.

## A heading

Second paragraph, “quoted” words — and a dash.
It continues on a second line.

Third paragraph repeats a phrase: big science. Again: big science."""


def test_segment_splits_paragraphs_under_headings():
    passages = segment("doc", BODY)
    assert [p.ordinal for p in passages] == [1, 2, 3]
    assert [p.heading for p in passages] == [None, "A heading", "A heading"]
    assert passages[1].text == (
        "Second paragraph, “quoted” words — and a dash. It continues on a second line."
    )
    assert all(p.anchor.startswith("p-") and p.doc_id == "doc" for p in passages)


def test_identical_paragraphs_get_distinct_anchors():
    passages = segment("doc", "Same text.\n\nOther.\n\nSame text.")
    assert passages[0].anchor != passages[2].anchor
    assert passages[2].anchor == passages[0].anchor + "-2"


def test_editing_one_paragraph_keeps_every_other_anchor():
    before = segment("doc", BODY)
    after = segment("doc", BODY.replace("Third paragraph", "The third paragraph"))
    assert [p.anchor for p in before[:2]] == [p.anchor for p in after[:2]]
    assert before[2].anchor != after[2].anchor


words = st.text(alphabet=string.ascii_letters, min_size=1, max_size=8)
paragraph = st.lists(words, min_size=3, max_size=12).map(" ".join)


@settings(max_examples=60, deadline=None)
@given(st.lists(paragraph, min_size=2, max_size=6, unique=True), st.data())
def test_anchors_of_other_paragraphs_survive_any_single_edit(paragraphs, data):
    index = data.draw(st.integers(0, len(paragraphs) - 1))
    edited = list(paragraphs)
    edited[index] = edited[index] + " edited"
    before = segment("d", "\n\n".join(paragraphs))
    after = segment("d", "\n\n".join(edited))
    for i, (b, a) in enumerate(zip(before, after, strict=True)):
        if i != index and paragraphs.count(paragraphs[i]) == 1:
            assert b.anchor == a.anchor


def test_normalize_quotes_dashes_and_spaces():
    assert normalize("“It’s”\u00a0a —  test–case\n") == '"It\'s" a - test-case'
    text = "a\u00a0 “b”  c"
    norm, index = normalize_with_map(text)
    assert len(norm) == len(index) and all(text[i] for i in index)


def corpus():
    return Corpus({"doc": segment("doc", BODY), "other": segment("other", "Just one.")})


def test_quote_with_straight_quotes_resolves_to_the_exact_original_span():
    result = corpus().resolve("doc", 'paragraph, "quoted" words - and a dash.  It continues')
    assert isinstance(result, Match)
    assert result.passage.ordinal == 2
    assert result.passage.text[result.start : result.end] == (
        "paragraph, “quoted” words — and a dash. It continues"
    )


def test_not_found_suggests_the_closest_text():
    result = corpus().resolve("doc", "its 20,000 tons of liquid")
    assert isinstance(result, NotFound)
    assert "20,000 tonnes of liquid" in result.suggestion
    assert "closest" in result.message()


def test_closest_text_is_found_in_a_long_paragraph_after_a_short_near_miss():
    long = " ".join(f"filler{i} words here." for i in range(60))
    text = (
        "A short one about the experiment.\n\n"
        f"{long} The dark matter-hunting experiment has recently been expanded to the world. {long}"
    )
    result = Corpus({"doc": segment("doc", text)}).resolve(
        "doc", "the dark matter hunting experiment has recently been expanded"
    )
    assert isinstance(result, NotFound)
    assert result.suggestion.startswith("The dark matter-hunting experiment has recently")


def test_empty_quote_is_not_found():
    assert isinstance(corpus().resolve("doc", "   "), NotFound)


def test_ambiguous_lists_every_match():
    result = corpus().resolve("doc", "big science")
    assert isinstance(result, Ambiguous)
    assert len(result.matches) == 2
    # Each place in its words, as paragraph numbers are nowhere in the article's file
    assert result.message() == (
        'quote is ambiguous in "doc": it matches 2 places (paragraph 3: "…paragraph repeats a'
        ' phrase: big science. Again: big science."; paragraph 3: "…phrase: big science. Again:'
        ' big science."); quote more words to make it unique'
    )


@pytest.mark.parametrize(
    "quote",
    [
        "its 20,000\u200b tonnes",  # a zero-width space from a web page
        "its 20,000 ton\u00adnes",  # a soft hyphen from a word processor
    ],
)
def test_invisible_characters_in_a_quote_do_not_stop_it_matching(quote):
    result = corpus().resolve("doc", quote)
    assert isinstance(result, Match)
    assert result.passage.text[result.start : result.end] == "its 20,000 tonnes"


def test_an_ellipsis_character_matches_three_dots_and_back():
    text = "He paused... then spoke. Later … much later."
    found = Corpus({"doc": segment("doc", text)})
    assert isinstance(found.resolve("doc", "paused… then"), Match)
    later = found.resolve("doc", "Later ... much")
    assert isinstance(later, Match) and text[later.start : later.end] == "Later … much"


def test_a_quote_that_differs_only_in_case_says_so():
    result = corpus().resolve("doc", "first paragraph about juno")
    assert isinstance(result, NotFound)
    assert result.message() == (
        'quote not found in "doc"; it differs only in capital letters from the article\'s'
        ' "First paragraph about JUNO"'
    )


def test_unknown_document_suggests_a_name():
    result = corpus().resolve("dco", "anything")
    assert isinstance(result, UnknownDocument)
    assert result.suggestions == ("doc",)
    assert 'did you mean "doc"' in result.message()


def test_highlight_segments_merges_clamps_and_ignores_bad_spans():
    assert highlight_segments("abcdef", [(1, 3)]) == [("a", False), ("bc", True), ("def", False)]
    assert highlight_segments("abcdef", [(1, 3), (2, 5)]) == [
        ("a", False),
        ("bcde", True),
        ("f", False),
    ]
    assert highlight_segments("abc", [(2, 99)]) == [("ab", False), ("c", True)]
    assert highlight_segments("abc", [(2, 1), (-5, 0)]) == [("abc", False)]
    assert highlight_segments("", []) == [("", False)]


fancy = st.sampled_from(
    [
        "alpha",
        "beta’s",
        "“gamma”",
        "delta—epsilon",
        "zeta",
        "eta\u00a0theta",
        "iota",
        "kappa",
        "lambda",
        "mu",
        "nu–xi",
        "omicron",
    ]
)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.lists(fancy, min_size=8, max_size=30), st.data())
def test_any_unique_substring_of_six_words_resolves_to_its_span(tokens, data):
    text = " ".join(tokens)
    start = data.draw(st.integers(0, len(tokens) - 6))
    length = data.draw(st.integers(6, len(tokens) - start))
    quote = " ".join(tokens[start : start + length])
    passages = segment("d", text)
    hay, needle = normalize(passages[0].text), normalize(quote)
    if sum(hay.startswith(needle, i) for i in range(len(hay))) != 1:
        return  # the property is about quotes that occur exactly once
    result = Corpus({"d": passages}).resolve("d", quote)
    assert isinstance(result, Match)
    assert result.passage.text[result.start : result.end] == quote


@pytest.mark.parametrize(
    ("quote", "cut"),
    [
        ("the Jiangmen Underground Lab", "Laboratory"),  # ends inside a word
        ("angmen Underground Laboratory", "Jiangmen"),  # starts inside one
        ("the Jiangmen Underground Laboratory", None),
        ("dark matter", None),  # "matter-hunting": a hyphen is a word's edge
        ("Laboratory (JUNO", None),  # so is punctuation
    ],
)
def test_a_quote_that_cuts_a_word_names_it(quote, cut):
    text = "It sits in the Jiangmen Underground Laboratory (JUNO), a dark matter-hunting site."
    result = Corpus({"d": segment("d", text)}).resolve("d", quote)
    assert isinstance(result, Match)
    assert result.cut_word() == cut


def test_a_quote_across_two_paragraphs_says_so():
    result = corpus().resolve("doc", "20,000 tonnes of liquid. Second paragraph")
    assert isinstance(result, NotFound)
    assert result.message() == (
        'quote not found in "doc" as one quote: it runs across paragraphs 1 and 2; a quote lies'
        " within one paragraph, so cite two quotes"
    )


@pytest.mark.parametrize(
    ("quote", "article"),
    [
        ("FIRST PARAGRAPH ABOUT JUNO", "First paragraph about JUNO"),  # all capitals
        ("a Dash. it continues", "a dash. It continues"),  # ends before a full stop
    ],
)
def test_a_quote_off_only_in_capitals_names_the_articles_words(quote, article):
    result = corpus().resolve("doc", quote)
    assert isinstance(result, NotFound)
    assert result.message().endswith(
        f'differs only in capital letters from the article\'s "{article}"'
    )


def _relocate_tonnes(edited_body: str):
    """Relocate "20,000 tonnes" of BODY's first paragraph into an edited BODY."""
    old, edited = segment("d", BODY), segment("d", edited_body)
    start = old[0].text.index("20,000 tonnes")
    moved, alike = relocate(old[0].text, [(start, start + len("20,000 tonnes"))], edited)
    return old, edited, moved, alike


def test_relocate_moves_a_retired_paragraphs_spans_to_where_its_words_are_now():
    old, edited, moved, alike = _relocate_tonnes(
        BODY.replace("First paragraph", "The first paragraph", 1)
    )
    (anchor, s, e), new = moved[0], edited[0]
    assert len(moved) == 1 and anchor == new.anchor != old[0].anchor
    assert new.text[s:e] == "20,000 tonnes"
    assert alike == new.anchor


def test_relocate_leaves_out_words_since_edited_but_names_the_paragraph_most_alike():
    old, edited, moved, alike = _relocate_tonnes(BODY.replace("20,000 tonnes", "20 000 tonnes", 1))
    assert moved == [] and alike == edited[0].anchor
    assert relocate(old[0].text, [(0, 5)], segment("d", "Nothing like it at all.")) == ([], None)


def test_word_diff_marks_only_the_words_that_differ():
    quote = "Centred on a colossal sphere filled with 20,000 tonnes of liquid"
    article = "Centred on a huge sphere filled with 20,000 tonnes of liquid"
    assert word_diff(quote, article) == [
        ("same", "Centred on a"),
        ("quote", "colossal"),
        ("article", "huge"),
        ("same", "sphere filled with 20,000 tonnes of liquid"),
    ]


def test_word_diff_ignores_what_quote_matching_ignores_and_shows_added_and_dropped_words():
    # Curly and straight quotation marks, dashes and spacing are no difference
    assert word_diff("Earth’s  big—science", "Earth's big-science") == [
        ("same", "Earth's big-science")
    ]
    assert word_diff("a b c", "a c d") == [
        ("same", "a"),
        ("quote", "b"),
        ("same", "c"),
        ("article", "d"),
    ]


@given(
    st.lists(st.sampled_from(["a", "b", "c", "d"]), max_size=8),
    st.lists(st.sampled_from(["a", "b", "c", "d"]), max_size=8),
)
def test_word_diff_rebuilds_both_texts(ours, theirs):
    runs = word_diff(" ".join(ours), " ".join(theirs))
    assert " ".join(t for kind, t in runs if kind != "article").split() == ours
    assert " ".join(t for kind, t in runs if kind != "quote").split() == theirs


def test_word_diff_does_not_mark_the_full_stop_the_closest_text_ends_with():
    assert word_diff("it is designedish to answer", "it is designed to answer.") == [
        ("same", "it is"),
        ("quote", "designedish"),
        ("article", "designed"),
        ("same", "to answer."),
    ]
