"""The loader's result: typed documents, where each came from, and a digest of the files."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Literal

from reconciler.config.models import Company, Policy, Project, Review, Role, names
from reconciler.config.positions import PathItem, SourceDocument
from reconciler.errors import Position
from reconciler.kinds import DEFAULT_PROJECT

Model = Company | Project | Role | Policy | Review
KindName = Literal["Company", "Project", "Role", "Policy", "Review"]


@dataclass(frozen=True, eq=False)
class LoadedDocument:
    """A validated document and its place in the files."""

    model: Model
    source: SourceDocument

    @property
    def kind(self) -> str:
        return self.model.kind

    @cached_property
    def name(self) -> str | None:
        """The declared name (``None`` for the Company and a Review); asked by every rule."""
        return None if isinstance(self.model, Company | Review) else self.model.name

    def position(self, path: Sequence[PathItem] = ()) -> Position:
        return self.source.position(path)

    def item_position(self, path: Sequence[PathItem], value: str) -> Position:
        """Where ``value`` is listed in the list at ``path`` (the first listing)."""
        items = _list_at(self.model, path)
        if value in items:
            return self.source.position((*path, items.index(value)))
        return self.source.position(path)


def _list_at(model: Model, path: Sequence[PathItem]) -> list[str]:
    current: object = model
    for item in path:
        current = getattr(current, str(item), None)
    return names(current) if isinstance(current, list) else []


class LoadedConfig:
    """Every document of a valid config directory, with position lookups.

    ``files`` are the YAML files read (paths relative to ``config_dir``, POSIX form,
    sorted); ``files_digest`` is the sha256 over them (see ``loader.files_digest``) and
    binds a saved plan to the exact files it was made from. The ``*_position`` methods
    never raise: for something not declared they fall back to the nearest known place.
    """

    def __init__(
        self,
        config_dir: Path,
        files: Sequence[str],
        files_digest: str,
        documents: Sequence[LoadedDocument],
    ) -> None:
        self.config_dir = config_dir
        self.files = tuple(files)
        self.files_digest = files_digest
        self.documents = tuple(documents)
        self._by_name: dict[tuple[str, str | None], LoadedDocument] = {}
        for document in self.documents:
            self._by_name.setdefault((document.kind, document.name), document)
        companies = [d.model for d in self.documents if isinstance(d.model, Company)]
        self.company: Company | None = companies[0] if companies else None
        self.projects = tuple(d.model for d in self.documents if isinstance(d.model, Project))
        self.roles = tuple(d.model for d in self.documents if isinstance(d.model, Role))
        self.policies = tuple(d.model for d in self.documents if isinstance(d.model, Policy))
        self.reviews = tuple(d.model for d in self.documents if isinstance(d.model, Review))

    @property
    def default_project_name(self) -> str:
        return self.company.default_project.name if self.company else DEFAULT_PROJECT

    def document(self, kind: KindName, name: str | None = None) -> LoadedDocument | None:
        """The document declaring ``(kind, name)`` (``name`` is None for the Company)."""
        return self._by_name.get((kind, name))

    def position_of(
        self, kind: KindName, name: str | None = None, path: Sequence[PathItem] = ()
    ) -> Position:
        """Position of ``path`` inside the document declaring ``(kind, name)``."""
        document = self.document(kind, name)
        if document is None:
            return Position(str(self.config_dir))
        return document.position(path)

    def project_position(self, project: str) -> Position:
        """Where project ``project`` is named."""
        return self.position_of("Project", project, ("name",))

    def member_position(self, project: str, member: str, *, group: bool = False) -> Position:
        """Where user (or, with ``group=True``, group) ``member`` is listed in ``project``."""
        return self._item("Project", project, ("members", "groups" if group else "users"), member)

    def object_position(self, project: str, kind: str, name: str) -> Position:
        """Where object ``name`` of ``kind`` (e.g. ``"queues"``) is listed in ``project``."""
        return self._item("Project", project, ("objects", kind), name)

    def role_user_position(self, role: str, user: str) -> Position:
        """Where ``user`` is listed as a holder of ``role``."""
        return self._item("Role", role, ("users",), user)

    def isolate_position(self, policy: str, project: str) -> Position:
        """Where ``project`` is listed in ``policy``'s ``isolate``."""
        return self._item("Policy", policy, ("isolate",), project)

    def _item(self, kind: KindName, name: str, path: tuple[str, ...], value: str) -> Position:
        document = self.document(kind, name)
        if document is None:
            return Position(str(self.config_dir))
        return document.item_position(path, value)
