"""Scalars under YAML 1.2's core schema: ``true``/``false``, ints, floats, null; dates and
everything else stay strings. Used by :mod:`reconciler.config.yamlread`."""

from __future__ import annotations

import re
from typing import Final

CORE: Final = "tag:yaml.org,2002:"
_NULL_RE = re.compile(r"^(?:~|null|Null|NULL)$")
_BOOL_RE = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_INT_RE = re.compile(r"^(?:[-+]?0b[0-1_]+|[-+]?0o[0-7_]+|[-+]?[0-9_]+|[-+]?0x[0-9a-fA-F_]+)$")
_FLOAT_RE = re.compile(
    r"^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)"
    r"|[-+]?\.[0-9_]+(?:[eE][-+][0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
)
_NUMBER_START: Final = frozenset("-+0123456789.")


class TagError(ValueError):
    """A tag this reader does not support, or a value its tag does not allow."""


def resolve_plain(value: str) -> object:
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


def resolve_tagged(value: str, tag: str, as_key: bool) -> object:
    """A scalar with an explicit core tag; :class:`TagError` for any other tag."""
    if tag == CORE + "str" or as_key:
        return value
    converted: object = value
    if tag == CORE + "int" and _INT_RE.match(value):
        converted = _to_int(value)
    elif tag == CORE + "float" and (_FLOAT_RE.match(value) or _INT_RE.match(value)):
        converted = _to_float(value)
    elif tag == CORE + "bool" and _BOOL_RE.match(value):
        converted = value[0] in "tT"
    elif tag == CORE + "null" and (not value or _NULL_RE.match(value)):
        converted = None
    elif tag.startswith(CORE) and tag[len(CORE) :] in ("int", "float", "bool", "null"):
        raise TagError(f"'{value}' is not a valid !!{tag[len(CORE) :]}")
    else:
        raise TagError(f"unsupported tag '{short_tag(tag)}'")
    return converted


def short_tag(tag: str) -> str:
    return "!!" + tag[len(CORE) :] if tag.startswith(CORE) else tag


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
