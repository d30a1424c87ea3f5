"""The plan for machines: exactly ``Plan.to_data()``, canonical JSON.

The shape is versioned by ``format_version`` and described by
``schemas/plan.schema.json``; keys are sorted and indentation fixed, so the same plan
gives the same bytes.

``json.dumps`` with ``indent`` runs its pure-Python encoder (the C one serves compact
output only): 1 s for a 100,000-change plan. ``dumps_indented`` gives the same bytes as
``json.dumps(value, sort_keys=True, indent=2, ensure_ascii=False)`` in a third of that,
strings escaped by the C encoder and joined a list at a time.
"""

from __future__ import annotations

import json
from json.encoder import encode_basestring
from typing import Any

from reconciler.plan.model import AccessDelta, Plan, Sight

#: ``json.dumps(text, ensure_ascii=False)`` for a str: the C escaper, called directly
_STRING = encode_basestring
_INDENT = 2


def render_json(plan: Plan) -> str:
    """``Plan.to_data()`` as indented JSON with sorted keys, ending with a newline.

    The access impact, the longest part of a large plan (a sight is a list of three
    strings over five lines), is written from the plan's own values: users who gain and
    lose alike share the planner's tuples of sights, each written once."""
    data = plan.to_data(impact=False)
    data["access_impact"] = _Written(_impact(plan.access_impact, 1))
    return dumps_indented(data) + "\n"


def dumps_indented(value: Any) -> str:
    """``json.dumps(value, sort_keys=True, indent=2, ensure_ascii=False)``, faster."""
    return _encode(value, 0)


class _Written:
    """JSON text already written, put in place as it is."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


def _impact(deltas: tuple[AccessDelta, ...], level: int) -> str:
    """``_encode([d.to_dict() for d in deltas], level)``, each tuple of sights once."""
    if not deltas:
        return "[]"
    written: dict[int, str] = {}
    inner, outer = "\n" + " " * (_INDENT * (level + 4)), "\n" + " " * (_INDENT * (level + 3))
    sight = "[" + inner + "{}," + inner + "{}," + inner + "{}" + outer + "]"

    def sights(found: tuple[Sight, ...]) -> str:
        text = written.get(id(found))
        if text is None:
            each = [sight.format(_STRING(k), _STRING(o), _STRING(p)) for k, o, p in found]
            text = written[id(found)] = _wrap("[", each, "]", level + 2) if each else "[]"
        return text

    items = [
        _wrap(
            "{",
            [
                f'"gained": {sights(delta.gained)}',
                f'"lost": {sights(delta.lost)}',
                f'"user": {_STRING(delta.user)}',
            ],
            "}",
            level + 1,
        )
        for delta in deltas
    ]
    return _wrap("[", items, "]", level)


def _encode(value: Any, level: int) -> str:
    if isinstance(value, str):
        return _STRING(value)
    if isinstance(value, _Written):
        return value.text
    if isinstance(value, dict):
        return _encode_dict(value, level)
    if isinstance(value, list | tuple):
        return _encode_list(value, level)
    return json.dumps(value)  # numbers, booleans, None: as json writes them


def _wrap(open_: str, items: list[str], close: str, level: int) -> str:
    inner = "\n" + " " * (_INDENT * (level + 1))
    return open_ + inner + ("," + inner).join(items) + "\n" + " " * (_INDENT * level) + close


def _encode_dict(value: dict[str, Any], level: int) -> str:
    if not value:
        return "{}"
    items = [f"{_STRING(key)}: {_encode(value[key], level + 1)}" for key in sorted(value)]
    return _wrap("{", items, "}", level)


def _encode_list(value: list[Any] | tuple[Any, ...], level: int) -> str:
    if not value:
        return "[]"
    if all(type(item) is str for item in value):  # the common case, e.g. [kind, object, project]
        return _wrap("[", list(map(_STRING, value)), "]", level)
    return _wrap("[", [_encode(item, level + 1) for item in value], "]", level)
