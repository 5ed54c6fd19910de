"""Cleaned articles: front matter plus a plain-text body (pure)."""

from dataclasses import dataclass
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError


class ArticleError(ValueError):
    """An article file that cannot be read, with the reason."""


@dataclass(frozen=True)
class Article:
    id: str
    title: str
    year: int
    publication: str | None
    authors: tuple[str, ...]
    raw: str
    body: str


def parse_article(text: str, source: str = "<string>") -> Article:
    """Return the article in a seeds/*.md text."""
    if not text.startswith("---\n"):
        raise ArticleError(f"{source}: missing front matter (the file must start with ---)")
    try:
        front, body = text[4:].split("\n---\n", 1)
    except ValueError:
        raise ArticleError(f"{source}: front matter is not closed with ---") from None
    try:
        meta = YAML(typ="safe").load(front) or {}
    except YAMLError as exc:
        raise ArticleError(f"{source}: front matter is not valid YAML: {exc}") from exc
    if not isinstance(meta, dict):
        raise ArticleError(f"{source}: front matter must be a mapping")
    for key, kind in (("id", str), ("title", str), ("year", int), ("raw", str)):
        if not isinstance(meta.get(key), kind):
            raise ArticleError(f"{source}: front matter needs {key!r} ({kind.__name__})")
    authors = meta.get("authors") or ()
    return Article(
        id=meta["id"],
        title=meta["title"],
        year=meta["year"],
        publication=meta.get("publication"),
        authors=tuple(str(a) for a in authors),
        raw=meta["raw"],
        body=body.strip(),
    )


def load_articles(directory: str | Path) -> list[Article]:
    """Return every article in a folder (not its raw/ originals), sorted by id."""
    articles: dict[str, Article] = {}
    for path in sorted(Path(directory).glob("*.md")):
        try:
            article = parse_article(path.read_text(encoding="utf-8"), str(path))
        except UnicodeDecodeError as exc:
            raise ArticleError(f"{path}: not UTF-8 ({exc})") from exc
        if article.id in articles:
            raise ArticleError(f"{path}: duplicate article id {article.id!r}")
        articles[article.id] = article
    return [articles[k] for k in sorted(articles)]
