"""Reading rendered markdown the way GitHub shows it, to prove a name added nothing.

``shape`` parses with markdown-it (CommonMark, GFM tables and strikethrough, raw HTML
allowed as GitHub allows it) and answers the HTML tags, the text a reader sees outside
code (HTML text included, entities decoded) and the cells per row of each table; a link
or an image in the rendering is an error, but for the plan's own table of contents (in-page
links ``#rc-N``). ``LINKABLE`` is what GitHub would turn into a
mention, an issue or commit link or a URL in such text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser

from markdown_it import MarkdownIt
from markdown_it.token import Token

PARSER = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
LINKABLE = re.compile(r"[@#]\w|://|\bwww\.|\bgh-\d|(?<!\w)[0-9a-f]{7,}(?!\w)", re.IGNORECASE)


def tokens_of(tokens: list[Token]) -> Iterator[Token]:
    for token in tokens:
        yield token
        yield from tokens_of(token.children or [])


class _Html(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_endtag(self, tag: str) -> None:
        self.tags.append("/" + tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def handle_comment(self, data: str) -> None:
        self.tags.append("!--")


def _in_page(token: Token) -> bool:
    """A link of the plan's own table of contents (``#rc-N``): it leads nowhere else."""
    return re.fullmatch(r"#rc-\d+", str(token.attrs.get("href", ""))) is not None


def shape(markdown: str) -> tuple[list[str], list[str], list[list[int]]]:
    """(HTML tags, texts a reader sees outside code, cells per row of each table)."""
    tokens = PARSER.parse(markdown)
    raw = _Html()
    texts: list[str] = []
    tables: list[list[int]] = []
    for token in tokens_of(tokens):
        if token.type in ("html_block", "html_inline"):
            raw.feed(token.content)
        elif token.type == "text":
            texts.append(token.content)
        elif token.type == "image" or (token.type == "link_open" and not _in_page(token)):
            raise AssertionError(f"a link in the rendering: {token}")
        elif token.type == "table_open":
            tables.append([])
        elif token.type == "tr_open":
            tables[-1].append(0)
        elif token.type in ("th_open", "td_open"):
            tables[-1][-1] += 1
    raw.close()
    return raw.tags, texts + raw.text, tables
