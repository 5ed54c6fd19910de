"""The question-type registry is whole: every type has every piece the generic code asks for."""

import functools
import json
import random
from dataclasses import replace
from pathlib import Path

import jinja2
import pytest
from markupsafe import Markup

from quizapp.authoring.checker import check_paths, corpus_from_seeds
from quizapp.authoring.source import BankSource, QuestionSource
from quizapp.formats import gift, left_out_of_moodle, moodle_xml
from quizapp.qtypes import REGISTRY, NoMapping, Score, UnknownType, get_type
from quizapp.qtypes.base import TypedAnswer, full, register, unregister
from quizapp.qtypes.numeric import Numeric
from quizapp.teaching import item_report
from quizapp.teaching.demo import _response

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(ROOT / "quizapp" / "templates"), autoescape=True
)
GIFT_PIECES = ("kind", "answers", "warnings", "read")
MOODLE_PIECES = ("kind", "write", "reads", "read")


@functools.cache
def shipped_questions() -> dict[str, list[QuestionSource]]:
    """Return the test banks' questions by type, checked and parsed by the real checker."""
    result = check_paths([ROOT / "tests/data/banks"], corpus_from_seeds(ROOT / "seeds"))
    assert result.ok
    by_type: dict[str, list[QuestionSource]] = {}
    for bank in result.banks:
        for q in bank.questions:
            by_type.setdefault(q.type, []).append(q)
    return by_type


class View:
    """What the question page hands a type's template."""

    def __init__(self, qtype, spec):
        self.type, self.spec, self.prompt = qtype.name, spec, Markup("Which <em>one</em>?")


def render(qtype, spec, choices=()) -> str:
    template = TEMPLATES.get_template(qtype.template)
    return template.render(view=View(qtype, spec), choices=choices, previous=[], error=None)


def problems(qtype, questions) -> list[str]:
    """Return what a registered type lacks, in words; empty when it is whole."""
    found = []
    if not (ROOT / "quizapp" / "templates" / qtype.template).is_file():
        found.append(f"no template {qtype.template}")
    if not isinstance(getattr(qtype, "has_choices", None), bool):
        found.append("has_choices is not true or false")
    for label, mapping, pieces in (
        ("gift", getattr(qtype, "gift", None), GIFT_PIECES),
        ("moodle", getattr(qtype, "moodle", None), MOODLE_PIECES),
    ):
        if isinstance(mapping, NoMapping):
            if not mapping.reason.strip():
                found.append(f"{label} = NoMapping without a reason")
        elif mapping is None or any(not hasattr(mapping, p) for p in pieces):
            found.append(f"{label} is neither a mapping ({', '.join(pieces)}) nor NoMapping")
    if not questions:
        found.append(f"no question of type {qtype.name} in tests/data/banks to try it on")
    for q in questions:
        for knows in (True, False):
            response = qtype.sample_response(q.spec, random.Random(1), knows)
            if json.loads(json.dumps(response)) != response:
                found.append(f"{q.id}: sample response {response!r} is not JSON")
            score = qtype.grade(q.spec, response, 2)
            if not isinstance(score, Score) or score.correct is not knows:
                found.append(f"{q.id}: a sample response with knows={knows} scored {score}")
            if not isinstance(qtype.describe_response(q.spec, response), str):
                found.append(f"{q.id}: describe_response gives no text")
        keys = qtype.answer_keys(q.spec)
        right = qtype.sample_response(q.spec, random.Random(1), True)
        picked = qtype.picked_keys(q.spec, right)
        if keys and set(picked) != {k.key for k in keys if k.correct}:
            found.append(f"{q.id}: the right answer picks {picked}, not the correct keys")
        if not keys and picked:
            found.append(f"{q.id}: picks {picked} but has no answer keys")
        if qtype.has_choices != bool(q.spec.get("choices")):
            found.append(f"{q.id}: has_choices says {qtype.has_choices}, the spec disagrees")
        if found:
            continue  # the template may be the missing piece
        page = render(qtype, q.spec, [("token", Markup("A choice"))] if qtype.has_choices else [])
        if 'name="answer"' not in page:
            found.append(f"{qtype.template} has no answer field")
    return found


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_every_registered_type_has_every_piece(name):
    qtype = get_type(name)
    assert problems(qtype, shipped_questions().get(name, [])) == []


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_every_type_with_a_mapping_comes_back_as_itself_from_gift_and_moodle_xml(name):
    qtype = get_type(name)
    q = shipped_questions()[name][0]
    bank = BankSource("one", "One", "big-science", None, (q,), "")
    if not isinstance(qtype.gift, NoMapping):
        assert [x["type"] for x in gift.load(gift.dump(bank))["questions"]] == [name]
    if not isinstance(qtype.moodle, NoMapping):
        assert [x["type"] for x in moodle_xml.load(moodle_xml.dump(bank))] == [name]


