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
unsupported tags, and every libyaml reader/scanner/parser error.

Positions ("marks") mirror the value: a mapping's marks map each key to
``(line, column, child_marks)``; a sequence's marks are a list of such triples; a
scalar's child marks are ``None``. Lines and columns are 1-based.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Final

from ruamel.yaml.cyaml import CParser  # type: ignore[attr-defined]
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

#: Nodes that aliases may add to one file, all expansions together.
MAX_ALIAS_NODES: Final = 10_000
#: Deepest collection nesting accepted (the documents need 3 levels).
MAX_DEPTH: Final = 64
#: Deepest ``[``/``{`` nesting handed to libyaml (it slows down quadratically beyond).
MAX_FLOW_DEPTH: Final = 256

Marks = Any
"""``None`` | ``dict[str, MarkEntry]`` | ``list[MarkEntry]``; ``MarkEntry = (line, col, Marks)``."""

_CORE = "tag:yaml.org,2002:"
_NULL_RE = re.compile(r"^(?:~|null|Null|NULL)$")
_BOOL_RE = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_INT_RE = re.compile(r"^(?:[-+]?0b[0-1_]+|[-+]?0o[0-7_]+|[-+]?[0-9_]+|[-+]?0x[0-9a-fA-F_]+)$")
_FLOAT_RE = re.compile(
    r"^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)"
    r"|[-+]?\.[0-9_]+(?:[eE][-+][0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
)
_FLOW_RE = re.compile(r"[\[\]{}]")
_NUMBER_START: Final = frozenset("-+0123456789.")
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
    deep = _flow_too_deep(text)
    if deep is not None:
        result.problems.append(deep)
        return result
    parser = CParser(text)
    try:
        _read_stream(parser, result, with_marks)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark is not None else (0, 0)
        result.problems.append((line, col, _yaml_message(exc)))
    except ReaderError as exc:
        line, col = _line_col(text, int(exc.position))
        result.problems.append((line, col, f"invalid character: {exc.reason}"))
    except YAMLError as exc:
        result.problems.append((0, 0, f"invalid YAML: {exc}"))
    finally:
        parser.dispose()
    return result


def _read_stream(parser: Any, result: ParsedText, with_marks: bool) -> None:
    get_event = parser.get_event
    get_event()  # StreamStartEvent
    budget = _Budget()
    while True:
        event = get_event()
        if isinstance(event, StreamEndEvent):
            return
        builder = _Builder(get_event, with_marks, budget)
        try:
            value, marks = builder.document()
        except YamlProblem as problem:
            result.problems.append((problem.line, problem.column, problem.message))
            builder.skip_to_document_end()
            continue
        finally:
            result.problems.extend(builder.soft_problems)
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

    def __init__(self, get_event: Any, with_marks: bool, budget: _Budget) -> None:
        self.get_event = get_event
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
        fast = not self.with_marks
        while True:
            event = get_event()
            cls = event.__class__
            if cls is DocumentEndEvent:
                break
            if cls is ScalarEvent:
                frame = stack[-1]
                if fast and event.tag is None and event.anchor is None and len(stack) > 1:
                    # the hot path (values only): scalars without tag or anchor
                    container = frame.container
                    value = event.value
                    is_list = container.__class__ is list
                    if not is_list and frame.key_mark is None:
                        if value != "<<" and value not in container:
                            frame.key = value
                            frame.key_mark = _NO_MARK
                            continue
                    else:
                        if event.implicit[0] and value[:1] in _PLAIN_SPECIAL:
                            value = _resolve_plain(value)
                        if is_list:
                            container.append(value)
                        else:
                            container[frame.key] = value
                            frame.key_mark = None
                        frame.size += 1
                        continue
                value = self._scalar(event)
                if event.anchor is not None:
                    self.anchors[event.anchor] = (value, None, 1)
                self._add(value, None, 1, event.start_mark)
            elif cls is MappingStartEvent or cls is SequenceStartEvent:
                self._open(event, cls is MappingStartEvent)
            elif cls is MappingEndEvent or cls is SequenceEndEvent:
                self._close()
            elif cls is AliasEvent:
                self._alias(event)
        self.stack.clear()
        value = root[0] if root else None
        marks = root_frame.marks[0][2] if self.with_marks and root_frame.marks else None
        return value, marks

    def skip_to_document_end(self) -> None:
        while not isinstance(self.get_event(), DocumentEndEvent | StreamEndEvent):
            pass

    def _open(self, event: Any, mapping: bool) -> None:
        tag = event.tag
        if tag is not None and tag not in ("!", _CORE + ("map" if mapping else "seq")):
            raise _problem(event.start_mark, f"unsupported tag '{_short_tag(tag)}'")
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
            if self.with_marks:
                frame.marks.append((mark.line + 1, mark.column + 1, marks))
            return
        if frame.key_mark is None:
            self._set_key(frame, value, mark)
            return
        key = frame.key
        container[key] = value
        if self.with_marks:
            frame.marks[key] = (*frame.key_mark, marks)
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
            if as_key:
                return _MERGE if value == "<<" else value
            return _resolve_plain(value)
        return _resolve_tagged(value, tag, event.start_mark, as_key)


