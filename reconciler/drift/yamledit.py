"""Round-trip editing of config files: load, change a few values, dump the rest as it was.

ruamel.yaml's round-trip mode keeps comments, key order, quoting and flow/block style of
everything not touched; the indentation of block sequences is guessed from the text so
new entries line up with old ones. Values written here go through ``scalar``: a value
is written plain only where the importer would write it plain (``importer.emit``),
else double-quoted with escapes, because ruamel's idea of a safe plain or single-quoted
scalar is not libyaml's (``12:30`` in a flow list, a raw NEL inside quotes).
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from reconciler.errors import ConfigError, Position, Problem
from reconciler.importer.emit import scalar as plain_or_quoted

_DASH = re.compile(r"^( *)- ")
_KEY = re.compile(r"^( *)[^\s#-][^:]*:\s*(#.*)?$")


@dataclass(slots=True)
class YamlFile:
    """One config file, loaded for round-trip editing; ``text`` is what it held."""

    path: Path
    text: str
    yaml: YAML
    documents: list[Any]
    changed: bool = False
    new: bool = False


def guess_indent(text: str) -> tuple[int, int]:
    """``(mapping indent, dash offset)`` of block sequences in ``text`` (default 2, 2)."""
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    offset, mapping = None, None
    for prev, line in pairwise(lines):
        key, dash = _KEY.match(prev), _DASH.match(line)
        if key and dash and offset is None:
            offset = len(dash.group(1)) - len(key.group(1))
        elif key and mapping is None and not dash:
            grow = (len(line) - len(line.lstrip(" "))) - len(key.group(1))
            if grow > 0:
                mapping = grow
    return (mapping or 2), max(offset if offset is not None else 2, 0)


def new_yaml(text: str = "") -> YAML:
    """A round-trip YAML for ``text``'s layout: never folds long values onto two lines."""
    mapping, offset = guess_indent(text)
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=mapping, sequence=offset + 2, offset=offset)
    yaml.explicit_start = text.lstrip().startswith("---")
    return yaml


def load_file(path: Path) -> YamlFile:
    text = path.read_text(encoding="utf-8")
    yaml = new_yaml(text)
    try:
        documents = [d for d in yaml.load_all(text) if d is not None]
    except YAMLError as exc:
        raise ConfigError([_not_yaml(path, text, exc)]) from exc
    return YamlFile(path, text, yaml, documents)


def _not_yaml(path: Path, text: str, exc: YAMLError) -> Problem:
    """Why ``text`` is not YAML, as ``validate`` says it (its parser, its message, at
    ``path:line:col``); where that parser accepts the text, ruamel's own mark and reason."""
    from reconciler.config.yamlread import parse_text  # noqa: PLC0415 -- only on a failure

    for line, column, message in parse_text(text).problems:
        return Problem(Position(str(path), line, column), message)
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line, column = (mark.line + 1, mark.column + 1) if mark is not None else (0, 0)
    reason = getattr(exc, "problem", None) or "the round-trip parser cannot read it"
    return Problem(Position(str(path), line, column), f"invalid YAML: {reason}")


def dump_file(file: YamlFile) -> str:
    stream = io.StringIO()
    file.yaml.dump_all(file.documents, stream)
    return stream.getvalue()


def scalar(text: str) -> str:
    """``text`` as a value to put into a document: plain when the importer would write
    it plain, else double-quoted."""
    return text if plain_or_quoted(text) == text else DoubleQuotedScalarString(text)


def entry_key(item: Any) -> str:
    """The name a list entry stands for: the value itself, or the ``login`` (``name``)
    of a time-limited ``{login: ..., until: ...}`` entry."""
    if isinstance(item, dict):
        return str(item.get("login", item.get("name", "")))
    return str(item)


def sync_list(parent: CommentedMap, key: str, wanted: Iterable[str]) -> bool:
    """Make ``parent[key]`` hold exactly ``wanted``: drop what is not wanted, append
    the rest sorted; a missing list is created only when something is wanted. Entries
    kept keep their form (a time-limited entry stays one, with its date and reason)."""
    want = set(wanted)
    seq = parent.get(key)
    if not isinstance(seq, list):
        if not want:
            return False
        parent[key] = CommentedSeq(scalar(n) for n in sorted(want))
        return True
    changed = remove_entries(seq, lambda name: name not in want)
    for name in sorted(want - {entry_key(item) for item in seq}):
        seq.append(scalar(name))
        changed = True
    return changed


def remove_entries(seq: list[Any], unwanted: Callable[[str], bool]) -> bool:
    """Delete the entries of ``seq`` whose name is ``unwanted``; whether any was."""
    changed = False
    for index in reversed(range(len(seq))):
        if unwanted(entry_key(seq[index])):
            del seq[index]
            changed = True
    return changed


def insert_after(doc: CommentedMap, after: Iterable[str], key: str, value: Any) -> None:
    """Set ``doc[key]``; a new key goes right after the last of ``after`` present."""
    if key in doc:
        doc[key] = value
        return
    keys = list(doc.keys())
    place = max((keys.index(k) + 1 for k in after if k in keys), default=len(keys))
    doc.insert(place, key, value)


def section(doc: CommentedMap, key: str, needed: bool, before: str | None) -> Any:
    """``doc[key]``, a mapping created before ``before`` when ``needed`` and missing."""
    found = doc.get(key)
    if isinstance(found, dict) or not needed:
        return found
    found = CommentedMap()
    keys = [k for k in doc if k != key]
    if key in doc:
        del doc[key]
    doc.insert(keys.index(before) if before in keys else len(keys), key, found)
    return found
