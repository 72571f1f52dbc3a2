"""The docs served inside the app: `docs/<page>.md` rendered at `/help/<page>/`, headings
anchored, links between docs rewritten to their help pages, so no page prints a file path."""

import re
from functools import lru_cache
from pathlib import Path

import markdown
from django.utils.text import slugify

import melior

DOCS = Path(melior.__file__).resolve().parent.parent / "docs"
PAGE = re.compile(r"^[a-z][a-z0-9_-]*$")
# a link or a mention of another doc: docs/spc.md, spc.md, ../docs/spc.md#anchor
DOC_LINK = re.compile(r'href="(?:\.{0,2}/)?(?:docs/)?([a-z][a-z0-9_-]*)\.md(#[^"]*)?"')
LINK_TEXT = re.compile(r'(<a href="/help/[^"]*">)(?:docs/)?([a-z][a-z0-9_-]*)\.md</a>')
IMAGE = re.compile(r'src="(?:\./)?img/([a-z0-9_-]+\.png)"')
IMAGE_NAME = re.compile(r"^[a-z0-9_-]+\.png$")
# a link to a file of the source tree that is not a doc (bench/README.md): not served here
SOURCE_LINK = re.compile(r'<a href="(?!/help/)[^"]*\.md(?:#[^"]*)?">[^<]*</a>')
# letters NFKD does not take apart, spelled out so "Anhøj" anchors as "anhoj"
TRANSLITERATE = str.maketrans({"ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "ß": "ss", "ł": "l"})
DOC_MENTION = re.compile(r"(?<![\w/\"-])docs/([a-z][a-z0-9_-]*)\.md")


def heading_anchor(value: str, separator: str = "-") -> str:
    return slugify(value.translate(TRANSLITERATE))


def pages() -> list[tuple[str, str]]:
    """(page, its title) for every doc, in alphabetical order."""
    found = []
    for path in sorted(DOCS.glob("*.md")):
        first = path.read_text(encoding="utf-8").split("\n", 1)[0]
        found.append((path.stem, first.lstrip("# ").strip() or path.stem))
    return found


def render(page: str) -> tuple[str, str] | None:
    """(title, HTML) of a doc, or None when there is no such page."""
    if not PAGE.match(page) or not (DOCS / f"{page}.md").is_file():
        return None
    return _render(page, (DOCS / f"{page}.md").stat().st_mtime)


@lru_cache(maxsize=64)
def _render(page: str, mtime: float) -> tuple[str, str]:
    text = (DOCS / f"{page}.md").read_text(encoding="utf-8")
    converter = markdown.Markdown(
        extensions=["toc", "tables", "fenced_code"],
        extension_configs={"toc": {"slugify": heading_anchor, "anchorlink": True}},
    )
    html = converter.convert(text)
    # a wide table scrolls in its own box, which the keyboard must be able to reach
    html = html.replace(
        "<table>", '<div class="table-wrap" tabindex="0" role="region" aria-label="Table">\n<table>'
    ).replace("</table>", "</table>\n</div>")
    html = DOC_LINK.sub(lambda m: f'href="/help/{m[1]}/{m[2] or ""}"', html)
    html = LINK_TEXT.sub(r"\1\2 guide</a>", html)
    html = IMAGE.sub(lambda m: f'src="/help/img/{m[1]}"', html)
    html = SOURCE_LINK.sub("the notes that ship with the source code", html)
    html = DOC_MENTION.sub(lambda m: f'<a href="/help/{m[1]}/">{m[1]} guide</a>', html)
    title = text.split("\n", 1)[0].lstrip("# ").strip()
    return title, html


def image_path(name: str) -> Path | None:
    """The screenshot a doc shows, or None for any other name."""
    path = DOCS / "img" / name
    return path if IMAGE_NAME.match(name) and path.is_file() else None


def link_mentions(text: str) -> str:
    """Plain text that names a doc file (docs/spc.md) with the help page's address instead."""
    return DOC_MENTION.sub(lambda m: f"/help/{m[1]}/", text)
