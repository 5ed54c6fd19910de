"""The shipped question banks: clean, complete, varied and fair (content lint)."""

import difflib
from collections import Counter
from pathlib import Path

import pytest

from quizapp.authoring.checker import check_paths, corpus_from_seeds, coverage
from quizapp.content.passages import normalize

ROOT = Path(__file__).resolve().parents[2]
ARTICLES = ["big-science", "internal-strength", "nanoscience", "science-cities", "us-china"]


@pytest.fixture(scope="module")
def corpus():
    return corpus_from_seeds(ROOT / "seeds")


@pytest.fixture(scope="module")
def result(corpus):
    return check_paths([ROOT / "questions"], corpus)


@pytest.fixture(scope="module")
def banks(result):
    return {bank.id: bank for bank in result.banks}


def test_shipped_banks_check_clean(result):
    assert result.ok, "\n".join(map(str, result.diagnostics))


def test_one_bank_per_article_and_a_cross_bank(banks):
    assert {b.doc for b in banks.values() if b.doc} == set(ARTICLES)
    assert "cross" in banks


def test_bank_sizes(banks):
    total = sum(len(b.questions) for b in banks.values())
    print(f"\n{total} questions: " + ", ".join(f"{k} {len(b.questions)}" for k, b in banks.items()))
    assert total >= 140
    for bank in banks.values():
        assert len(bank.questions) >= (15 if bank.id == "cross" else 25), bank.id


def test_cross_questions_cite_two_articles_or_more(banks):
    for q in banks["cross"].questions:
        assert len({c.doc for c in q.cites}) >= 2, q.id


@pytest.mark.parametrize("article", ARTICLES)
def test_passage_coverage_at_least_90_percent(result, corpus, article):
    hit, miss = coverage(result.banks, corpus)[article]
    share = len(hit) / (len(hit) + len(miss))
    print(
        f"\n{article}: {len(hit)}/{len(hit) + len(miss)} substantive passages cited ({share:.0%})"
    )
    assert share >= 0.9, [p.text[:60] for p in miss]


def test_every_bank_mixes_types_and_difficulties(banks):
    for bank in banks.values():
        types = Counter(q.type for q in bank.questions)
        levels = Counter(q.difficulty for q in bank.questions)
        print(f"\n{bank.id}: {dict(types)} {dict(levels)}")
        assert len(types) >= 4, (bank.id, types)
        for level in ("easy", "medium", "hard"):
            assert levels[level] / len(bank.questions) >= 0.2, (bank.id, levels)


def test_no_two_questions_share_a_prompt(banks):
    prompts = Counter(normalize(q.prompt).casefold() for b in banks.values() for q in b.questions)
    assert [p for p, n in prompts.items() if n > 1] == []


def _choice_questions(bank):
    return [q for q in bank.questions if q.type in ("single", "multiple")]


def test_correct_answer_is_not_always_the_longest_or_first(banks):
    for bank in banks.values():
        singles = [q for q in bank.questions if q.type == "single"]
        longest = first = 0
        for q in singles:
            choices = q.spec["choices"]
            right = next(i for i, c in enumerate(choices) if c["correct"])
            lengths = [len(c["text"]) for c in choices]
            longest += lengths[right] == max(lengths) and lengths.count(max(lengths)) == 1
            first += right == 0
        assert longest <= len(singles) / 2, (bank.id, "correct answer too often the longest")
        assert first <= len(singles) / 2, (bank.id, "correct answer too often first")
        for q in _choice_questions(bank):
            assert not all(c["correct"] for c in q.spec["choices"]), q.id


def test_single_answers_are_spread_over_positions(banks):
    for bank in banks.values():
        positions = Counter(
            next(i for i, c in enumerate(q.spec["choices"]) if c["correct"])
            for q in bank.questions
            if q.type == "single"
        )
        assert len(positions) >= 3, (bank.id, positions)
        assert max(positions.values()) <= 0.5 * sum(positions.values()), (bank.id, positions)


def test_true_false_answers_are_not_all_the_same(banks):
    answers = Counter(
        q.spec["answer"] for b in banks.values() for q in b.questions if q.type == "true_false"
    )
    assert answers[True] and answers[False]


def test_true_false_prompts_are_plain_statements(banks):
    # The page offers True and False; every bank words these the same way.
    prompts = [q.prompt for b in banks.values() for q in b.questions if q.type == "true_false"]
    assert prompts
    asking = [p for p in prompts if p.casefold().startswith(("true or false", "true/false"))]
    assert asking == []


def test_explanations_are_not_just_the_quote(banks):
    for bank in banks.values():
        for q in bank.questions:
            explanation = normalize(q.explanation).casefold()
            for cite in q.cites:
                quote = normalize(cite.quote).casefold()
                ratio = difflib.SequenceMatcher(None, explanation, quote).ratio()
                assert ratio < 0.8, (q.id, "explanation copies the quote")


def test_wrong_choices_that_tempt_have_feedback(banks):
    for bank in banks.values():
        choice_questions = _choice_questions(bank)
        with_feedback = [
            q
            for q in choice_questions
            if any(c.get("feedback") for c in q.spec["choices"] if not c["correct"])
        ]
        assert len(with_feedback) >= 0.8 * len(choice_questions), bank.id


def test_tags_come_from_the_shared_vocabulary(banks):
    vocabulary = {
        "facilities",
        "funding",
        "talent",
        "collaboration",
        "geopolitics",
        "cities",
        "nanoscience",
        "metrics",
        "industry",
        "policy",
        "health",
        "climate",
        "physics",
        "biology",
    }
    used = {t for b in banks.values() for q in b.questions for t in q.tags}
    assert used <= vocabulary, used - vocabulary


def test_shipped_banks_pass_the_strict_check_with_half_of_each_bank_above_recall(runner):
    """`quizapp check --report --strict questions/`: no error and no item-writing warning."""
    result = runner.invoke(args=["check", "--report", "--strict", str(ROOT / "questions")])
    assert result.exit_code == 0, result.output
    assert "warnings: none" in result.output and "few-above-recall" not in result.output


def test_hard_is_reserved_for_questions_above_recall(banks):
    hard_recall = [
        q.id
        for b in banks.values()
        for q in b.questions
        if q.difficulty == "hard" and q.level == "recall"
    ]
    assert hard_recall == []
