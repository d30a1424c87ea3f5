"""Where a value sits in its file: positions for documents, kept small.

Positions are needed only to report a problem or to answer a later stage's question
("where is user U declared in project P"). A :class:`SourceFile` holds either its
documents' marks (see :mod:`reconciler.config.yamlread`), encoded as a short JSON text
(what the parse cache stores beside the values: an entry read from the cache needs no
text and no parse), or its text, which it re-reads with marks the first time anyone
asks, once per file, with the same reader that built the values.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeGuard

from reconciler.errors import Position

if TYPE_CHECKING:  # the YAML reader is imported only to re-read a text (``SourceFile``)
    from reconciler.config.yamlread import Marks, ParsedDocument

PathItem = str | int
"""A mapping key or a list index, as in a pydantic error ``loc``."""

#: A document's start and marks: ``(line, column, marks)``.
DocumentMarks = tuple[int, int, "Marks"]
_NOWHERE: DocumentMarks = (0, 0, None)
#: ``"`` and ``'`` swapped: the encoded marks quote their keys with ``'``, so that the JSON
#: of the parse cache, which holds them as strings, need not escape two quotes per key
#: (a quarter of the time to load a 10,000-project pack). Swapping twice is the identity.
_SWAP_QUOTES = str.maketrans({'"': "'", "'": '"'})


def encode_marks(documents: Sequence[ParsedDocument]) -> str:
    """The marks of a file's documents (read ``with_marks``) as one text: JSON, with
    its quotes swapped (see ``_SWAP_QUOTES``)."""
    marks = [[d.line, d.column, d.marks] for d in documents]
    return json.dumps(marks, ensure_ascii=False, separators=(",", ":")).translate(_SWAP_QUOTES)


@dataclass(eq=False, slots=True)
class SourceFile:
    """One config file: its display path, and its marks (encoded) or else its text."""

    path: str
    text: str | None = field(default=None, repr=False)
    marks: str | None = field(default=None, repr=False)
    _parsed: list[DocumentMarks] | None = field(default=None, init=False, repr=False)

    def document_marks(self, index: int) -> DocumentMarks:
        """The start and marks of the file's ``index``-th document (``(0, 0, None)``
        for one it does not have, or marks that cannot be read)."""
        if self.marks is not None:
            documents = _decoded(self.marks)
        else:
            if self._parsed is None:
                from reconciler.config.yamlread import parse_text  # noqa: PLC0415

                parsed = parse_text(self.text or "", with_marks=True)
                self._parsed = [(d.line, d.column, d.marks) for d in parsed.documents]
            documents = self._parsed
        return documents[index] if 0 <= index < len(documents) else _NOWHERE


@functools.lru_cache(maxsize=1)
def _decoded(marks: str) -> list[DocumentMarks]:
    """Encoded marks as ``document_marks`` answers them; ``[]`` for a text that is not
    what ``encode_marks`` writes (a damaged cache entry costs positions, never a crash).

    The last file's are kept (not every file's: tens of MB at 10,000 files): a plan asks
    the positions of one file in a row, thousands of them when every name of a large
    company is unknown. Read only: the lists are shared."""
    try:
        documents = json.loads(marks.translate(_SWAP_QUOTES))
    except (ValueError, RecursionError):
        return []
    if not isinstance(documents, list):
        return []
    found = []
    for document in documents:
        if not (isinstance(document, list) and len(document) == 3):
            return []
        line, column, child = document
        if not (_is_number(line) and _is_number(column)):
            return []
        found.append((line, column, child))
    return found


@dataclass(frozen=True, eq=False)
class SourceDocument:
    """A document's place: its file and its index among the file's documents."""

    file: SourceFile
    index: int

    @property
    def path(self) -> str:
        return self.file.path

    def position(self, path: Sequence[PathItem] = ()) -> Position:
        """The position of ``path`` in this document: the key of a mapping entry, or the
        list item; for a path that does not exist, its deepest existing prefix."""
        line, column, marks = self.file.document_marks(self.index)
        for item in path:
            entry = _child(marks, item)
            if entry is None:
                break
            line, column, marks = entry
        return Position(self.file.path, line, column)


def _child(marks: Marks, item: PathItem) -> DocumentMarks | None:
    """The position and marks of ``item`` (a key of mapping marks, an index of sequence
    marks), or ``None`` when there is none (or the marks are not of the shape written)."""
    if isinstance(marks, dict) and isinstance(item, str):
        entry = marks.get(item)
        if isinstance(entry, list) and len(entry) == 3:
            line, column, child = entry
            if _is_number(line) and _is_number(column) and not _is_number(child):
                return line, column, child
        return None
    if isinstance(marks, list) and isinstance(item, int) and item >= 0:
        return _item(marks, item)
    return None


def _item(segments: list[object], index: int) -> DocumentMarks | None:
    """Item ``index`` of a sequence's segments (a count is that many scalars, a line
    each)."""
    for segment in segments:
        if not (isinstance(segment, list) and len(segment) == 3):
            return None
        line, column, child = segment
        if not (_is_number(line) and _is_number(column)):
            return None
        if _is_number(child):
            if index < child:
                return line + index, column, None
            index -= child
        elif index == 0:
            return line, column, child
        else:
            index -= 1
    return None


def _is_number(value: object) -> TypeGuard[int]:
    return value.__class__ is int  # not a bool
