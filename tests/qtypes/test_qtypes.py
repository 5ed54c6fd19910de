"""Question types: reading learners' input and grading it, type by type."""

import json
import re
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quizapp.qtypes import REGISTRY, InvalidResponse, Score, get_type
from quizapp.qtypes.numeric import NUMBER, parse_number
from quizapp.qtypes.short_text import normalise

SINGLE = {
    "choices": [
        {"text": "20,000 tonnes", "correct": True, "feedback": None},
        {"text": "2,400 tonnes", "correct": False, "feedback": "That is a depth."},
        {"text": "700 tonnes", "correct": False, "feedback": None},
    ]
}
# Four right choices (0-3) and two wrong ones (4, 5).
MULTIPLE = {
    "choices": [{"text": f"right {i}", "correct": True, "feedback": None} for i in range(4)]
    + [{"text": f"wrong {i}", "correct": False, "feedback": None} for i in range(2)]
}
NUMERIC = {"answer": 2400, "tolerance": 50, "unit": "m"}
SHORT = {"accept": ["Micius", "Mozi"], "regex": None}


def test_registry_has_the_five_types():
    assert sorted(REGISTRY) == ["multiple", "numeric", "short_text", "single", "true_false"]
    for name, qtype in REGISTRY.items():
        assert qtype.name == name and get_type(name) is qtype
        assert set(qtype.schema()) == {"properties", "required"}


def test_single():
    single = get_type("single")
    assert single.parse_response(SINGLE, ["0"]) == 0
    assert single.grade(SINGLE, 0, 2) == Score(2, 2, True)
    assert single.grade(SINGLE, 1, 2) == Score(0, 2, False)
    assert single.describe_response(SINGLE, 1) == "2,400 tonnes"
    assert single.describe_correct(SINGLE) == "20,000 tonnes"


@pytest.mark.parametrize("values", [[], ["0", "1"], ["3"], ["-1"], ["x"], ["²"], [""]])
def test_single_invalid(values):
    assert isinstance(get_type("single").parse_response(SINGLE, values), InvalidResponse)


@pytest.mark.parametrize(
    ("picked", "points", "correct"),
    [
        ([0, 1, 2, 3], 1.0, True),
        ([0, 1, 2], 0.75, False),
        ([0, 1, 2, 4], 0.5, False),  # 3 right of 4 chosen with 1 wrong: 3/4 - 1/4
        ([0, 1, 2, 3, 4], 0.75, False),
        ([0, 4, 5], 0.0, False),  # 1/4 - 2/4 floors at 0
        ([4], 0.0, False),
        ([0, 1, 2, 3, 4, 5], 0.5, False),
    ],
)
def test_multiple_partial_credit(picked, points, correct):
    assert get_type("multiple").grade(MULTIPLE, picked, 1) == Score(points, 1, correct)


def test_multiple_points_scale_and_response_is_canonical():
    multiple = get_type("multiple")
    assert multiple.grade(MULTIPLE, [0, 1], 4) == Score(2.0, 4, False)
    assert multiple.parse_response(MULTIPLE, ["3", "0", "3"]) == [0, 3]
    assert isinstance(multiple.parse_response(MULTIPLE, []), InvalidResponse)
    assert isinstance(multiple.parse_response(MULTIPLE, ["0", "9"]), InvalidResponse)
    assert multiple.describe_response(MULTIPLE, [0, 4]) == "right 0; wrong 0"
    assert multiple.describe_correct(MULTIPLE) == "right 0; right 1; right 2; right 3"


def test_true_false():
    tf = get_type("true_false")
    spec = {"answer": False}
    assert tf.parse_response(spec, ["false"]) is False
    assert tf.grade(spec, False, 1) == Score(1, 1, True)
    assert tf.grade(spec, True, 1) == Score(0, 1, False)
    assert tf.describe_correct(spec) == "False" and tf.describe_response(spec, True) == "True"
    for values in ([], ["yes"], ["True"], ["true", "false"]):
        assert isinstance(tf.parse_response(spec, values), InvalidResponse)


