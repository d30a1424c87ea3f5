"""YAML text for the importer's documents: block style, conservative quoting.

The documents are small trees: mappings with string keys, lists of strings (or of flat
mappings: time-limited members), strings, dates and booleans. ruamel's round-trip
emitter needed ~2 ms a file (2.3 s of a 1,000-project import); writing this one shape
directly takes a few microseconds, in the layout people write by hand (lists indented
under their key, ``- item``).

A string is written plain only when no YAML reader can take it for anything else: it
starts with a letter, holds only letters, digits, spaces and ``_.@()/+-``, and is not a
YAML 1.1 boolean or null word (``yes``, ``off``, ``null``, ...). Every other string is
double-quoted with JSON's escapes (valid YAML), plus escapes for the characters YAML
does not allow raw.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import date
from typing import Final

_PLAIN: Final = re.compile(r"[A-Za-z][A-Za-z0-9_.@()/+ -]*")
_WORDS: Final = frozenset({"y", "yes", "n", "no", "true", "false", "on", "off", "null"})
#: Characters JSON leaves raw that YAML does not allow raw, or (in YAML 1.1 readers such
#: as libyaml) takes for line breaks: DEL, C1 controls, NEL, LS, PS, BOM, non-characters.
_ESCAPE: Final = re.compile("[\x7f-\x9f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff]")


def scalar(text: str) -> str:
    """``text`` as a YAML scalar that reads back as exactly that string."""
    if _PLAIN.fullmatch(text) and not text.endswith(" ") and text.lower() not in _WORDS:
        return text
    quoted = json.dumps(text, ensure_ascii=False)
    return _ESCAPE.sub(lambda m: f"\\u{ord(m.group()):04x}", quoted)


def emit(document: Mapping[str, object], comments: Mapping[str, str] | None = None) -> str:
    """One document as block YAML; ``comments`` go above the given top-level keys."""
    lines: list[str] = []
    _mapping(document, "", lines, comments or {})
    return "\n".join(lines) + "\n"


def _mapping(
    mapping: Mapping[str, object], indent: str, lines: list[str], comments: Mapping[str, str]
) -> None:
    for key, value in mapping.items():
        lines.extend(f"{indent}# {line}".rstrip() for line in comments.get(key, "").splitlines())
        head = f"{indent}{scalar(key)}:"
        if isinstance(value, Mapping):
            if not value:
                lines.append(f"{head} {{}}")
                continue
            lines.append(head)
            _mapping(value, indent + "  ", lines, {})
        elif isinstance(value, list):
            if not value:
                lines.append(f"{head} []")
                continue
            lines.append(head)
            for item in value:
                lines.extend(_item(item, indent + "  "))
        else:
            lines.append(f"{head} {_value(value)}")


def _item(item: object, indent: str) -> list[str]:
    """A list entry: a scalar, or a flat mapping (a time-limited member) whose first key
    sits on the dash line."""
    if not isinstance(item, Mapping):
        return [f"{indent}- {_value(item)}"]
    return [
        f"{indent}{'- ' if index == 0 else '  '}{scalar(str(key))}: {_value(value)}"
        for index, (key, value) in enumerate(item.items())
    ]


def _value(value: object) -> str:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return scalar(value)
    if isinstance(value, int):
        return str(value)
    raise TypeError(f"cannot write {type(value).__name__} as a YAML scalar here")
