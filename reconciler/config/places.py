"""Where each document and its listed names are, without the documents' models.

A plan asks for positions (``file:line`` in removal reasons, notes and violations) long
after the files were validated. :class:`Places` keeps only what those questions need (the
documents' sources and their lists of names), so the validated models can be freed
before the live state is read (35 MB of models at 10,000 projects; 15 MB of peak RSS).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import accumulate, chain

from reconciler.config.loaded import KindName, LoadedConfig, LoadedDocument
from reconciler.config.models import Policy, Project, Role
from reconciler.config.positions import PathItem, SourceDocument
from reconciler.errors import Position
from reconciler.kinds import OBJECT_KINDS

#: Which of a kind's lists each path is (its index in ``Place.ends``).
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
    ``LoadedConfig.document`` finds it."""

    def __init__(self, loaded: LoadedConfig) -> None:
        self._places: dict[tuple[str, str | None], Place] = {}
        for document in loaded.documents:
            key = (document.kind, document.name)
            if key not in self._places:
                self._places[key] = _place(document)

    def get(self, kind: KindName, name: str | None = None) -> Place | None:
        return self._places.get((kind, name))


def _place(document: LoadedDocument) -> Place:
    model = document.model
    lists: list[list[str]] = []
    paths = _NONE
    if isinstance(model, Project):
        members, objects, paths = model.members, model.objects, _PROJECT
        lists = [model.previous_names, members.logins, members.group_names]
        lists += [getattr(objects, kind) for kind in OBJECT_KINDS]
    elif isinstance(model, Role):
        lists, paths = [model.logins], _ROLE
    elif isinstance(model, Policy):
        lists, paths = [model.isolate], _POLICY
    ends = tuple(accumulate(map(len, lists)))
    return Place(document.source, paths, tuple(chain.from_iterable(lists)), ends)