@pytest.mark.parametrize(
    "typed", ["2400", "2,400", "2 400", "2400 m", "2400m", " 2400.0 ", "2400 M", "2\u202f400 m"]
)
def test_numeric_input_forms(typed):
    numeric = get_type("numeric")
    assert numeric.parse_response(NUMERIC, [typed]) == 2400.0


@pytest.mark.parametrize(
    "typed", ["", "abc", "2,40", "24,00", "2400 km", "2400 feet", "1e3", "2.400,5", "m", "--1"]
)
def test_numeric_garbage_is_invalid_not_wrong(typed):
    result = get_type("numeric").parse_response(NUMERIC, [typed])
    assert isinstance(result, InvalidResponse)
    example = "2400, 2,400 or 2 400 (the unit, m, may follow)"
    assert result.message == f"Type a number, for example {example}."


@pytest.mark.parametrize(
    ("unit", "typed", "value"),
    [
        ("years", "5 year", 5.0),
        ("year", "2022 years", 2022.0),
        ("%", "50 percent", 50.0),
        ("%", "50 Per Cent", 50.0),
        ("%", "50%", 50.0),
        ("×", "10x", 10.0),
        ("×", "10 ×", 10.0),
        ("°C", "-40 °C", -40.0),
        ("°C", "1.5°", 1.5),
        ("°C", "-40 degrees Celsius", -40.0),
        ("°C", "-40 degrees C", -40.0),
        ("°C", "-40 ℃", -40.0),
        ("m", "700 metres.", 700.0),
        ("journals", "82 journals", 82.0),
        ("m", "700 metres", 700.0),
        ("m", "700 Meters", 700.0),
        ("m", "2,400m", 2400.0),
        ("km", "1,200 kilometres", 1200.0),
        ("km", "1200 kilometers", 1200.0),
        # A bank may write the unit as a word: the symbol and the other spellings still count
        ("metres", "700 m", 700.0),
        ("metres", "700m", 700.0),
        ("metres", "700 meters", 700.0),
        ("tonnes", "20,000 tons", 20000.0),
        ("tonnes", "20,000 t", 20000.0),
        ("percent", "12%", 12.0),
        ("°C", "25° C", 25.0),
        ("million yuan", "583 million", 583.0),
        ("million yuan", "583 million yuan", 583.0),
    ],
)
def test_numeric_accepts_the_usual_spellings_of_its_unit(unit, typed, value):
    spec = {"answer": 0, "tolerance": 0, "unit": unit}
    assert get_type("numeric").parse_response(spec, [typed]) == value


@pytest.mark.parametrize(
    ("unit", "typed"),
    [("m", "700 ms"), ("km", "5 kms"), ("%", "5 %s"), ("million yuan", "583 yuan")],
)
def test_numeric_refuses_what_is_not_its_unit(unit, typed):
    """A symbol is not pluralised ("ms" is not metres); a unit's last word alone is not it."""
    spec = {"answer": 0, "tolerance": 0, "unit": unit}
    assert isinstance(get_type("numeric").parse_response(spec, [typed]), InvalidResponse)


def test_numeric_refuses_what_no_browser_would_send():
    numeric = get_type("numeric")
    too_long = numeric.parse_response(NUMERIC, ["9" * 400])  # float() would make it inf
    assert too_long.message == "Keep the answer under 100 characters."
    assert numeric.parse_response({"answer": 1}, ["9" * 100]) == float("9" * 100)  # finite


def test_numeric_without_unit_refuses_units():
    spec = {"answer": 3, "tolerance": 0, "unit": None}
    assert isinstance(get_type("numeric").parse_response(spec, ["3 m"]), InvalidResponse)
    assert parse_number("-1,234.5") == -1234.5 and parse_number("\u22123") == -3.0
    assert parse_number(".5") == 0.5


@pytest.mark.parametrize("unit", ["%", "percentage points"])
def test_a_change_in_percentage_points_may_be_typed_either_way(unit):
    for typed in ("25", "25%", "nearly 25 %", "25 per cent", "25 percentage points", "25 pp"):
        assert parse_number(typed, unit) == 25.0, typed
    assert parse_number("25 km", unit) is None


