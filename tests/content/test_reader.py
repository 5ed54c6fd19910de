"""The article list and reader pages."""

import html
import re
from dataclasses import replace

import pytest
from jinja2.filters import do_truncate

from quizapp.content.queries import get_document, list_documents, passage_map
from quizapp.extensions import db
from quizapp.views.reader import parse_highlight
from tests.conftest import DATA, ROOT
from tests.quizhelp import take_quiz

SAMPLE = DATA / "banks/sample-big-science.yaml"

SLUGS = ["big-science", "internal-strength", "nanoscience", "science-cities", "us-china"]


def test_index_lists_the_five_articles(client):
    html = client.get("/").get_data(as_text=True)
    for slug in SLUGS:
        assert f'href="/read/{slug}"' in html


@pytest.mark.parametrize("slug", SLUGS)
def test_reader_shows_article_without_junk(client, slug):
    response = client.get(f"/read/{slug}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for junk in ("](#)", "Leave a Reply", "Dewey Fisher", "Rating:", "Top Articles"):
        assert junk not in html
    assert html.count('class="passage"') >= 5


@pytest.mark.parametrize(
    ("slug", "printed"),
    [
        ("nanoscience", "the project has landed $780 million in investment."),
        ("science-cities", "30 million yuan (US$4.3 million) in subsidy"),
        ("science-cities", "Preprint at arXiv https://doi.org/h43n; 2022)"),
    ],
)
def test_reader_shows_dollars_and_links_as_the_article_printed_them(client, slug, printed):
    """The scrape's Markdown escapes and autolink brackets (\\$, <https://...>) are not shown."""
    text = html.unescape(client.get(f"/read/{slug}").get_data(as_text=True))
    assert printed in text
    assert "\\$" not in text and "<https:" not in text


def test_passages_carry_their_anchors_as_ids(app, client):
    html = client.get("/read/big-science").get_data(as_text=True)
    with app.app_context():
        anchors = [p.anchor for p in get_document("big-science").passages]
    ids = re.findall(r'<p id="(p-[0-9a-f-]+)" class="passage"', html)
    assert ids == anchors


def test_highlight_marks_exactly_the_span(app, client):
    with app.app_context():
        passage = get_document("big-science").passages[0]
        anchor, text = passage.anchor, passage.text
    start = text.index("Centred on a colossal sphere")
    end = start + len("Centred on a colossal sphere")
    html = client.get(f"/read/big-science?highlight={anchor}:{start}-{end}").get_data(as_text=True)
    assert html.count("<mark>") == 1
    assert "<mark>Centred on a colossal sphere</mark>" in html


@pytest.mark.parametrize(
    "value",
    ["", "nonsense", "p-zzzz:1-2", "p-0123456789:5-2", "p-0123456789:1-99999999", "p-abc:-1-3"],
)
def test_bad_highlight_is_ignored(client, value):
    response = client.get(f"/read/big-science?highlight={value}")
    assert response.status_code == 200
    assert "<mark>" not in response.get_data(as_text=True)


def test_highlight_past_the_end_is_clamped_not_an_error(app, client):
    with app.app_context():
        anchor = get_document("big-science").passages[0].anchor
    response = client.get(f"/read/big-science?highlight={anchor}:5-999999")
    assert response.status_code == 200


def test_unknown_article_is_a_friendly_404(client):
    response = client.get("/read/no-such-article")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "no-such-article" in html and "Traceback" not in html
    assert 'href="/"' in html


def test_pages_have_skip_link_and_landmarks(client):
    html = client.get("/read/nanoscience").get_data(as_text=True)
    assert 'class="skip-link" href="#main"' in html
    assert '<main id="main"' in html and "<nav" in html and "<header" in html


def test_parse_highlight_rejects_inverted_spans():
    assert parse_highlight("p-0123456789:3-9") == ("p-0123456789", 3, 9)
    assert parse_highlight("p-0123456789:9-3") is None
    assert parse_highlight(None) is None


def test_passage_map_rows_truncate_like_the_whole_passages(app):
    with app.app_context():
        for document in list_documents():
            whole = get_document(document.id).passages
            rows = passage_map(document.id)
            assert [(r.id, r.anchor) for r in rows] == [(p.id, p.anchor) for p in whole]
            for row, passage in zip(rows, whole, strict=True):
                for width in (90, 140, 160):
                    assert do_truncate(app.jinja_env, row.text, width) == do_truncate(
                        app.jinja_env, passage.text, width
                    )


def test_the_site_icon_is_linked_and_favicon_ico_leads_to_it(client):
    assert '<link rel="icon" href="/static/favicon.svg"' in client.get("/").get_data(as_text=True)
    response = client.get("/favicon.ico")
    assert (response.status_code, response.location) == (301, "/static/favicon.svg")
    with client.get(response.location) as icon:  # a file response: closed when read
        assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"


def test_two_quotes_from_one_paragraph_show_it_once_marked_twice(app, runner, student, tmp_path):
    folder = tmp_path / "banks"
    folder.mkdir()
    (folder / SAMPLE.name).write_text(
        SAMPLE.read_text().replace(
            '      - quote: "at 2,400 metres below the Jinping Mountains"\n',
            '      - quote: "at 2,400 metres below the Jinping Mountains"\n'
            '      - quote: "world’s largest and deepest underground lab"\n',
        )
    )
    assert "1 changed" in runner.invoke(args=["load", str(folder)]).output
    attempt = take_quiz(app, student, "sample-big-science")
    pages = [student.get(f"/attempts/{attempt}/q/{n}/feedback").text for n in (1, 2, 3)]
    (page,) = [p for p in pages if "Jinping" in p]
    assert page.count('class="excerpt"') == 1 and page.count("<mark>") == 2
    link = html.unescape(re.search(r'<a href="(/read/[^"]+)">Read in context', page)[1])
    assert link.count("highlight=") == 2
    reader = student.get(link).text
    assert "<mark>at 2,400 metres below the Jinping Mountains</mark>" in reader
    assert "<mark>world’s largest and deepest underground lab</mark>" in reader


def test_read_in_context_from_before_an_article_edit_still_lands_on_the_marked_quote(app, student):
    """An answer keeps its question version, whose excerpt cites the paragraph as it was; once
    the article is corrected that paragraph is retired, and its anchor is on no page."""
    from quizapp.content.articles import load_articles
    from quizapp.content.loader import load_documents

    attempt = take_quiz(app, student, "sample-big-science")
    pages = [student.get(f"/attempts/{attempt}/q/{n}/feedback").text for n in (1, 2, 3)]
    (page,) = [p for p in pages if "<mark>Centred on a colossal sphere" in p]
    link = html.unescape(re.search(r'<a href="(/read/[^"]+)">Read in context', page)[1])
    old_anchor = link.rsplit("#", 1)[1]
    with app.app_context():
        big = next(a for a in load_articles(ROOT / "seeds") if a.id == "big-science")
        first = big.body.split("\n\n", 1)[0]
        corrected = replace(big, body=big.body.replace(first, "A correction. " + first, 1))
        load_documents(db.session, [corrected])
        db.session.commit()
        live = {p.anchor: p.text for p in get_document("big-science").passages}
    assert old_anchor not in live

    response = student.get(link)
    assert response.status_code == 302
    (new_anchor,) = [a for a, text in live.items() if text.startswith("A correction. ")]
    assert response.location.endswith(f"#{new_anchor}")
    reader = student.get(response.location).text
    assert f'<p id="{new_anchor}" class="passage">A correction. ' in reader
    assert reader.count("<mark>") == 1
    assert re.search(r'class="back-link"><a href="/attempts/\d+/q/\d/feedback">', reader)
    assert "<mark>Centred on a colossal sphere filled with 20,000 tonnes of liquid</mark>" in reader


def test_a_highlight_of_an_anchor_the_article_never_had_is_still_ignored(client):
    response = client.get("/read/big-science?highlight=p-0123456789:1-5")
    assert response.status_code == 200 and "<mark>" not in response.text


def test_read_in_context_offers_the_way_back_to_the_question(app, student):
    from tests.quizhelp import answer, bank_ids, start

    url = start(student, bank_ids(app)[0])
    feedback_url = answer(app, student, url).location
    feedback = student.get(feedback_url).text
    link = html.unescape(re.search(r'<a href="([^"]+)">Read in context', feedback).group(1))
    assert f"back={feedback_url}" in link
    page = student.get(link).text
    back = re.findall(r'<p class="back-link"><a href="([^"]+)">.*?Back to the question</a>', page)
    assert back and set(back) == {feedback_url}
    assert len(back) >= 2  # at the top, and under the quoted passage


@pytest.mark.parametrize(
    "back",
    [
        "https://evil.example/attempts/1/q/1/feedback",
        "//evil.example/attempts/1/q/1/feedback",
        "/\\evil.example/attempts/1/q/1/feedback",
        "javascript:alert(1)",
        "http:/attempts/1/q/1/feedback",
        "/attempts/1/q/1/feedback?next=https://evil.example",
        "/attempts/1/q/1/feedback#x",
        " /attempts/1/q/1/feedback",
        "/attempts/1/q/1/feedback\n",
        "/auth/logout",  # a page of the app, but not one that links here
        "/progress",
        "/attempts/1/q/1/feedback/../../../../auth/logout",
        "/" + "a" * 300,
    ],
)
def test_the_way_back_refuses_anything_but_a_question_or_results_page(client, back):
    page = client.get("/read/big-science", query_string={"back": back}).text
    assert "back-link" not in page and "evil.example" not in page


def test_the_way_back_names_the_results_page(client):
    page = client.get("/read/big-science", query_string={"back": "/attempts/7/results"}).text
    assert re.search(r'<a href="/attempts/7/results">.*?Back to your results</a>', page)
