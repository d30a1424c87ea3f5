"""Pydantic validation errors -> problems a person can act on, at the exact key or item.

Each pydantic error ``loc`` starts with the union tag (``"Project"``) and continues with
keys and indexes as written in the file; the rest maps onto the document's marks.
Unknown fields get a "did you mean" hint computed from the model's own field names.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from typing import Any, Final

from pydantic import BaseModel, ValidationError

from reconciler.config.models import (
    ENTRY_TAGS,
    Company,
    Policy,
    Project,
    Review,
    Role,
    TimedGroup,
    TimedUser,
)
from reconciler.config.positions import PathItem, SourceDocument
from reconciler.errors import Problem

MODELS: Final[dict[str, type[BaseModel]]] = {
    "Company": Company,
    "Project": Project,
    "Role": Role,
    "Policy": Policy,
    "Review": Review,
}
#: The model of a ``{...}`` list entry, by the list's key.
ENTRY_MODELS: Final[dict[str, type[BaseModel]]] = {"users": TimedUser, "groups": TimedGroup}
KINDS: Final = tuple(MODELS)


def did_you_mean(word: str, choices: Sequence[str]) -> str:
    """``"; did you mean 'x'?"`` for the closest choice, or ``""`` when none is close."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    if not close and word.lower() in {c.lower() for c in choices}:
        close = [c for c in choices if c.lower() == word.lower()]
    return f"; did you mean '{close[0]}'?" if close else ""


def label(path: Sequence[PathItem]) -> str:
    """``members.users[3]`` for ``("members", "users", 3)``."""
    text = ""
    for item in path:
        text += f"[{item}]" if isinstance(item, int) else (f".{item}" if text else item)
    return text


def allowed_fields(kind: str, path: Sequence[PathItem]) -> list[str]:
    """The keys the model accepts in the mapping at ``path`` of a ``kind`` document."""
    model: type[BaseModel] | None = MODELS.get(kind)
    for index, item in enumerate(path):
        if isinstance(item, int) and index:
            model = ENTRY_MODELS.get(str(path[index - 1]))
            continue
        if model is None or not isinstance(item, str):
            return []
        model = _field_model(model, item)
    if model is None:
        return []
    return [f.alias or name for name, f in model.model_fields.items()]


def _field_model(model: type[BaseModel], key: str) -> type[BaseModel] | None:
    for name, info in model.model_fields.items():
        if (info.alias or name) == key:
            annotation = info.annotation
            if isinstance(annotation, type) and issubclass(annotation, BaseModel):
                return annotation
    return None


def problems_from_validation(exc: ValidationError, source: SourceDocument) -> list[Problem]:
    problems = []
    for error in exc.errors(include_url=False):
        loc = tuple(error["loc"])
        kind = str(loc[0]) if loc and loc[0] in MODELS else ""
        path = _path(loc[1:] if kind else loc)
        message = explain(error, kind, path)
        target = path
        if error["type"] == "union_tag_invalid":
            target = ("kind",)
        problems.append(Problem(source.position(target), message, code=str(error["type"])))
    return problems


def _path(loc: Sequence[object]) -> tuple[PathItem, ...]:
    """Keys and indexes as written: the union tag of a list entry (``plain``/``timed``,
    right after its index) is pydantic's, not the file's."""
    path: list[PathItem] = []
    for item in loc:
        if isinstance(item, str) and item in ENTRY_TAGS and path and isinstance(path[-1], int):
            continue
        if isinstance(item, str | int):
            path.append(item)
    return tuple(path)


def explain(error: Any, kind: str, path: tuple[PathItem, ...]) -> str:
    """One sentence for one pydantic error."""
    kind_of = error["type"]
    where = label(path)
    value = error.get("input")
    if kind_of == "union_tag_not_found":
        return f"missing 'kind' (one of {', '.join(KINDS)})"
    if kind_of == "union_tag_invalid":
        tag = str(error.get("ctx", {}).get("tag", value))
        return f"unknown kind '{tag}'; expected one of {', '.join(KINDS)}" + did_you_mean(
            tag, KINDS
        )
    if kind_of == "extra_forbidden":
        key = str(path[-1]) if path else "?"
        allowed = allowed_fields(kind, path[:-1])
        hint = did_you_mean(key, allowed) or (
            f"; allowed here: {', '.join(allowed)}" if allowed else ""
        )
        return f"unknown field '{where}' in {kind}{hint}"
    if kind_of == "missing":
        if where == "apiVersion":
            return "missing 'apiVersion' (expected 'reconciler/v1')"
        return f"missing required field '{where}' in {kind}"
    if kind_of == "literal_error":
        return _literal(error, where, value)
    return f"{where or kind}: {_plain(error, value)}"


def _literal(error: Any, where: str, value: object) -> str:
    expected = str(error.get("ctx", {}).get("expected", ""))
    choices = [c.strip().strip("'") for c in expected.replace(" or ", ", ").split(",")]
    choices = [c for c in choices if c]
    if where == "apiVersion":
        return f"apiVersion must be 'reconciler/v1', not {value!r}"
    if where.startswith("permissions["):
        hint = did_you_mean(str(value), choices)
        return f"unknown permission {value!r}; expected one of {', '.join(choices)}{hint}"
    hint = did_you_mean(str(value), choices) if isinstance(value, str) else ""
    return f"{where}: {value!r} is not allowed; expected one of {', '.join(choices)}{hint}"


_TYPE_NAMES: Final = {
    str: "a string",
    int: "a number",
    float: "a number",
    bool: "true/false",
    list: "a list",
    dict: "a mapping",
    type(None): "nothing (null)",
}


def _plain(error: Any, value: object) -> str:
    kind_of = error["type"]
    got = _TYPE_NAMES.get(type(value), type(value).__name__)
    expected = {
        "string_type": "a string",
        "bool_type": "true or false",
        "int_type": "a whole number",
        "list_type": "a list",
        "model_type": "a mapping",
        "dict_type": "a mapping",
        "model_attributes_type": "a mapping",
    }.get(kind_of)
    if expected is not None:
        quote = expected == "a string" and value is not None
        hint = " (quote it to make it a string)" if quote else ""
        return f"expected {expected}, got {got}{hint}"
    if kind_of == "string_pattern_mismatch":
        return "must not be empty or start or end with whitespace"
    if kind_of == "string_too_short":
        return "must not be empty"
    if kind_of == "greater_than_equal":
        return f"must be {error.get('ctx', {}).get('ge')} or more, not {value!r}"
    return str(error["msg"])