# The parser as it was before it read hedges, words and sizes: what it accepted must not change.
_OLD_SAME_UNIT = [
    ("%", "percent", "per cent"),
    ("×", "x", "times"),
    ("°c", "°", "c", "℃", "degrees", "degrees c", "degrees celsius", "celsius"),
    ("m", "metres", "meters", "metre", "meter"),
    ("km", "kilometres", "kilometers", "kilometre", "kilometer"),
    ("t", "tonnes", "tonne", "tons", "ton"),
]
_OLD_SPELLED = {form: group for group in _OLD_SAME_UNIT for form in group}


def _old_unit_forms(unit: str) -> list[str]:
    """Return the ways a learner may write a unit after the number, longest first."""
    unit = unit.strip().casefold()
    forms = {unit, *_OLD_SPELLED.get(unit, ())}
    words = unit.split()
    # "583 million" for "million yuan": the leading words say the size; "583 yuan" would not
    forms.update(" ".join(words[:n]) for n in range(1, len(words)))
    if unit not in _OLD_SPELLED and unit.isalpha() and len(unit) > 2:
        # "5 year" for years and "1 journals" for journal: the number is what is graded.
        forms.add(unit[:-1] if unit.endswith("s") else unit + "s")
    return sorted(forms, key=len, reverse=True)


def _old_parse_number(text: str, unit: str | None = None) -> float | None:
    """Return the number a learner typed (optionally followed by the unit), or None."""
    text = text.strip().removesuffix(".").rstrip()  # "700 metres." ends a sentence
    text = re.sub(r"°\s+", "°", text)  # "25° C"
    if unit:
        folded = text.casefold()
        form = next((f for f in _old_unit_forms(unit) if folded.endswith(f)), None)
        if form is not None:
            text = text[: -len(form)].rstrip()
    match = NUMBER.fullmatch(text)
    if not match:
        return None
    sign, whole, decimals = match.groups()
    value = float(re.sub(r"\D", "", whole or "0") + decimals)
    return -value if sign in ("-", "\u2212") else value


_UNITS = [None, "m", "%", "×", "°C", "years", "journals", "Share", "km", "tonnes", "percent"]
_UNITS += ["metres", "million yuan", "scientists", "°"]


@st.composite
def _plain_numbers(draw):
    """A number as the old parser read it: sign, grouped digits, decimals, unit, a full stop."""
    unit = draw(st.sampled_from(_UNITS))
    digits = str(draw(st.integers(0, 10**12)))
    sep = draw(st.sampled_from(["", ",", " ", "\u202f", "\u00a0", "\u2009"]))
    if sep and len(digits) > 3:
        head = len(digits) % 3 or 3
        digits = sep.join(
            [digits[:head]] + [digits[i : i + 3] for i in range(head, len(digits), 3)]
        )
    text = draw(st.sampled_from(["", "-", "+", "\u2212"])) + digits
    text += draw(st.sampled_from(["", ".5", ".25", ".0"]))
    if unit:
        text += draw(st.sampled_from(["", " "])) + draw(
            st.sampled_from(["", *_old_unit_forms(unit), unit.upper()])
        )
    return unit, draw(st.sampled_from(["", " ", "  "])) + text + draw(
        st.sampled_from(["", ".", " ."])
    )


def _same_as_before(unit, text):
    before = _old_parse_number(text, unit)
    if before is None or (unit == "million yuan" and abs(before) >= 10**6):
        return  # only a number written in full for a unit in millions is now divided
    assert parse_number(text, unit) == before, (text, unit)


@settings(max_examples=400, deadline=None)
@given(_plain_numbers())
def test_numbers_read_before_still_read_the_same(case):
    _same_as_before(*case)


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(_UNITS), st.text("0123456789 ,.-+\u2212%mx×°cCkyearsMilonyu", max_size=14))
def test_anything_read_before_still_reads_the_same(unit, text):
    _same_as_before(unit, text)


