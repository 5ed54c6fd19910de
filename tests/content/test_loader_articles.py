"""The loader keeps documents and passages in step with seeds/, idempotently."""

from dataclasses import replace

from sqlalchemy import func, select

from quizapp.content.articles import load_articles
from quizapp.content.loader import load_documents
from quizapp.extensions import db
from quizapp.models import Citation, Passage, Question, QuestionVersion
from tests.conftest import ROOT


def _snapshot():
    rows = db.session.execute(
        select(
            Passage.id,
            Passage.doc_id,
            Passage.anchor,
            Passage.ordinal,
            Passage.text,
            Passage.retired,
        ).order_by(Passage.id)
    )
    return [tuple(r) for r in rows]


def test_loading_twice_changes_nothing(app):
    with app.app_context():
        before = _snapshot()
        counts = load_documents(db.session, load_articles(ROOT / "seeds"))
        db.session.commit()
        assert _snapshot() == before
        assert counts["documents unchanged"] == 5
        assert not counts["passages added"] and not counts["passages changed"]


def _edited(article, old, new):
    assert old in article.body
    return replace(article, body=article.body.replace(old, new, 1))


def test_changed_paragraph_gets_a_new_row_and_others_keep_theirs(app):
    with app.app_context():
        articles = load_articles(ROOT / "seeds")
        big = next(a for a in articles if a.id == "big-science")
        before = {
            p.anchor: p.id
            for p in db.session.scalars(select(Passage).where(Passage.doc_id == "big-science"))
        }
        cited = set(db.session.scalars(select(Citation.passage_id)))
        uncited = next(
            p
            for p in db.session.scalars(
                select(Passage).where(Passage.doc_id == "big-science").order_by(Passage.ordinal)
            )
            if p.id not in cited
        )
        edited = _edited(big, uncited.text, uncited.text + " Edited.")
        counts = load_documents(db.session, [edited])
        db.session.commit()
        after = {
            p.anchor: p.id
            for p in db.session.scalars(select(Passage).where(Passage.doc_id == "big-science"))
        }
        assert counts["passages added"] == 1 and counts["passages removed"] == 1
        assert len(set(before) - set(after)) == 1
        for anchor in set(before) & set(after):
            assert before[anchor] == after[anchor]


def test_cited_paragraph_is_retired_not_deleted(app):
    with app.app_context():
        passage = db.session.scalars(
            select(Passage).where(Passage.doc_id == "nanoscience").order_by(Passage.ordinal)
        ).first()
        _cite(passage)
        articles = load_articles(ROOT / "seeds")
        nano = next(a for a in articles if a.id == "nanoscience")
        load_documents(
            db.session, [_edited(nano, passage.text[:40], passage.text[:40] + " (edited)")]
        )
        db.session.commit()
        db.session.refresh(passage)
        assert passage.retired
        live = db.session.scalar(
            select(func.count())
            .select_from(Passage)
            .where(Passage.doc_id == "nanoscience", Passage.retired.is_(False))
        )
        assert live == len(
            [p for p in nano.body.split("\n\n") if p.strip() and not p.startswith("## ")]
        )


def _cite(passage):
    """Make something reference the passage, as a loaded question would."""
    from quizapp.models import Bank

    db.session.add(Bank(id="b", title="B", source="b.yaml"))
    db.session.add(Question(id="q", bank_id="b"))
    db.session.flush()
    version = QuestionVersion(
        question_id="q",
        version=1,
        content_hash="h",
        type="single",
        prompt="p",
        explanation="e",
        spec={},
        points=1,
        difficulty="easy",
        tags=[],
    )
    db.session.add(version)
    db.session.flush()
    db.session.add(
        Citation(version_id=version.id, passage_id=passage.id, ordinal=1, quote="x", start=0, end=1)
    )
    db.session.commit()


def _passage_starting(text: str) -> Passage:
    return db.session.scalar(select(Passage).where(Passage.text.startswith(text)))


def test_a_corrected_paragraph_leads_to_its_latest_correction(app):
    """Answers on a paragraph as it was count toward it as it is: the loader says which it is."""
    with app.app_context():
        nano = next(a for a in load_articles(ROOT / "seeds") if a.id == "nanoscience")
        first, second = nano.body.split("\n\n", 2)[:2]
        old = _passage_starting(first[:60])
        removed = _passage_starting(second[:60])
        _cite(old)
        version = db.session.scalar(
            select(QuestionVersion.id).where(QuestionVersion.question_id == "q")
        )
        db.session.add(
            Citation(
                version_id=version, passage_id=removed.id, ordinal=2, quote="y", start=0, end=1
            )
        )
        db.session.commit()

        once = nano.body.replace(first, "Once. " + first, 1).replace("\n\n" + second, "", 1)
        load_documents(db.session, [replace(nano, body=once)])
        db.session.commit()
        db.session.refresh(old)
        db.session.refresh(removed)
        assert old.retired and old.successor_id == _passage_starting("Once. ").id
        assert removed.retired and removed.successor_id is None  # nothing like it is left

        # Corrected again: the uncited first correction is removed, not left as a successor.
        twice = once.replace("Once. ", "Twice. ", 1)
        counts = load_documents(db.session, [replace(nano, body=twice)])
        db.session.commit()
        db.session.refresh(old)
        assert counts["passages removed"] == 1 and _passage_starting("Once. ") is None
        assert old.successor_id == _passage_starting("Twice. ").id

        # Put back as it was: the paragraph is live again and leads nowhere.
        load_documents(db.session, [nano])
        db.session.commit()
        db.session.refresh(old)
        assert not old.retired and old.successor_id is None
