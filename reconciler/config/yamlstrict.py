"""Checks around libyaml: texts it would read slowly, and texts it accepts though YAML 1.2
forbids them (the reader refuses those anyway).

:func:`flow_too_deep` refuses ``[``/``{`` nesting deep enough to make libyaml slow.

libyaml, the C parser under :mod:`reconciler.config.yamlread`, reads a few texts that the
YAML test suite lists as errors. The reader refuses three kinds of them, with a
``path:line:col`` like any syntax error:

- a comment not separated by whitespace from what precedes it (``key: "v"# c``,
  ``[a, b]#c``, ``>#c``, ``%YAML 1.1#c``): :func:`tight_comment`, here;
- a ``%YAML``/``%TAG`` directive after a document that no ``...`` line ended, and a lone
  ``-`` as a plain value in a flow collection (``[-]``): checked by the reader's event
  loop, with the messages below.

libyaml's reading is kept, unrefused, for tabs or too little indentation on the
continuation lines of flow collections and quoted scalars, and for blank lines more
indented than a block scalar's content (the documents are then checked like any other).
"""

from __future__ import annotations

import re
from typing import Any, Final

from ruamel.yaml.tokens import ScalarToken, StreamEndToken

DIRECTIVE_WITHOUT_END: Final = (
    "invalid YAML: a %YAML or %TAG directive after a document must follow a '...' line "
    "that ends that document"
)
LONE_DASH: Final = "invalid YAML: a lone '-' is not a plain value in a flow collection; quote it"
TIGHT_COMMENT: Final = "invalid YAML: a comment needs a space or tab before its '#'"

#: Deepest ``[``/``{`` nesting handed to libyaml (it slows down quadratically beyond).
MAX_FLOW_DEPTH: Final = 256
_FLOW_RE = re.compile(r"[\[\]{}]")
_SPACE: Final = frozenset(" \t\r\n\ufeff")


def tight_comment(text: str, parser: Any) -> tuple[int, int, str] | None:
    """The first ``#`` that starts a comment with no whitespace before it (line, column,
    message), or ``None``. ``parser`` is a fresh libyaml parser over ``text`` that already read it
    without an error (so its tokens come without one). Between two tokens there is only
    whitespace and comments; a block scalar's header line is inside its token."""
    if not _has_tight_hash(text):
        return None
    end = 0
    while True:
        token = parser.get_token()
        start = token.start_mark.index
        found = _first_tight(text, end, start)
        if found is None and isinstance(token, ScalarToken) and token.style in ("|", ">"):
            header_end = text.find("\n", start)
            found = _first_tight(text, start, header_end if header_end >= 0 else len(text))
        if found is not None:
            return (*line_col(text, found), TIGHT_COMMENT)
        if isinstance(token, StreamEndToken):
            return None
        end = max(end, token.end_mark.index)


def _has_tight_hash(text: str) -> bool:
    """Whether some ``#`` follows a character other than whitespace (in a comment or not):
    only then is a token pass worth it. ``str.find`` is ~100 times faster than a regex."""
    at = text.find("#")
    while at >= 0:
        if at > 0 and text[at - 1] not in _SPACE:
            return True
        at = text.find("#", at + 1)
    return False


def _first_tight(text: str, start: int, stop: int) -> int | None:
    """In ``text[start:stop]`` (whitespace and comments, or a block scalar header), the
    first comment whose ``#`` follows a character other than whitespace."""
    at = text.find("#", start, stop)
    while at >= 0:
        if at > 0 and text[at - 1] not in _SPACE:
            return at
        line_end = text.find("\n", at, stop)
        if line_end < 0:
            return None
        at = text.find("#", line_end, stop)
    return None


def line_col(text: str, index: int) -> tuple[int, int]:
    """The 1-based line and column of ``text[index]``."""
    index = max(0, min(index, len(text)))
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def flow_too_deep(text: str) -> tuple[int, int, str] | None:
    """Refuse ``[``/``{`` nesting that would make libyaml slow (it is quadratic in depth).

    The count ignores quoting, so it over-estimates; only files with hundreds of unbalanced
    brackets inside strings could be refused wrongly. Cheap: most files have few brackets.
    """
    if text.count("[") + text.count("{") <= MAX_FLOW_DEPTH:
        return None
    depth = 0
    for match in _FLOW_RE.finditer(text):
        if match.group() in "[{":
            depth += 1
            if depth > MAX_FLOW_DEPTH:
                line, col = line_col(text, match.start())
                message = f"flow collections ('[', '{{') nested deeper than {MAX_FLOW_DEPTH}"
                return line, col, message
        elif depth:
            depth -= 1
    return None