@pytest.mark.parametrize(
    ("unit", "typed", "value"),
    [
        # hedges and framing words the articles and prompts use: the value is unchanged
        ("m", "some 700 metres", 700),
        ("m", "about 700 m", 700),
        ("m", "700 metres deep", 700),
        ("m", "c. 700", 700),
        ("Share", "almost 5,000", 5000),
        ("Share", "almost 5,000 Share ahead", 5000),
        ("scientists", "more than 11,000", 11000),
        ("scientists", "11000 visiting scientists", 11000),
        ("scientists", "11 thousand", 11000),
        ("%", "nearly 80%", 80),
        ("%", "around 10%", 10),
        ("%", "by 10%", 10),
        ("papers", "~5,200", 5200),
        ("papers", "≈ 5.2k papers", 5200),
        (None, "in 2022", 2022),
        (None, "in the year 2016", 2016),
        ("journals", "82 selected journals", 82),
        ("km", "approx. 1,200 km apart", 1200),
        (None, "since 2016", 2016),
        ("year", "from 2016", 2016),
        (None, "started in 1998", 1998),
        (None, "launched in 2016", 2016),
        (None, "began in 2011", 2011),
        (None, "met in 1949", 1949),
        ("%", "a drop of 15%", 15),
        ("%", "down 15%", 15),
        ("%", "down by 15 percent", 15),
        ("%", "a rise of 20%", 20),
        ("%", "up 20%", 20),
        ("%", "up by about 20%", 20),
        ("%", "up to 20%", 20),
        # sizes against a unit in millions
        ("million yuan", "up to 30 million yuan", 30),
        ("million yuan", "30m", 30),
        ("million yuan", "¥30 million", 30),
        ("million yuan", "30 million RMB", 30),
        ("million yuan", "RMB 30 million", 30),
        ("million yuan", "30,000,000", 30),
        ("million yuan", "30 000 000 yuan", 30),
        ("million yuan", "thirty million", 30),
        # numbers in words
        ("years", "five", 5),
        ("years", "five years", 5),
        ("years", "six", 6),
        ("hospitals", "forty-three", 43),
        ("hospitals", "forty three hospitals", 43),
        (None, "one hundred and five", 105),
        ("km", "twelve hundred km", 1200),
        ("%", "fifty percent", 50),
        # signs
        ("°C", "minus 40", -40),
        ("°C", "minus forty degrees", -40),
        ("°C", "\u221240°C", -40),
        ("°C", "40 below zero", -40),
        # multipliers, only for ×; half, for % and ×
        ("×", "three", 3),
        ("×", "tripled", 3),
        ("×", "threefold", 3),
        ("×", "three times", 3),
        ("×", "3-fold", 3),
        ("×", "x3", 3),
        ("×", "×3", 3),
        ("×", "increased threefold", 3),
        ("×", "twice", 2),
        ("×", "doubled", 2),
        ("×", "halved", 0.5),
        ("%", "half", 50),
        ("%", "by half", 50),
        ("%", "reduced by half", 50),
        ("%", "by 50%", 50),
    ],
)
def test_numeric_reads_numbers_as_people_write_them(unit, typed, value):
    assert parse_number(typed, unit) == value


@pytest.mark.parametrize(
    ("unit", "typed"),
    [
        ("m", "700 or 2400"),  # two numbers: which one?
        ("m", "700-800 m"),
        ("years", "5-6 years"),
        ("years", "five or six"),
        ("m", "700 m, one of the deepest"),
        ("m", "about 2400 km"),  # another unit
        ("million yuan", "30 yuan"),  # 30 yuan is not 30 million yuan
        ("million yuan", "30 dollars"),
        ("million yuan", "$30 million"),
        ("%", "tripled"),  # a multiplier is an answer only when the unit is ×
        ("%", "3-fold"),
        ("%", "x3"),
        (None, "half"),
        ("years", "half"),
        ("°C", "minus -40"),
        ("m", "about"),
        ("m", "hundred"),
        (None, "from 2016 to 2020"),  # a hedge reads no range
        (None, "since"),
    ],
)
def test_numeric_reads_no_second_number_nor_another_unit(unit, typed):
    assert parse_number(typed, unit) is None


def test_a_hedge_never_changes_the_value():
    numeric = get_type("numeric")
    spec = {"answer": 700, "tolerance": 50, "unit": "m"}
    for typed in ("some 700 metres", "about 700", "nearly 700 m deep", "2400 m", "about 2,400"):
        response = numeric.parse_response(spec, [typed])
        assert numeric.grade(spec, response, 1).correct is ("2" not in typed)


