"""Turn lesson Markdown into sanitised HTML, a table of contents and plain text for search.

Pure: the caller passes `resolve`, which maps a link target as written in the lesson
(`02-next.md#part`, `glossary:bid`, `images/x.svg`) to the address to print, or None to keep it.
"""

from __future__ import annotations

import xml.etree.ElementTree as etree
from collections.abc import Callable
from dataclasses import dataclass
from html import unescape

import markdown
import nh3
from markdown.extensions import Extension
from markdown.extensions.toc import slugify_unicode
from markdown.treeprocessors import Treeprocessor

# Part of every lesson text's fingerprint (importer): raise it whenever a change here alters the HTML, so that
# the next `flask content import` renders every lesson again instead of keeping HTML the old code made.
RENDERER_VERSION = 2  # 2: tables sit in a scrollable, labelled region

EXTENSIONS = ["tables", "footnotes", "def_list", "attr_list", "admonition", "sane_lists", "toc"]
BOX_CLASSES = {"key-point", "in-practice", "handbook", "case"}

ALLOWED_TAGS = {
    "a",
    "abbr",
    "blockquote",
    "br",
    "caption",
    "code",
    "dd",
    "div",
    "dl",
    "dt",
    "em",
    "figcaption",
    "figure",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "img",
    "li",
    "ol",
    "p",
    "pre",
    "strong",
    "sup",
    "sub",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "ul",
}
ALLOWED_ATTRIBUTES = {
    "*": {"id", "class"},
    "div": {"tabindex", "role", "aria-label"},  # the scroll region around a table
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height", "loading"},
    "td": {"align", "colspan", "rowspan"},
    "th": {"align", "colspan", "rowspan", "scope"},
    "ol": {"start"},
}


@dataclass(frozen=True)
class RenderedLesson:
    html: str
    toc: list[tuple[int, str, str]]  # (level, anchor, title) of each h2/h3
    text: str


class _RewriteLinks(Treeprocessor):
    def __init__(self, md, resolve: Callable[[str], str | None]):
        super().__init__(md)
        self.resolve = resolve

    def run(self, root) -> None:
        for element in root.iter():
            attribute = {"a": "href", "img": "src"}.get(element.tag)
            if attribute and element.get(attribute):
                target = self.resolve(element.get(attribute))
                if target is not None:
                    element.set(attribute, target)
                if element.tag == "a" and element.get("href", "").startswith("https://"):
                    element.set("class", ((element.get("class") or "") + " external").strip())
                if element.tag == "img":
                    element.set("loading", "lazy")


class _ScrollableTables(Treeprocessor):
    """Put each table in a region that scrolls sideways on a narrow screen, named by its column headings.

    A table keeps readable columns on a phone instead of squeezing its words; the region takes keyboard focus
    so it can be scrolled without a pointer, and its name tells a screen reader which table it holds.
    """

    def run(self, root) -> None:
        tables = [(parent, child) for parent in root.iter() for child in parent if child.tag == "table"]
        for parent, table in tables:
            headings = (" ".join("".join(cell.itertext()).split()) for cell in table.iter("th"))
            region = etree.Element(
                "div",
                {
                    "class": "table-scroll",
                    "tabindex": "0",
                    "role": "region",
                    "aria-label": ", ".join(heading for heading in headings if heading),
                },
            )
            parent.insert(list(parent).index(table), region)
            parent.remove(table)
            region.append(table)


class _LinkExtension(Extension):
    def __init__(self, resolve: Callable[[str], str | None]):
        super().__init__()
        self.resolve = resolve

    def extendMarkdown(self, md) -> None:
        md.treeprocessors.register(_RewriteLinks(md, self.resolve), "rewrite_links", 1)
        md.treeprocessors.register(_ScrollableTables(md), "scrollable_tables", 2)  # after inline markup (20)


def render_markdown(
    source: str, resolve: Callable[[str], str | None] = lambda _target: None
) -> RenderedLesson:
    """Render lesson Markdown, then sanitise it; raw HTML in the source never survives."""
    md = markdown.Markdown(
        extensions=[*EXTENSIONS, _LinkExtension(resolve)],
        extension_configs={
            "toc": {"toc_depth": "2-3", "permalink": False, "slugify": slugify_unicode},  # Cyrillic headings
            "footnotes": {"BACKLINK_TEXT": "↩"},
            "tables": {"use_align_attribute": True},  # the sanitiser removes style attributes
        },
        output_format="html",
    )
    html = md.convert(source)
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"https", "mailto"},
        link_rel="noopener noreferrer",
    )
    toc = [(token["level"], token["id"], token["name"]) for token in _flatten(md.toc_tokens)]
    text = " ".join(unescape(nh3.clean(clean, tags=set())).split())
    return RenderedLesson(html=clean, toc=toc, text=text)


def _flatten(tokens: list[dict]) -> list[dict]:
    result = []
    for token in tokens:
        result.append(token)
        result.extend(_flatten(token.get("children", [])))
    return result
