"""Where each document and its listed names are, without the documents' models.

A plan asks for positions (``file:line`` in removal reasons, notes and violations) long
after the files were validated. :class:`Places` keeps only what those questions need (the
documents' sources and their lists of names), so the validated models can be freed
before the live state is read (35 MB of models at 10,000 projects; 15 MB of peak RSS).
"""

from __future__ import annotations

from collections.abc import ItemsView, Mapping, Sequence
from dataclasses import dataclass
from itertools import accumulate, chain
from typing import TYPE_CHECKING

from reconciler.config.positions import PathItem, SourceDocument
from reconciler.errors import Position
from reconciler.kinds import OBJECT_KINDS
from reconciler.plan.settings import Key, Locate

if TYPE_CHECKING:  # the models are never imported for a plan from the state cache
    from reconciler.config.loaded import KindName, LoadedConfig, LoadedDocument

#: Which of a kind's lists each path is (its index in ``Place.ends``), by kind (``KINDS``).
Paths = Mapping[tuple[str, ...], int]
_PROJECT: Paths = {
    path: index
    for index, path in enumerate(
        [("previous_names",), ("members", "users"), ("members", "groups")]
        + [("objects", kind) for kind in OBJECT_KINDS]
    )
}
_ROLE: Paths = {("users",): 0}
_POLICY: Paths = {("isolate",): 0}
_NONE: Paths = {}
KINDS: Mapping[str, Paths] = {"Project": _PROJECT, "Role": _ROLE, "Policy": _POLICY}


@dataclass(frozen=True, eq=False, slots=True)
class Place:
    """One document's source and its lists of names, one after the other in ``names``
    (list ``i`` ends at ``ends[i]``): one tuple rather than a list each, 7 MB less for
    10,000 projects."""

    source: SourceDocument
    paths: Paths
    names: tuple[str, ...]
    ends: tuple[int, ...]

    def position(self, path: Sequence[PathItem] = ()) -> Position:
        return self.source.position(path)

    def lists(self) -> list[tuple[str, ...]]:
        """The lists of names, in the order of ``paths``."""
        starts = (0, *self.ends)
        return [self.names[start:end] for start, end in zip(starts, self.ends, strict=False)]

    def item_position(self, path: tuple[str, ...], value: str) -> Position:
        """As ``LoadedDocument.item_position``: where ``value`` is first listed at
        ``path``, else the list itself."""
        at = self.paths.get(path)
        if at is None:
            return self.source.position(path)
        start = self.ends[at - 1] if at else 0
        try:
            index = self.names.index(value, start, self.ends[at])
        except ValueError:
            return self.source.position(path)
        return self.source.position((*path, index - start))


class Places:
    """The place of the first document declaring each ``(kind, name)``, as
    ``LoadedConfig.document`` finds it, in the order of the documents."""

    def __init__(self, places: dict[tuple[str, str | None], Place]) -> None:
        self._places = places

    @classmethod
    def of(cls, loaded: LoadedConfig) -> Places:
        places: dict[tuple[str, str | None], Place] = {}
        for document in loaded.documents:
            key = (document.kind, document.name)
            if key not in places:
                places[key] = _place(document)
        return cls(places)

    def get(self, kind: KindName, name: str | None = None) -> Place | None:
        return self._places.get((kind, name))

    def items(self) -> ItemsView[tuple[str, str | None], Place]:
        return self._places.items()


def _place(document: LoadedDocument) -> Place:
    model = document.model
    lists: list[list[str]] = []
    paths = KINDS.get(model.kind, _NONE)
    if model.kind == "Project":
        members, objects = model.members, model.objects
        lists = [model.previous_names, members.logins, members.group_names]
        lists += [getattr(objects, kind) for kind in OBJECT_KINDS]
    elif model.kind == "Role":
        lists = [model.logins]
    elif model.kind == "Policy":
        lists = [model.isolate]
    ends = tuple(accumulate(map(len, lists)))
    return Place(document.source, paths, tuple(chain.from_iterable(lists)), ends)


_KINDS: dict[str, KindName] = {"project": "Project", "role": "Role", "policy": "Policy"}
_LISTS: dict[tuple[str, str], tuple[str, ...]] = {
    ("project", "users"): ("members", "users"),
    ("project", "groups"): ("members", "groups"),
    ("project", "previous_names"): ("previous_names",),
    ("role", "users"): ("users",),
    ("policy", "isolate"): ("isolate",),
}


def locator(source: LoadedConfig | Places) -> Locate:
    """The planner's ``locate`` (key shapes in ``reconciler.plan.settings``) over the
    loader's positions; ``None`` for anything no document declares. It holds the
    documents' places, not their models."""
    places = source if isinstance(source, Places) else Places.of(source)

    def locate(key: Key) -> Position | None:
        if key == ("company",):
            company = places.get("Company")
            return company.position() if company else None
        kind = _KINDS.get(key[0]) if len(key) >= 2 else None
        document = places.get(kind, key[1]) if kind else None
        if document is None:
            return None
        rest = key[2:]
        if not rest:
            return document.position(("name",))
        if len(rest) == 1:
            return document.position(rest)
        if rest[0] == "objects" and len(rest) == 3:
            return document.item_position(("objects", rest[1]), rest[2])
        path = _LISTS.get((key[0], rest[0]))
        return document.item_position(path, rest[1]) if path else document.position()

    return locate
