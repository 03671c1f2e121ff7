"""Lesson rendering: the Markdown extensions the format promises, link rewriting, sanitising, plain text."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.courses.rendering import render_markdown

HYPOTHESIS = settings(database=None, deadline=None, max_examples=150)


def ids_in(html: str) -> list[str]:
    return re.findall(r'\bid="([^"]*)"', html)


def test_tables_render_with_head_and_body():
    html = render_markdown("| Level | Tool |\n| --- | --- |\n| Individual | Toolkit |\n").html
    assert "<table>" in html
    assert re.search(r"<thead>\s*<tr>\s*<th>Level</th>\s*<th>Tool</th>", html)
    assert re.search(r"<tbody>\s*<tr>\s*<td>Individual</td>\s*<td>Toolkit</td>", html)


def test_a_table_sits_in_a_focusable_region_named_by_its_headings():
    html = render_markdown(
        "Before.\n\n| Ниво | **Алатка** |\n| --- | --- |\n| Индивидуално | Збир |\n\nAfter.\n"
    ).html
    assert re.search(
        r'<p>Before.</p>\s*<div aria-label="Ниво, Алатка" class="table-scroll" role="region" tabindex="0">'
        r"<table>.*</table>\s*</div>\s*<p>After.</p>",
        html,
        re.S,
    )


@pytest.mark.parametrize(
    ("kind", "title"),
    [
        ("key-point", "Key point"),
        ("in-practice", "In practice"),
        ("handbook", "Handbook reference"),
        ("case", "Случај од праксата"),
    ],
)
def test_boxes_keep_their_classes_and_titles(kind, title):
    html = render_markdown(f'!!! {kind} "{title}"\n    Text of the box.\n').html
    assert re.fullmatch(
        rf'<div class="admonition {kind}">\s*<p class="admonition-title">{title}</p>'
        r"\s*<p>Text of the box.</p>\s*</div>",
        html,
    )


def test_footnotes_link_both_ways():
    html = render_markdown("A claim.[^src]\n\n[^src]: IOM (2019), Part 1.\n").html
    assert re.search(r'<sup id="fnref:src"><a class="footnote-ref" href="#fn:src"[^>]*>1</a></sup>', html)
    assert '<div class="footnote">' in html
    assert re.search(r'<li id="fn:src">\s*<p>IOM \(2019\), Part 1.', html)
    assert re.search(r'<a class="footnote-backref" href="#fnref:src"[^>]*>↩</a>', html)


def test_definition_lists():
    html = render_markdown("Referral\n:   Sending a person to a service that can help.\n").html
    assert re.search(
        r"<dl>\s*<dt>Referral</dt>\s*<dd>Sending a person to a service that can help.</dd>\s*</dl>", html
    )


def test_attribute_lists_add_classes():
    assert render_markdown("Remember this.\n{: .lead }\n").html == '<p class="lead">Remember this.</p>'


def test_toc_anchors_for_latin_and_cyrillic_headings():
    source = (
        "## Why a model?\n\ntext\n\n### The four levels\n\n## Зошто модел?\n\n#### Too deep for the toc\n"
    )
    rendered = render_markdown(source)
    assert rendered.toc == [
        (2, "why-a-model", "Why a model?"),
        (3, "the-four-levels", "The four levels"),
        (2, "зошто-модел", "Зошто модел?"),
    ]
    for _level, anchor, title in rendered.toc:
        assert f'id="{anchor}">{title}</h' in rendered.html


def test_repeated_and_punctuation_only_headings_get_distinct_anchors():
    rendered = render_markdown("## Case\n\n## Case\n\n## Случај\n\n## Случај\n\n## ?\n\n## !\n")
    anchors = [anchor for _level, anchor, _title in rendered.toc]
    assert len(anchors) == 6 == len(set(anchors))
    assert all(anchors)


HEADING = st.text(alphabet="abcxyzABCабвгѓџшАБВЃЏШ0123456789 ?,-", min_size=1, max_size=20).filter(
    lambda text: text.strip(" -") and not text.strip().startswith("-")
)


@HYPOTHESIS
@given(headings=st.lists(HEADING, min_size=1, max_size=8))
def test_every_heading_gets_a_non_empty_unique_anchor(headings):
    rendered = render_markdown("\n\n".join(f"## {heading}" for heading in headings) + "\n")
    anchors = [anchor for _level, anchor, _title in rendered.toc]
    assert len(anchors) == len(headings)
    assert all(anchors) and len(set(anchors)) == len(anchors)
    assert ids_in(rendered.html) == anchors


def test_links_and_images_are_rewritten_through_resolve():
    addresses = {
        "02-next.md#part": "/courses/c/m/next#part",
        "glossary:bid": "/courses/c/glossary#term-bid",
        "images/levels.svg": "/courses/c/m/images/levels.svg",
    }
    asked = []

    def resolve(target):
        asked.append(target)
        return addresses.get(target)

    source = (
        "[next](02-next.md#part), [BID](glossary:bid), [IOM](https://www.iom.int) and "
        "[top](#why).\n\n![Four levels](images/levels.svg)\n"
    )
    html = render_markdown(source, resolve).html
    assert asked == ["02-next.md#part", "glossary:bid", "https://www.iom.int", "#why", "images/levels.svg"]
    assert 'href="/courses/c/m/next#part"' in html
    assert 'href="/courses/c/glossary#term-bid"' in html
    assert re.search(r'<a class="external" href="https://www.iom.int"', html)
    assert 'href="#why"' in html  # resolve said None: kept as written
    assert re.search(r'<img alt="Four levels" loading="lazy" src="/courses/c/m/images/levels.svg">', html)


def test_links_carry_rel_noopener():
    assert 'rel="noopener noreferrer"' in render_markdown("[IOM](https://www.iom.int)").html


@pytest.mark.parametrize(
    ("source", "forbidden"),
    [
        ("Before <script>alert(1)</script> after", ["<script", "alert"]),
        ("<script>\nalert(1)\n</script>\n", ["<script", "alert"]),
        ('<p onclick="steal()">Click</p>', ["onclick", "steal"]),
        ('Para\n{: onclick="steal()" style="color: red" }\n', ["onclick", "steal", "style"]),
        ("<img src=x onerror=alert(1)>", ["onerror", "alert"]),
        ("[x](javascript:alert(1))", ["javascript", "alert"]),
        ("[x](JaVaScRiPt:alert(1))", ["javascript", "alert"]),
        ('<a href="&#106;avascript:alert(1)">x</a>', ["avascript", "alert"]),
        ("![a](javascript:alert(1))", ["javascript", "alert"]),
        ("[x](data:text/html,<b>hi</b>)", ["data:"]),
        ('<iframe src="https://evil.example"></iframe>', ["<iframe", "evil"]),
        ('<IFRAME SRC="https://evil.example"></IFRAME>', ["iframe", "evil"]),
        ('<form action="https://evil.example"><input name="p"></form>', ["<form", "<input", "evil"]),
        ("<style>body { display: none }</style>", ["<style", "display"]),
        ('<object data="x.swf"></object><embed src="x.swf">', ["<object", "<embed", "swf"]),
    ],
)
def test_raw_html_and_dangerous_links_are_removed(source, forbidden):
    rendered = render_markdown(source)
    for text in forbidden:
        assert text not in rendered.html.lower()
    assert "alert" not in rendered.text


def test_sanitising_keeps_the_text_of_harmless_tags():
    assert render_markdown('<span onclick="x()">kept</span> words').html == "<p>kept words</p>"


def test_plain_text_has_no_tags_and_unescaped_entities():
    source = (
        "## Fish &amp; chips\n\n"
        "Five &lt; six and **bold**, _italic_, `code` and a [link](https://www.iom.int).[^1]\n\n"
        "| A | B |\n| --- | --- |\n| c | d |\n\n"
        '!!! key-point "Key point"\n    Boxed.\n\n'
        "[^1]: A note.\n"
    )
    text = render_markdown(source).text
    assert text.startswith(
        "Fish & chips Five < six and bold, italic, code and a link.1 A B c d Key point Boxed."
    )
    assert not re.search(r"<[a-z/]", text)
    assert not re.search(r"&(amp|lt|gt|quot|nbsp|#\d+);", text)
    assert "  " not in text and text == text.strip()


def test_plain_text_keeps_cyrillic():
    assert render_markdown("## Трговија со луѓе\n\nЖртва на **трговија**.\n").text == (
        "Трговија со луѓе Жртва на трговија."
    )
