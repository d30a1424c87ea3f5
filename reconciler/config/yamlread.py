"""YAML text -> plain Python values (and, on request, their positions), over libyaml.

The loader reads events from ruamel.yaml's C parser (``CParser``, the same libyaml
reader/scanner/parser that ``YAML(typ="safe")`` uses) and builds values with an
explicit stack. Events rather than ``compose()``: the C composer recurses in C, so a
deeply nested document (``- - - - ...``) crashes the interpreter; events also skip the
node and tag objects and are faster. Scalars resolve as in YAML 1.2's core schema
(``true``/``false``, ints, floats, null; dates stay strings).

Hostile input is refused with a :class:`~reconciler.errors.Problem`, never an exception:
aliases whose expansion exceeds :data:`MAX_ALIAS_NODES` (billion laughs), recursive or
undefined aliases, merge keys (``<<``), duplicate keys (reported at the second key),
nesting deeper than :data:`MAX_DEPTH`, flow nesting deep enough to make libyaml slow,
unsupported tags, every libyaml reader/scanner/parser error, and the texts libyaml
accepts though YAML forbids them that :mod:`reconciler.config.yamlstrict` lists. A syntax
error makes the whole file that one problem: no document of it is read.

The C parser comes from ruamel.yaml.clib (``ruamel.yaml[oldlibyaml]``); without it,
:func:`require_libyaml` raises :class:`~reconciler.errors.MissingDependencyError` saying
how to install it.

Positions ("marks") mirror the value, in lists and dicts only (so that they survive a
JSON round trip unchanged): a mapping's marks map each key to ``[line, column, child]``,
``child`` being ``None`` for a scalar, else the marks of the mapping or sequence; a
sequence's marks are a list of segments ``[line, column, child]``, where a count for
``child`` stands for that many scalar items, one per line from ``line`` on, all at
``column`` (a block list is then one segment: marks cost little to keep). Lines and
columns are 1-based.
"""

from __future__ import annotations

import functools
import shlex
import sys
from dataclasses import dataclass, field
from typing import Any, Final

from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import (
    AliasEvent,
    DocumentEndEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)
from ruamel.yaml.reader import ReaderError

from reconciler.config.yamlscalars import CORE, TagError, resolve_plain, resolve_tagged, short_tag
from reconciler.config.yamlstrict import (
    DIRECTIVE_WITHOUT_END,
    LONE_DASH,
    flow_too_deep,
    line_col,
    tight_comment,
)
from reconciler.errors import MissingDependencyError

#: Nodes that aliases may add to one file, all expansions together.
MAX_ALIAS_NODES: Final = 10_000
#: Deepest collection nesting accepted (the documents need 3 levels).
MAX_DEPTH: Final = 64

Marks = Any
"""``None`` | ``dict[str, [line, col, Marks]]`` | ``list[[line, col, Marks | count]]``."""

_MERGE: Final = object()
#: A pending key's mark when marks are not recorded.
_NO_MARK: Final = (0, 0)
#: First characters (and "") of plain scalars that may resolve to something but a string.
_PLAIN_SPECIAL: Final = frozenset(["", *"~nNtTfF-+0123456789."])


class YamlProblem(Exception):
    """A refusal inside one document: where (1-based) and why."""

    def __init__(self, line: int, column: int, message: str) -> None:
        super().__init__(message)
        self.line, self.column, self.message = line, column, message


class YamlSyntaxError(YamlProblem):
    """Text that is not YAML: the file's only problem, none of its documents kept."""


@functools.cache
def _c_parser() -> Any:
    try:
        from ruamel.yaml.cyaml import CParser  # type: ignore[attr-defined]  # noqa: PLC0415
    except ImportError as exc:
        first: BaseException = exc
        while isinstance(first.__context__, ImportError):  # clib's failure, before clibz's
            first = first.__context__
        python = shlex.quote(sys.executable or "python3")
        raise MissingDependencyError(
            f"the C extension of the YAML parser is missing ({first}); "
            f"install it with: {python} -m pip install ruamel.yaml.clib"
        ) from exc
    return CParser


