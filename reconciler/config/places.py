"""Where each document and its listed names are, without the documents' models.

A plan asks for positions (``file:line`` in removal reasons, notes and violations) long
after the files were validated. :class:`Places` keeps only what those questions need (the
documents' sources and their lists of names), so the validated models can be freed
before the live state is read (35 MB of models at 10,000 projects; 15 MB of peak RSS).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from reconciler.config.loaded import KindName, LoadedConfig, LoadedDocument
from reconciler.config.models import Policy, Project, Role
from reconciler.config.positions import PathItem, SourceDocument
from reconciler.errors import Position
from reconciler.kinds import OBJECT_KINDS

Lists = dict[tuple[str, ...], list[str]]

#: Each object kind and its path, made once (the keys of every project's lists).
_OBJECT_PATHS = tuple((kind, ("objects", kind)) for kind in OBJECT_KINDS)
_USERS, _GROUPS, _PREVIOUS = ("members", "users"), ("members", "groups"), ("previous_names",)


@dataclass(frozen=True, eq=False)
class Place:
    """One document's source and its lists of names, by path."""

    source: SourceDocument
    lists: Lists

    def position(self, path: Sequence[PathItem] = ()) -> Position:
        return self.source.position(path)

    def item_position(self, path: tuple[str, ...], value: str) -> Position:
        """As ``LoadedDocument.item_position``: where ``value`` is first listed at
        ``path``, else the list itself."""
        items = self.lists.get(path, [])
        if value in items:
            return self.source.position((*path, items.index(value)))
        return self.source.position(path)


class Places:
    """The place of the first document declaring each ``(kind, name)``, as
    ``LoadedConfig.document`` finds it."""

    def __init__(self, loaded: LoadedConfig) -> None:
        self._places: dict[tuple[str, str | None], Place] = {}
        for document in loaded.documents:
            key = (document.kind, document.name)
            if key not in self._places:
                self._places[key] = Place(document.source, _lists(document))

    def get(self, kind: KindName, name: str | None = None) -> Place | None:
        return self._places.get((kind, name))


def _lists(document: LoadedDocument) -> Lists:
    """The document's non-empty lists of names (an absent one is looked up as empty);
    lists of plain names are the model's own."""
    model = document.model
    if isinstance(model, Project):
        objects = model.objects
        found: Lists = {
            path: items for kind, path in _OBJECT_PATHS if (items := getattr(objects, kind))
        }
        for path, items in (
            (_USERS, model.members.logins),
            (_GROUPS, model.members.group_names),
            (_PREVIOUS, model.previous_names),
        ):
            if items:
                found[path] = items
        return found
    if isinstance(model, Role):
        return {("users",): model.logins} if model.users else {}
    if isinstance(model, Policy):
        return {("isolate",): model.isolate} if model.isolate else {}
    return {}