def _resolve_plain(value: str) -> object:
    """A plain scalar's value under the YAML 1.2 core schema."""
    if not value:
        return None
    first = value[0]
    if first in "~nN":
        return None if _NULL_RE.match(value) else value
    if first in "tTfF":
        return (first in "tT") if _BOOL_RE.match(value) else value
    if first in _NUMBER_START:
        if _INT_RE.match(value):
            return _to_int(value)
        if _FLOAT_RE.match(value):
            return _to_float(value)
    return value


def _resolve_tagged(value: str, tag: str, mark: Any, as_key: bool) -> object:
    if tag == _CORE + "str" or as_key:
        return value
    converted: object = value
    if tag == _CORE + "int" and _INT_RE.match(value):
        converted = _to_int(value)
    elif tag == _CORE + "float" and (_FLOAT_RE.match(value) or _INT_RE.match(value)):
        converted = _to_float(value)
    elif tag == _CORE + "bool" and _BOOL_RE.match(value):
        converted = value[0] in "tT"
    elif tag == _CORE + "null" and (not value or _NULL_RE.match(value)):
        converted = None
    elif tag.startswith(_CORE) and tag[len(_CORE) :] in ("int", "float", "bool", "null"):
        raise _problem(mark, f"'{value}' is not a valid !!{tag[len(_CORE) :]}")
    else:
        raise _problem(mark, f"unsupported tag '{_short_tag(tag)}'")
    return converted


def _short_tag(tag: str) -> str:
    return "!!" + tag[len(_CORE) :] if tag.startswith(_CORE) else tag


def _to_int(value: str) -> int | str:
    digits = value.replace("_", "")
    try:
        return int(digits, 0) if digits.lstrip("+-")[:2] in ("0b", "0o", "0x") else int(digits)
    except ValueError:
        return value


def _to_float(value: str) -> float:
    digits = value.replace("_", "").lower()
    if digits.endswith(".inf"):
        return float("-inf") if digits.startswith("-") else float("inf")
    if digits == ".nan":
        return float("nan")
    return float(digits)


def _problem(mark: Any, message: str) -> YamlProblem:
    return YamlProblem(mark.line + 1, mark.column + 1, message)


def _yaml_message(exc: MarkedYAMLError) -> str:
    problem = exc.problem or "invalid YAML"
    if exc.context:
        return f"invalid YAML: {problem} ({exc.context})"
    return f"invalid YAML: {problem}"


def _line_col(text: str, index: int) -> tuple[int, int]:
    index = max(0, min(index, len(text)))
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def _flow_too_deep(text: str) -> tuple[int, int, str] | None:
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
                line, col = _line_col(text, match.start())
                message = f"flow collections ('[', '{{') nested deeper than {MAX_FLOW_DEPTH}"
                return line, col, message
        elif depth:
            depth -= 1
    return None