def require_libyaml() -> None:
    """Raise :class:`MissingDependencyError` (what to install) when libyaml is missing."""
    _c_parser()


@dataclass
class ParsedDocument:
    value: object
    line: int
    column: int
    marks: Marks = None


@dataclass
class ParsedText:
    documents: list[ParsedDocument] = field(default_factory=list)
    #: ``(line, column, message)`` for every refusal; documents with one are left out.
    problems: list[tuple[int, int, str]] = field(default_factory=list)


def parse_text(text: str, *, with_marks: bool = False) -> ParsedText:
    """Every document of ``text`` as plain values; problems instead of exceptions."""
    result = ParsedText()
    deep = flow_too_deep(text)
    if deep is not None:
        result.problems.append(deep)
        return result
    syntax = _read(text, result, with_marks)
    if syntax is not None:
        result.documents.clear()
        result.problems[:] = [syntax]
    return result


def _read(text: str, result: ParsedText, with_marks: bool) -> tuple[int, int, str] | None:
    """Read ``text`` into ``result``; the syntax error that makes it not YAML, if any."""
    parser_class = _c_parser()
    parser = parser_class(text)
    try:
        _read_stream(parser, text, result, with_marks)
    except YamlSyntaxError as exc:
        return exc.line, exc.column, exc.message
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark is not None else (0, 0)
        return line, col, _yaml_message(exc)
    except ReaderError as exc:
        line, col = line_col(text, int(exc.position))
        return line, col, f"invalid character: {exc.reason}"
    except YAMLError as exc:
        return 0, 0, f"invalid YAML: {exc}"
    finally:
        parser.dispose()
    tokens = parser_class(text)
    try:
        return tight_comment(text, tokens)
    finally:
        tokens.dispose()


def _read_stream(parser: Any, text: str, result: ParsedText, with_marks: bool) -> None:
    get_event = parser.get_event
    get_event()  # StreamStartEvent
    budget = _Budget()
    ended = True  # by a '...' line (or nothing before): directives may follow
    while True:
        event = get_event()
        if isinstance(event, StreamEndEvent):
            return
        if not ended and (event.version is not None or event.tags):
            raise _syntax(event.start_mark, DIRECTIVE_WITHOUT_END)
        builder = _Builder(get_event, text, with_marks, budget, _dashes(event))
        try:
            value, marks = builder.document()
        except YamlSyntaxError:
            raise
        except YamlProblem as problem:
            result.problems.append((problem.line, problem.column, problem.message))
            builder.skip_to_document_end()
            continue
        finally:
            result.problems.extend(builder.soft_problems)
            ended = builder.ended_explicitly
        result.documents.append(ParsedDocument(value, *builder.root_mark, marks))


@dataclass
class _Budget:
    """Alias expansion counted over a whole file."""

    alias_nodes: int = 0


class _Frame:
    __slots__ = ("anchor", "container", "key", "key_mark", "marks", "size", "start")

    def __init__(self, container: Any, marks: Any, anchor: str | None, start: Any) -> None:
        self.container = container
        self.marks = marks
        self.anchor = anchor
        self.start = start
        self.size = 1
        self.key: Any = None
        self.key_mark: tuple[int, int] | None = None