def test_the_walk_notices_a_missing_template_a_bad_mapping_and_a_wrong_sample():
    numeric = get_type("numeric")
    q = shipped_questions()["numeric"][0]

    class Broken(Numeric):
        template = "qtypes/nowhere.html"
        gift = None
        moodle = NoMapping("")

        def sample_response(self, spec, rng, knows):
            return -12345.5

    found = problems(Broken(), [q])
    assert "no template qtypes/nowhere.html" in found
    assert "gift is neither a mapping (kind, answers, warnings, read) nor NoMapping" in found
    assert "moodle = NoMapping without a reason" in found
    assert f"{q.id}: a sample response with knows=True scored" in " ".join(found)
    assert problems(numeric, []) == ["no question of type numeric in tests/data/banks to try it on"]


def test_a_type_lacking_a_piece_is_refused_at_registration_with_its_names():
    class Half(TypedAnswer):
        name = "half"
        has_choices = False

        def grade(self, spec, response, points):
            return full(points, 1.0)

    from quizapp.qtypes import QuestionType

    with pytest.raises(TypeError) as refused:
        register(type("Half", (Half, QuestionType), {}))
    message = str(refused.value)
    for piece in ("gift", "moodle", "parse", "parse_response", "describe_correct"):
        assert piece in message
    assert "sample_response" in message and "half" not in REGISTRY


def test_an_unknown_type_is_named_not_a_key_error():
    with pytest.raises(UnknownType, match="no question type 'essay' is registered"):
        get_type("essay")
    q = replace(shipped_questions()["numeric"][0], type="essay")
    with pytest.raises(UnknownType, match="'essay'"):
        gift.dump(BankSource("one", "One", "big-science", None, (q,), ""))


@pytest.fixture
def year_type():
    """A new type, registered in-process: a year typed in, with no GIFT or Moodle form."""

    @register
    class Year(Numeric):
        name = "year"
        template = "qtypes/numeric.html"  # its own would be templates/qtypes/year.html
        gift = NoMapping("Moodle has no year questions")
        moodle = NoMapping("Moodle has no year questions")

        def sample_response(self, spec, rng, knows):
            return float(spec["answer"]) if knows else float(spec["answer"]) + 1

    try:
        yield get_type("year")
    finally:
        unregister("year")


def test_a_new_type_runs_through_the_generic_code_without_edits_elsewhere(year_type):
    q = replace(shipped_questions()["numeric"][0], type="year", spec={"answer": 2008})
    other = shipped_questions()["single"][0]
    bank = BankSource("one", "One", "big-science", None, (q, other), "")
    # Exports leave it out and say why, instead of failing on its missing keys.
    assert f"::{q.id}::" not in gift.dump(bank) and f"::{other.id}::" in gift.dump(bank)
    assert f"<text>{q.id}</text>" not in moodle_xml.dump(bank)
    assert left_out_of_moodle(bank) == [
        f"question {q.id}: left out of GIFT: Moodle has no year questions",
        f"question {q.id}: left out of Moodle XML: Moodle has no year questions",
    ]
    # Demo data, item analysis and the question page ask the type.
    rng = random.Random(3)
    assert year_type.grade(q.spec, _response("year", q.spec, True, rng), 1).correct
    assert not year_type.grade(q.spec, _response("year", q.spec, False, rng), 1).correct
    assert item_report._labels(q) == ({}, set())
    assert item_report._choice_keys(q, ("year", q.spec), 2008.0) == []
    assert problems(year_type, [q]) == []


def test_item_analysis_matches_choices_across_versions_by_what_the_type_says():
    single = shipped_questions()["single"][0]
    texts = [c["text"] for c in single.spec["choices"]]
    # The next version lists the choices the other way round and rewords the last one.
    reordered = [dict(c) for c in reversed(single.spec["choices"])]
    reordered[0]["text"] = "reworded"
    now = replace(single, spec={"choices": reordered})
    last = len(texts) - 1
    assert item_report._choice_keys(now, ("single", single.spec), 0) == [chr(ord("A") + last)]
    assert item_report._choice_keys(now, ("single", single.spec), last) == ["earlier"]
    as_multiple = replace(now, type="multiple")
    assert item_report._choice_keys(as_multiple, ("single", single.spec), 0) == [
        chr(ord("A") + last)
    ]
    true_false = replace(single, type="true_false", spec={"answer": True})
    assert item_report._choice_keys(true_false, ("single", single.spec), 0) == ["earlier"]
    assert item_report._choice_keys(true_false, ("true_false", {"answer": False}), True) == ["true"]