@pytest.mark.parametrize(
    ("response", "correct"),
    [(2400, True), (2350, True), (2450, True), (2349.99, False), (2450.01, False), (0, False)],
)
def test_numeric_tolerance_edges(response, correct):
    assert get_type("numeric").grade(NUMERIC, response, 1).correct is correct


def test_numeric_exact_and_float_edges():
    numeric = get_type("numeric")
    assert numeric.grade({"answer": 0.3, "tolerance": 0.1}, 0.4, 1).correct
    assert numeric.grade({"answer": 0.3, "tolerance": 0}, 0.1 + 0.2, 1).correct
    assert not numeric.grade({"answer": 2400, "tolerance": 0}, 2401, 1).correct
    assert numeric.describe_correct(NUMERIC) == "2400 m (± 50)"
    assert numeric.describe_response({"answer": 1, "unit": None}, 20000.0) == "20,000"


@pytest.mark.parametrize(
    "typed", ["Micius", "micius", "  MICIUS ", "Mòzǐ", "Mo-zi", "mozi!", "M o z i", "Mózí."]
)
def test_short_text_normalisation(typed):
    short = get_type("short_text")
    response = short.parse_response(SHORT, [typed])
    assert short.grade(SHORT, response, 1) == Score(1, 1, True)


@pytest.mark.parametrize(
    "typed, accept",
    [
        ("the High Energy Photon Source", ["High Energy Photon Source"]),
        ("THE  high-energy photon source.", ["High Energy Photon Source"]),
        ("Zhongguancun Science Park", ["the Zhongguancun Science Park"]),
        ("The Hague", ["The Hague"]),
    ],
)
def test_short_text_ignores_a_leading_the(typed, accept):
    spec = {"accept": accept}
    assert get_type("short_text").grade(spec, typed, 1).correct


def test_short_text_regex_ignores_a_leading_the_too():
    spec = {"accept": ["HEPS"], "regex": r"high energy photon source"}
    assert get_type("short_text").grade(spec, "The High Energy Photon Source", 1).correct


@pytest.mark.parametrize(
    ("pattern", "typed"),
    [
        (r"J\.U\.N\.O\.?", "J.U.N.O."),
        (r"\d+%", "10%"),
        ("Conlé", "conlé"),
        ("us-china", "US-China"),
    ],
)
def test_short_text_regex_matches_the_answer_as_typed_too(pattern, typed):
    """Normalising drops punctuation and accents, which a regex may spell out."""
    spec = {"accept": ["something else"], "regex": pattern}
    assert get_type("short_text").grade(spec, f" {typed} ", 1).correct


def test_a_catastrophic_answer_regex_gives_up_instead_of_holding_the_worker():
    spec = {"accept": ["b"], "regex": r"(a+)+b"}
    started = time.perf_counter()
    score = get_type("short_text").grade(spec, "a" * 26 + "!", 1)  # 5 s a form with re
    assert not score.correct and time.perf_counter() - started < 2


@pytest.mark.parametrize("typed", ["Mencius", "Micius satellite", "Mo", "the", "theMicius"])
def test_short_text_wrong(typed):
    assert not get_type("short_text").grade(SHORT, typed, 1).correct


def test_short_text_regex_and_invalid():
    short = get_type("short_text")
    spec = {"accept": ["Micius"], "regex": r"mic+ius( satellite)?"}
    assert short.grade(spec, "Miccius Satellite!", 1).correct
    assert not short.grade(spec, "Micius the satellite", 1).correct  # fullmatch, not search
    assert normalise("Ünïcode—Dash  ﬁne") == "unicode dash fine"
    for values in ([], ["   "], ["?!"], ["a", "b"], ["x" * 201]):
        assert isinstance(short.parse_response(spec, values), InvalidResponse)
    assert short.describe_correct(SHORT) == "Micius or Mozi"


@pytest.mark.parametrize(
    ("name", "spec", "values"),
    [
        ("single", SINGLE, ["2"]),
        ("multiple", MULTIPLE, ["5", "1"]),
        ("true_false", {"answer": True}, ["true"]),
        ("numeric", NUMERIC, ["2,400 m"]),
        ("short_text", SHORT, ["Mòzǐ"]),
    ],
)
def test_responses_are_json_serialisable(name, spec, values):
    response = get_type(name).parse_response(spec, values)
    assert json.loads(json.dumps(response)) == response
    assert isinstance(get_type(name).describe_response(spec, response), str)