class _Builder:
    """Builds one document from events with an explicit stack (no recursion)."""

    def __init__(
        self,
        get_event: Any,
        text: str,
        with_marks: bool,
        budget: _Budget,
        dashes: tuple[int, int] | None = None,
    ) -> None:
        self.get_event = get_event
        #: where the document's ``---`` is (``None``: it has none)
        self.dashes = dashes
        self.text = text
        #: whether a ``...`` line ended the document (directives may follow only then)
        self.ended_explicitly = False
        self.with_marks = with_marks
        self.budget = budget
        self.anchors: dict[str, tuple[Any, Any, int]] = {}
        self.stack: list[_Frame] = []
        self.root_mark: tuple[int, int] = (1, 1)
        #: Problems that do not stop the document (duplicate keys: the last one wins).
        self.soft_problems: list[tuple[int, int, str]] = []

    def document(self) -> tuple[object, Marks]:
        root: list[Any] = []
        root_frame = _Frame(root, [] if self.with_marks else None, None, None)
        stack = self.stack
        stack.append(root_frame)
        get_event = self.get_event
        marked = self.with_marks
        while True:
            event = get_event()
            cls = event.__class__
            if cls is ScalarEvent:
                frame = stack[-1]
                # ``ctag``: the tag as given, what the ``tag`` property reads (a call each)
                if event.ctag is None and event.anchor is None and frame is not root_frame:
                    # the hot path: scalars without tag or anchor, as ``_scalar``/``_add``
                    container = frame.container
                    value = event.value
                    is_list = container.__class__ is list
                    if not is_list and frame.key_mark is None:
                        if value not in {"<<", "-"} and value not in container:
                            frame.key = value
                            frame.key_mark = _mark(event.start_mark) if marked else _NO_MARK
                            continue
                    else:
                        if event.implicit[0] and value[:1] in _PLAIN_SPECIAL:
                            if value == "-":
                                self._lone_dash(event)
                            value = resolve_plain(value)
                        if is_list:
                            container.append(value)
                            if marked:
                                _scalar_item(frame.marks, event.start_mark)
                        else:
                            container[frame.key] = value
                            if marked:
                                assert frame.key_mark is not None  # a value follows its key
                                frame.marks[frame.key] = [*frame.key_mark, None]
                            frame.key_mark = None
                        frame.size += 1
                        continue
                self._scalar_node(event, at_root=frame is root_frame)
            elif cls is DocumentEndEvent:
                self.ended_explicitly = event.explicit
                break
            elif cls is MappingStartEvent or cls is SequenceStartEvent:
                self._open(event, cls is MappingStartEvent)
            elif cls is MappingEndEvent or cls is SequenceEndEvent:
                self._close()
            elif cls is AliasEvent:
                self._alias(event)
        return self._result(root, root_frame)

    def _scalar_node(self, event: Any, *, at_root: bool) -> None:
        """A scalar off the hot path of ``document``: tagged, anchored or the root."""
        value = self._scalar(event)
        if event.anchor is not None:
            self.anchors[event.anchor] = (value, None, 1)
        self._add(value, None, 1, event.start_mark)
        if at_root and self.dashes is not None and _empty(event):
            self.root_mark = self.dashes  # an empty document: nothing but its '---' to show

    def _result(self, root: list[Any], root_frame: _Frame) -> tuple[object, Marks]:
        self.stack.clear()
        value = root[0] if root else None
        marks = root_frame.marks[0][2] if self.with_marks and root_frame.marks else None
        return value, None if marks.__class__ is int else marks

    def skip_to_document_end(self) -> None:
        while True:
            event = self.get_event()
            if isinstance(event, DocumentEndEvent | StreamEndEvent):
                self.ended_explicitly = bool(getattr(event, "explicit", False))
                return

    def _lone_dash(self, event: Any) -> None:
        """A plain ``-`` that libyaml read in a flow collection, where YAML allows it only
        as a key right before ``:`` (``{-: x}``)."""
        end = event.end_mark.index
        if self.text[end : end + 1] != ":":
            raise _syntax(event.start_mark, LONE_DASH)

    def _open(self, event: Any, mapping: bool) -> None:
        tag = None if event.ctag is None else str(event.ctag)  # as the ``tag`` property
        if tag is not None and tag not in ("!", CORE + ("map" if mapping else "seq")):
            raise _problem(event.start_mark, f"unsupported tag '{short_tag(tag)}'")
        if len(self.stack) > MAX_DEPTH:
            raise _problem(event.start_mark, f"nesting deeper than {MAX_DEPTH} levels")
        marks: Any = None
        if self.with_marks:
            marks = {} if mapping else []
        container: Any = {} if mapping else []
        self.stack.append(_Frame(container, marks, event.anchor, event.start_mark))

    def _close(self) -> None:
        frame = self.stack.pop()
        if frame.anchor is not None:
            self.anchors[frame.anchor] = (frame.container, frame.marks, frame.size)
        self._add(frame.container, frame.marks, frame.size, frame.start)

    def _alias(self, event: Any) -> None:
        anchor = self.anchors.get(event.anchor)
        if anchor is None:
            raise _problem(
                event.start_mark,
                f"alias '*{event.anchor}' refers to no anchor defined before it "
                "(undefined and recursive aliases are not allowed)",
            )
        value, marks, size = anchor
        self.budget.alias_nodes += size
        if self.budget.alias_nodes > MAX_ALIAS_NODES:
            raise _problem(
                event.start_mark,
                f"aliases expand to more than {MAX_ALIAS_NODES} nodes in this file; "
                "write the entries out instead",
            )
        self._add(value, marks, size, event.start_mark)

    def _add(self, value: Any, marks: Any, size: int, mark: Any) -> None:
        frame = self.stack[-1]
        if len(self.stack) == 1:
            self.root_mark = (mark.line + 1, mark.column + 1)
        frame.size += size
        container = frame.container
        if container.__class__ is list:
            container.append(value)
            if not self.with_marks:
                return
            if marks is None:
                _scalar_item(frame.marks, mark)
            else:
                frame.marks.append([mark.line + 1, mark.column + 1, marks])
            return
        if frame.key_mark is None:
            self._set_key(frame, value, mark)
            return
        key = frame.key
        container[key] = value
        if self.with_marks:
            frame.marks[key] = [*frame.key_mark, marks]
        frame.key_mark = None

    def _set_key(self, frame: _Frame, key: Any, mark: Any) -> None:
        if key is _MERGE:
            raise _problem(mark, "merge keys ('<<') are not supported; write the keys out")
        if not isinstance(key, str):
            raise _problem(mark, "mapping keys must be plain scalars, not lists or mappings")
        if key in frame.container:
            self.soft_problems.append((mark.line + 1, mark.column + 1, f"duplicate key '{key}'"))
        frame.key = key
        frame.key_mark = (mark.line + 1, mark.column + 1)

    def _scalar(self, event: Any) -> Any:
        value: str = event.value
        frame = self.stack[-1]
        as_key = frame.container.__class__ is dict and frame.key_mark is None
        tag = event.tag
        if tag is None or tag == "!":
            if not event.implicit[0]:
                return value
            if value == "-":
                self._lone_dash(event)
            if as_key:
                return _MERGE if value == "<<" else value
            return resolve_plain(value)
        try:
            return resolve_tagged(value, tag, as_key)
        except TagError as exc:
            raise _problem(event.start_mark, str(exc)) from None


