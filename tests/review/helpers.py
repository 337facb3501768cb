"""Shared paths and helpers for the review tests, including what a Markdown reader sees."""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

from markdown_it import MarkdownIt

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "previews"


def table_rows(markdown: str, header_prefix: str) -> list[str]:
    """The body rows of the first table whose header line starts with header_prefix."""
    lines = markdown.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header_prefix))
    rows: list[str] = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        rows.append(line)
    return rows


def html(markdown: str) -> str:
    """The comment as a CommonMark renderer with GitHub's table extension shows it."""
    rendered: str = MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(markdown)
    return rendered


def visible_text(markdown: str) -> str:
    """What a reader sees: the rendered text, without the tags a raw-HTML sanitizer drops."""
    parser = _TextOnly()
    parser.feed(html(markdown))
    return "".join(parser.parts)


def code_spans(markdown: str) -> list[str]:
    """The text of every inline code element, as rendered."""
    return [unescape(s) for s in re.findall(r"<code>(.*?)</code>", html(markdown), re.S)]


class _TextOnly(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)
