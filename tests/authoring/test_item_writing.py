"""Item-writing heuristics, pure: each fires on the unfair case and keeps quiet on the fair one."""

import pytest

from quizapp.authoring.item_writing import (
    Shown,
    choice_findings,
    cues,
    false_statement_findings,
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


@pytest.mark.parametrize("word", ["sole", "purely", "invariably", "exclusive", "forever"])
def test_sole_and_its_kin_are_absolutes_in_a_distractor_and_in_a_false_statement(word):
    assert codes(choice_findings("Q?", choices("Some labs", f"The {word} lab"))) == [
        "absolute-word"
    ]
    assert codes(false_statement_findings(f"He was the {word} recipient of the award.")) == [
        "absolute-word"
    ]


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


def typed(prompt: str, *accept: str, explanation: str = "Said so.") -> Shown:
    return Shown("short_text", prompt, explanation, {"accept": list(accept), "regex": None})


def single(prompt: str, key: str, *wrong: str, feedback: str = "", explanation: str = "") -> Shown:
    spec = {"choices": choices(key, *wrong)}
    if feedback:
        spec["choices"][1]["feedback"] = feedback
    return Shown("single", prompt, explanation or "Said so.", spec)


def numeric(prompt: str, answer: float, tolerance: float = 0) -> Shown:
    spec = {"answer": answer, "tolerance": tolerance, "unit": None}
    return Shown("numeric", prompt, "Said so.", spec)


LHAASO = typed(
    "Name the observatory whose detectors scan a Tibetan plateau for cosmic rays.", "LHAASO"
)


def cued(*questions: Shown) -> list[tuple[int, int]]:
    return [(c.cued, c.giver) for c in cues(questions)]


def test_a_typed_answer_beside_a_word_of_its_prompt_in_another_question_is_a_cue():
    giver = single(
        "What is the JUNO detector for?",
        "Neutrinos",
        "Gamma rays",
        feedback="That is LHAASO’s job: its detectors cover a plateau.",
    )
    [cue] = cues([LHAASO, giver])
    assert (cue.cued, cue.giver, cue.key.at, cue.given_at) == (
        0,
        1,
        ("accept",),
        ("choices", 1, "feedback"),
    )
    assert (cue.key.label, cue.subject) == ("LHAASO", "detectors")
    assert cue.sentence == "That is LHAASO’s job: its detectors cover a plateau."
    assert 'gives this key away: it shows "LHAASO" beside "detectors"' in cue.message("q (line 9)")


def test_the_key_in_a_sentence_about_something_else_is_no_cue():
    elsewhere = single(
        "Which facilities were launched in the past two years?",
        "Earthlab and LHAASO",
        "BEPC and FAST",
        explanation="The article names Earthlab and LHAASO. Its detectors are news.",
    )
    # LHAASO and "detectors" are in two sentences: the second says nothing of the key
    assert cued(LHAASO, elsewhere) == []


def test_words_of_the_prompt_that_only_frame_it_or_belong_to_the_key_are_no_subject():
    framed = typed("Which observatory does the article describe?", "LHAASO")
    giver = single("Which is older?", "BEPC", "JUNO", explanation="It describes LHAASO later.")
    assert cued(framed, giver) == []
    full = typed(
        "Name the neutrino observatory near Guangdong.",
        "JUNO",
        "Jiangmen Underground Neutrino Observatory",
    )
    # "neutrino" is part of one accepted answer, not what the sentence must add to it
    name = "The Jiangmen Underground Neutrino Observatory"
    beside = single(
        "Which is deepest?", "Jinping", "JUNO", explanation=f"{name} is near Guangdong."
    )
    assert cued(full, beside) == [(0, 1)]  # by "Guangdong", the word that is not the key
    alone = single("Which is deepest?", "Jinping", "JUNO", explanation=f"{name} is less deep.")
    assert cued(full, alone) == []


@pytest.mark.parametrize(
    ("written", "warned"),
    [("18,000", True), ("18 000", True), ("18000", True), ("18,400", True), ("19,000", False)],
)
def test_a_numeric_answer_within_its_tolerance_is_a_cue_however_it_is_grouped(written, warned):
    firms = numeric("How many companies is the Zhangjiang science city home to?", 18000, 500)
    giver = single("What sets Zhangjiang apart?", f"Being home to {written} companies", "A port")
    assert (cued(firms, giver) == [(0, 1)]) is warned


def test_only_what_the_key_has_and_no_distractor_has_gives_a_choice_key_away():
    target = single(
        "What is the experiment at the Jinping laboratory hunting for?",
        "Dark matter",
        "Dark energy",
        "Neutrinos",
    )
    phrase = single("Why so deep?", "To shield the laboratory's dark-matter experiment", "Cost")
    assert [(c.key.label, c.subject) for c in cues([target, phrase])] == [
        ("Dark matter", "experiment")
    ]
    # "dark" alone is in a distractor too: naming it tells nothing
    word = single("Why so deep?", "To keep the laboratory dark", "Cost")
    assert cued(target, word) == []
    # nor does a phrase that a distractor has too
    shared = single(target.prompt, "Dark matter particles", "Dark matter stars", "Neutrinos")
    assert cued(shared, phrase) == []


def test_a_name_is_a_word_the_bank_never_writes_in_lower_case():
    asked = "Which university did Yang found?"
    giver = numeric("How old is Yang's Westlake, which is Private in name and private in funds?", 5)
    assert cued(single(asked, "Westlake", "Tsinghua"), giver) == [(0, 1)]
    assert cued(single(asked, "Private", "Public"), giver) == []


def test_names_and_numbers_of_a_choice_key_count_but_not_the_prompts_own():
    where = single(
        "Which institute in Beijing runs the LHAASO detector?",
        "The Institute of High Energy Physics",
        "The National Astronomical Observatory",
    )
    giver = numeric("In what year did LHAASO, run from Beijing by IHEP, start?", 2021)
    assert cued(where, giver) == []  # "Beijing" and "LHAASO" are the prompt's, not the key's
    plain = single("Who runs the LHAASO detector?", "Energy Physics people", "Astronomers")
    giver = numeric("When did the High Energy Physics team's LHAASO detector start?", 2021)
    assert [c.key.label for c in cues([plain, giver])] == ["Energy"]  # a name: never lower case


def test_a_year_or_a_figure_in_a_prompt_is_a_subject_and_a_small_number_is_not():
    micius = typed("Name the satellite China launched in 2016.", "Micius")
    giver = single("Who leads?", "China", "The US", explanation="Micius leapt ahead in 2016.")
    assert cued(micius, giver) == [(0, 1)]
    rounds = numeric("The map was redone 150 times in 15 rounds: how many per round?", 10)
    giver = single("How long do trials take?", "10 to 15 months", "2 to 3 months")
    assert cued(rounds, giver) == []


def test_a_phrase_ends_at_punctuation():
    earthlab = single("What is Earthlab?", "A virtual laboratory", "A satellite", "A collider")
    comma = single(
        "Which lab is in Beijing?",
        "JUNO",
        "Earthlab",
        explanation="For Earthlab, which is virtual, laboratory work means computing.",
    )
    assert cued(earthlab, comma) == []
    joined = single("Which lab is in Beijing?", "Earthlab is the virtual laboratory", "JUNO")
    assert cued(earthlab, joined) == [(0, 1)]


def test_a_term_in_most_of_the_bank_gives_nothing_away():
    which = single("Which country's researchers are tracked?", "China's", "Japan's", "India's")
    others = [
        single(f"Question {n} on research funding?", f"China funds {n}", "Nobody") for n in "ab"
    ]
    few = [single("Which country do the researchers track?", "China", "Peru")]
    assert cued(which, *few, *others) == []  # "researchers" only in a prompt word of its own
    many = [
        single(f"Question {n}: which researchers move?", f"Chinese researchers from China {n}", "X")
        for n in "abcde"
    ]
    assert [c for c in cues([which, *many]) if c.cued == 0] == []  # China is in 6 of 6


def test_true_false_keys_and_a_question_by_itself_are_never_cued():
    statement = Shown("true_false", "LHAASO scans a Tibetan plateau for cosmic rays.", "Yes.", {})
    assert cued(statement, LHAASO) == [(1, 0)]  # a statement can give a key away, not have one
    own = typed(
        "Name the observatory on a Tibetan plateau.", "LHAASO", explanation="LHAASO, on a plateau."
    )
    assert cued(own) == []


def test_a_number_shown_by_many_questions_still_gives_its_answer_away():
    share = numeric("What share of nano papers did Chinese researchers publish in 2018?", 40)
    givers = [
        single("Which is evidence?", f"{text}, at 40 percent", "None")
        for text in ("Its share", "Its nano work", "Its papers", "Chinese output", "Researchers")
    ]
    others = [single(f"Which lab is number {n}?", f"Lab {n}", "None") for n in range(3)]
    # "40" is in 6 of 9 questions: a name this common would single nothing out
    assert len(cues([share, *givers, *others])) == 5


def test_a_negative_answer_is_given_away_only_with_its_minus_sign():
    cold = numeric("At what temperature in Celsius does the Dalian battery still work?", -40)
    for text, warned in [
        ("The Dalian battery works at -40 °C.", True),
        ("The Dalian battery works at −40 °C.", True),
        ("The Dalian battery works at minus 40 degrees.", True),
        ("The Dalian battery keeps 40 percent of its charge.", False),
    ]:
        giver = single("Why does space matter?", "Cold", "Size", explanation=text)
        assert (cued(cold, giver) == [(0, 1)]) is warned, text
