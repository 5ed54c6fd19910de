"""Item-writing heuristics, pure: each fires on the unfair case and keeps quiet on the fair one."""

import pytest

from quizapp.authoring.item_writing import (
    choice_findings,
    findings,
    quotes_number,
    quotes_text,
    stem,
)


def choices(key: str, *wrong: str) -> list[dict]:
    return [{"text": key, "correct": True}] + [{"text": w, "correct": False} for w in wrong]


def codes(found) -> list[str]:
    return [f.code for f in found]


@pytest.mark.parametrize(
    "quote", ["it counted 5213 people", "it counted 5,213 people", "it counted 5 213 people"]
)
def test_a_numeric_answer_is_found_however_the_article_groups_its_digits(quote):
    assert quotes_number(quote, 5213)
    assert not quotes_number(quote, 5214)


def test_numbers_in_words_and_decimals_count_as_quoted():
    assert quotes_number("China has built five such facilities", 5)
    assert quotes_number("a share of 32.5% of papers", 32.5)
    assert not quotes_number("a share of 32.5% of papers", 32)


def test_a_typed_answer_must_be_quoted_as_whole_words_whatever_the_case():
    assert quotes_text("launched the satellite Micius in 2016", ["mozi", "MICIUS"])
    assert not quotes_text("launched the satellite Micius in 2016", ["Mici"])


def test_stems_match_plurals_and_forms_of_a_word():
    assert stem("laboratories") == stem("laboratory")
    assert stem("facilities") == stem("facility")
    assert stem("researchers") == stem("researcher")
    assert stem("sources") == stem("source")
    assert stem("classes") == stem("class") == "class"
    assert stem("glass") == "glass"


@pytest.mark.parametrize(
    ("key", "longest_wrong", "warned"),
    [
        ("one two three four five six seven", "a b c", True),  # 7 > 4.5 and 4 words longer
        ("one two three four five six", "a b c", False),  # only 3 words longer
        ("one two three four five six seven eight nine ten", "a b c d e f g", False),  # < 1.5x
    ],
)
def test_a_long_key_is_over_one_and_a_half_times_and_four_words_longer(key, longest_wrong, warned):
    found = choice_findings("Which?", choices(key, longest_wrong, "x"))
    assert ("long-key" in codes(found)) is warned


def test_an_absolute_word_in_a_distractor_warns_unless_a_key_has_it_too():
    assert codes(choice_findings("Q?", choices("Some labs", "Never any labs"))) == ["absolute-word"]
    assert codes(choice_findings("Q?", choices("Never in Beijing", "Never in Shanghai"))) == []
    assert codes(choice_findings("Q?", choices("Some labs", "Most labs"))) == []


def test_a_give_away_is_a_prompt_word_in_the_key_and_in_no_distractor_whatever_the_case():
    prompt = "Which NEUTRINO observatory lies in Jiangmen?"
    assert codes(choice_findings(prompt, choices("The neutrino detector", "A telescope"))) == [
        "give-away"
    ]
    fair = choices("The neutrino detector", "A neutrino telescope")
    assert codes(choice_findings(prompt, fair)) == []
    # stop words and numbers are no give-away
    assert codes(choice_findings("Which of these is 700 m deep?", choices("700 m", "9 m"))) == []


def test_a_short_quote_and_a_repeated_quote_warn_at_the_quote_and_the_explanation():
    spec = {"answer": True}
    quote = "It is the largest and most sensitive instrument"
    found = findings("true_false", "P", f"As it says: {quote}.", [quote, "the sphere"], spec)
    assert [(f.code, f.at) for f in found] == [
        ("short-quote", ("cite", 1, "quote")),
        ("repeated-quote", ("explanation",)),
    ]
    assert findings("true_false", "P", "In other words.", [quote], spec) == []
