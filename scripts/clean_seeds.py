"""Rebuild seeds/<slug>.md from the scraped originals in seeds/raw/ (reproducible cleaning).

Each article lists, by exact line, what is not the article (titles repeated in the body,
captions, credits, infographic text, pull quotes, bylines, boilerplate and the junk tails).
Link artefacts like [China](#) keep their word; emphasis markup, Markdown escapes (\\$) and
autolink brackets (<https://...>) are dropped; and a paragraph split by a page break (no closing
punctuation, next block starting in lower case) is rejoined.
Run: python scripts/clean_seeds.py
"""

import re
from pathlib import Path

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
END = tuple('.?!:;"”’)')

ARTICLES = [
    dict(
        id="nanoscience",
        raw="000_4859a330cd44beb9.txt",
        title="China and the Future of Nanoscience",
        year=2020,
        publication="OZY",
        drop=["China and the Future of Nanoscience", "2020-02-26"],
        drop_from="Read the [original article](#) on OZY.",
        headings=[],
    ),
    dict(
        id="big-science",
        raw="001_d20c020df7bc37d3.txt",
        title="China’s big-science bet",
        year=2024,
        publication="Nature Index 2024 China",
        drop=[
            "China’s big-science bet (2024)",
            "China’s big-science bet (1)",
            "China’s big-science bet (3)",
            "Nature Index 2024 China",
        ],
        drop_from="This article is part of Nature Index 2024 China",
        headings=["High-pressure science"],
    ),
    dict(
        id="us-china",
        raw="002_8bd7bc29703b665c.txt",
        # The scrape lost the headline; this title is descriptive, not the original's.
        title="US–China research collaboration in a tense political climate",
        year=2022,
        publication=None,
        drop=[
            "A quantum communication ground station is pictured in Xinglong,",
            "Quantum satellite Micius links with a station in Xinglong,",
            "Researchers Mark Reid (left) and Xingwu Zheng (right) are pictured",
            "Mark Reid (left) and Xingwu Zheng, whose work revealed",
            "Charts showing Share for the Big 5",
            "Source: Nature Index, Dimensions, United Nations, UNESCO, OECD",
        ],
        drop_from=None,
        headings=["Growth slowing", "Shared assets", "Banked trust"],
    ),
    dict(
        id="science-cities",
        raw="003_262a3577ca791f25.txt",
        title="Beijing and Shanghai showcase their ambitions as leading science cities",
        year=2022,
        publication="Nature Index",
        authors=["Yvaine Ye"],
        drop=[
            "A physicist navigates a boat across a cavern",
            "Beijing and Shanghai showcase their ambitions as leading science cities",
            "PULLING CLEAR OF THE PACK",
            "These graphs show the leading city in two fields of research",
            "Atomic, molecular, nuclear, particle and plasma physics",
            "Organic chemistry",
            "Wei Wang (left) and Jing Qu work on a genome-wide screen",
            '"Many returnees to Beijing and Shanghai maintain collaborative relationships',
        ],
        drop_from="Yvaine Ye is a freelance writer, based in Shanghai.",
        headings=["Concentration of resources", "Robust industry", "Catching up in life sciences"],
        replace={" **By Yvaine Ye**": ""},
    ),
    dict(
        id="internal-strength",
        raw="004_2e006522fd82eb0e.txt",
        title="China must draw on internal research strength",
        year=2024,
        publication=None,
        drop=["China must draw on internal research strength"],
        drop_from="Leave a Reply",
        headings=[],
    ),
]


def clean_inline(text: str) -> str:
    """Return text without link artefacts, emphasis markup, escapes and autolink brackets."""
    text = re.sub(r"\[([^\]]*)\]\(#\)", r"\1", text)
    text = re.sub(r"\*\*([^*]+)\*\*", r"\1", text)
    text = re.sub(r"\*([^*]+)\*", r"\1", text)
    # Passages are shown as plain text: "US\$4.3" and "<https://doi.org/h43n>" are Markdown
    # for "US$4.3" and the bare address the article printed.
    text = re.sub(r"<([a-z]+:[^\s>]+)>", r"\1", text)
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", text)


def clean(spec: dict) -> str:
    """Return the markdown of one cleaned article."""
    raw = (SEEDS / "raw" / spec["raw"]).read_text(encoding="utf-8")
    for old, new in spec.get("replace", {}).items():
        raw = raw.replace(old, new)
    blocks: list[str] = []
    for line in raw.splitlines():
        line = line.strip()
        if not line:
            continue
        if spec["drop_from"] and line.startswith(spec["drop_from"]):
            break
        if any(line.startswith(prefix) for prefix in spec["drop"]):
            continue
        line = clean_inline(line)
        if line in spec["headings"]:
            blocks.append("## " + line)
        elif (
            blocks
            and not blocks[-1].startswith("## ")
            and not blocks[-1].endswith(END)
            and line[0].islower()
        ):
            blocks[-1] += " " + line
        else:
            blocks.append(line)
    front = [
        "---",
        f"id: {spec['id']}",
        f'title: "{spec["title"]}"',
        f"year: {spec['year']}",
    ]
    if spec.get("publication"):
        front.append(f'publication: "{spec["publication"]}"')
    if spec.get("authors"):
        front.append("authors: [" + ", ".join(f'"{a}"' for a in spec["authors"]) + "]")
    front += [f"raw: {spec['raw']}", "---", ""]
    return "\n".join(front) + "\n" + "\n\n".join(blocks) + "\n"


def main() -> None:
    for spec in ARTICLES:
        (SEEDS / f"{spec['id']}.md").write_text(clean(spec), encoding="utf-8")
        print(f"seeds/{spec['id']}.md")


if __name__ == "__main__":
    main()