def test_the_feedback_shows_choices_as_the_question_rendered_them():
    from markupsafe import Markup

    from quizapp.content.markup import render_inline
    from quizapp.learning.question_cache import ChoiceView, QuestionView

    texts = ["20,000 tonnes of `liquid`", "*700* tonnes", "<b>2,400</b> tonnes"]
    spec = {"choices": [{"text": t, "correct": i == 0} for i, t in enumerate(texts)]}
    choices = tuple(ChoiceView(i, render_inline(t), None, i == 0) for i, t in enumerate(texts))
    view = QuestionView(1, "q", "b", "multiple", spec, 1, Markup(""), Markup(""), choices, ())
    assert view.correct_answer() == "20,000 tonnes of <code>liquid</code>"
    assert view.describe([1, 2]) == "<em>700</em> tonnes; &lt;b&gt;2,400&lt;/b&gt; tonnes"
    assert view.describe([]) == "(nothing)"


JIUZHANG = {"accept": ["Jiuzhang"], "regex": None}


@pytest.mark.parametrize(
    "typed", ["Jiuzang", "Jiuzhangg", "Jiuzhnag", "Xiuzhang", "jiu zang", "the Jiuzang"]
)
def test_one_slip_in_a_long_accepted_answer_is_accepted_with_the_spelling(typed):
    short = get_type("short_text")
    assert short.grade(JIUZHANG, typed, 1) == Score(1, 1, True)
    assert short.grading_note(JIUZHANG, typed) == "Accepted; it is spelt Jiuzhang."


@pytest.mark.parametrize("typed", ["Jiuzhang", "JIUZHANG", "Jiu-zhang", "the jiuzhang"])
def test_an_exact_answer_is_accepted_without_a_note(typed):
    short = get_type("short_text")
    assert short.grade(JIUZHANG, typed, 1).correct
    assert short.grading_note(JIUZHANG, typed) is None


@pytest.mark.parametrize("typed", ["Jiuzag", "Jizuhnag", "Jiuzhangxx", "Zhang"])
def test_two_slips_are_wrong(typed):
    assert not get_type("short_text").grade(JIUZHANG, typed, 1).correct


@pytest.mark.parametrize(
    ("accept", "typed"),
    [
        (["Mozi"], "Mozu"),  # 4 letters: one edit is often another word
        (["HEPS"], "HEP"),
        (["2016"], "2017"),  # another year, not a typo
        (["Line 20000"], "Line 20001"),  # letters enough, but a digit changed
    ],
)
def test_no_slip_is_forgiven_in_a_short_answer_or_a_number(accept, typed):
    short = get_type("short_text")
    assert not short.grade({"accept": accept}, typed, 1).correct
    assert short.grading_note({"accept": accept}, typed) is None


def test_a_slip_as_near_a_known_wrong_answer_is_wrong():
    spec = {"accept": ["Shanghai"], "reject": ["Shangri"]}
    short = get_type("short_text")
    assert short.grade({"accept": ["Shanghai"]}, "Shanghi", 1).correct  # one edit from both
    assert not short.grade(spec, "Shanghi", 1).correct
    assert not short.grade(spec, "Shangri", 1).correct  # the wrong answer itself
    assert not short.grade(spec, "Shangr", 1).correct  # one edit from it, two from the key
    assert short.grade(spec, "Shanghae", 1).correct  # nearer the key than the wrong answer
    assert short.grade(spec, "shanghai", 1).correct  # exact matches are unchanged


def test_a_slip_as_near_two_accepted_answers_is_not_guessed():
    spec = {"accept": ["Chengdu", "Chongdu"]}
    assert not get_type("short_text").grade(spec, "Chungdu", 1).correct
    assert get_type("short_text").grade(spec, "Chengdou", 1).correct


def test_a_known_wrong_answer_beats_the_regex():
    spec = {"accept": ["Micius"], "regex": "m.*", "reject": ["Mencius"]}
    short = get_type("short_text")
    assert short.grade(spec, "Mozi", 1).correct
    assert not short.grade(spec, "Mencius", 1).correct
