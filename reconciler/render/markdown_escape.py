"""Names made inert in GitHub-flavoured markdown (a PR comment, an issue, a job summary).

Names come from users, so every name is escaped for where it lands: HTML entities in
``<summary>`` tags, backslash escapes plus entities in markdown text, and code fences
longer than any backtick run inside them. Outside code, ``defuse`` also keeps GitHub from
turning a name into a mention (``@team``), an issue or commit link (``#12``, ``GH-12``, a
hex run like ``deadbeef1``) or an autolink (``https://...``, ``www.x``, ``a@b.c``).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

from reconciler.render.describe import clean

_MD_SPECIAL = re.compile(r"([\\`*_\[\]!|~$])")
#: A zero-width space: written after the character that would start a mention or a link,
#: it keeps the visible text and breaks the pattern (an HTML entity such as ``&#64;``
#: would not: GitHub decodes it before it looks for mentions, as markdown-it does).
ZERO_WIDTH = "\u200b"
_LINK_STARTS = re.compile(
    r"[@#]"  # @user, @org/team, a@b.c; #12, org/repo#12
    r"|(?<=:)(?=//)"  # scheme://
    r"|(?i:www)(?=\.)"  # www.example.com
    r"|(?i:(?<!\w)gh)(?=-\d)"  # GH-12
)
_HEX_RUN = re.compile(r"(?<!\w)[0-9a-fA-F]{7,}(?!\w)")
_BACKTICKS = re.compile(r"`+")


def defuse(text: str) -> str:
    """``text`` with a zero-width space where GitHub (or a chat) would start a mention,
    an issue, commit or URL link: the same visible text, nothing linked or notified."""
    text = _LINK_STARTS.sub(lambda m: m.group() + ZERO_WIDTH, text)
    return _HEX_RUN.sub(lambda m: _chunked(m.group()), text)


def _chunked(run: str) -> str:
    """A hex run cut into pieces of 6 (GitHub links 7 to 40 hex digits to a commit)."""
    return ZERO_WIDTH.join(run[i : i + 6] for i in range(0, len(run), 6))


def _entities(text: str) -> str:
    """The zero-width spaces as ``&#8203;``, so the raw comment shows where they are."""
    return text.replace(ZERO_WIDTH, "&#8203;")


def md(text: str) -> str:
    """``text`` safe as inline markdown (also inside a table cell): no markup, no HTML,
    no mention or link."""
    escaped = _MD_SPECIAL.sub(r"\\\1", defuse(clean(text)))
    return _entities(html.escape(escaped, quote=True))


def in_html(text: str) -> str:
    """``text`` safe inside an HTML element such as ``<summary>``."""
    return _entities(html.escape(defuse(clean(text)), quote=True))


def fenced(lines: Iterable[str], info: str = "diff") -> str:
    """A code block whose fence no backtick run in ``lines`` can close."""
    body = "\n".join(lines)
    longest = max((len(run) for run in _BACKTICKS.findall(body)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{info}\n{body}\n{fence}" if body else f"{fence}{info}\n{fence}"
