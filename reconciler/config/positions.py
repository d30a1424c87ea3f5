"""Where a value sits in its file: lazy positions for documents.

Loading builds plain values only (that is the fast path). Positions are needed only to
report a problem or to answer a later stage's question ("where is user U declared in
project P"), so a :class:`SourceFile` re-reads its kept text with marks the first time
anyone asks, once per file, with the same reader that built the values.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from reconciler.config.yamlread import Marks, parse_text
from reconciler.errors import Position

PathItem = str | int
"""A mapping key or a list index, as in a pydantic error ``loc``."""


@dataclass(eq=False)
class SourceFile:
    """One config file: its display path, its text, and (lazily) its documents' marks."""

    path: str
    text: str
    _marks: list[tuple[int, int, Marks]] | None = field(default=None, repr=False)

    def document_marks(self, index: int) -> tuple[int, int, Marks]:
        if self._marks is None:
            parsed = parse_text(self.text, with_marks=True)
            self._marks = [(d.line, d.column, d.marks) for d in parsed.documents]
        if 0 <= index < len(self._marks):
            return self._marks[index]
        return (0, 0, None)


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


def _child(marks: Marks, item: PathItem) -> tuple[int, int, Marks] | None:
    if isinstance(marks, dict) and isinstance(item, str):
        found: tuple[int, int, Marks] | None = marks.get(item)
        return found
    if isinstance(marks, list) and isinstance(item, int) and 0 <= item < len(marks):
        entry: tuple[int, int, Marks] = marks[item]
        return entry
    return None