def _scalar_item(segments: list[list[Any]], mark: Any) -> None:
    """Add a scalar item's position to a sequence's marks: it extends the last segment
    when it is the next line at the same column."""
    line, column = mark.line + 1, mark.column + 1
    if segments:
        last = segments[-1]
        count = last[2]
        if count.__class__ is int and last[0] + count == line and last[1] == column:
            last[2] = count + 1
            return
    segments.append([line, column, 1])


def _dashes(start: Any) -> tuple[int, int] | None:
    """Where the ``---`` of a document is, from its start event (that event begins at
    the directives before the ``---``, if any, and ends right after it)."""
    if not getattr(start, "explicit", False):
        return None
    end = start.end_mark
    return end.line + 1, max(end.column - 2, 1)


def _empty(event: Any) -> bool:
    """Whether a scalar event is an empty node: nothing written (no tag, no anchor)."""
    return bool(event.value == "" and event.start_mark.index == event.end_mark.index)


def _mark(mark: Any) -> tuple[int, int]:
    """A libyaml mark as 1-based ``(line, column)``."""
    return mark.line + 1, mark.column + 1


def _problem(mark: Any, message: str) -> YamlProblem:
    return YamlProblem(mark.line + 1, mark.column + 1, message)


def _syntax(mark: Any, message: str) -> YamlSyntaxError:
    return YamlSyntaxError(mark.line + 1, mark.column + 1, message)


def _yaml_message(exc: MarkedYAMLError) -> str:
    problem = exc.problem or "invalid YAML"
    if exc.context:
        return f"invalid YAML: {problem} ({exc.context})"
    return f"invalid YAML: {problem}"
