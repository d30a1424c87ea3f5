"""What a live system offers the reconciler: the seam between plan/apply and a platform.

The planner and the executor see only this protocol, ``Snapshot`` and change values;
URL shapes and JSON belong to the adapter that implements it (``client.py`` for the
projects API v1). An adapter for another server implements the same four methods.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from reconciler.capabilities import Capabilities
from reconciler.plan.changes import Change
from reconciler.state.snapshot import Snapshot

if TYPE_CHECKING:  # what ``diagnose`` answers: only ``doctor`` loads it
    from reconciler.live.probe import Check


@dataclass(frozen=True, slots=True)
class Identity:
    """The user a token acts as, and what it may do."""

    login: str
    is_admin: bool
    permissions: frozenset[str]

    def has(self, permission: str) -> bool:
        return self.is_admin or permission in self.permissions


@dataclass(frozen=True, slots=True)
class WriteMeta:
    """Client metadata sent with every write (headers), linking it to git and the plan;
    ``apply`` is the run id of one apply, which tells two applies of one plan apart."""

    commit: str | None = None
    plan: str | None = None
    actor: str | None = None
    apply: str | None = None


@dataclass(frozen=True, slots=True)
class WriteResult:
    """The platform change-log ids a write produced. ``by`` is set when the change was
    already in place, made by another writer (named there): this write made nothing."""

    change_ids: tuple[int, ...] = ()
    by: str | None = None


class LiveSystem(Protocol):
    #: what this API promises (versions, group members, a change log, ...)
    capabilities: Capabilities

    async def whoami(self) -> Identity:
        """The token's user and permissions."""
        ...

    async def fetch_snapshot(self, like: Snapshot | None = None) -> Snapshot:
        """The whole company, in a number of requests independent of the project count.

        ``like`` (the desired state) is a hint for memory only: an adapter may answer
        parts equal to ``like``'s as ``like``'s own objects, held once."""
        ...

    async def write(self, changes: Sequence[Change], meta: WriteMeta) -> WriteResult:
        """Carry out changes that share one ``batch_key`` in as few requests as the API
        allows (one per project for member/object adds and removes).

        Every write to a project carries ``If-Match`` with the version this client last
        saw for it (from ``fetch_snapshot`` or its own earlier writes); a mismatch raises
        ``ConflictError``. Concurrent calls that touch the same project are serialized
        inside the client, so callers may run independent batches concurrently.

        A write whose answer was lost, or that was refused as a conflict, is checked
        before this returns: it returns when the check shows the change in place (``by``
        names another writer when this write did not make it), raises the write's error
        when the check shows it did not land, and raises ``UncertainWriteError`` when
        the check cannot tell.
        """
        ...

    async def diagnose(self) -> list[Check]:
        """Read each of its routes once, validating every answer (``reconciler doctor``)."""
        ...

    async def aclose(self) -> None: ...


class OpenLive(LiveSystem, Protocol):
    """A ``LiveSystem`` used as an async context manager (closed on the way out)."""

    async def __aenter__(self) -> Any: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


@dataclass(frozen=True, slots=True)
class ChangeLogEntry:
    """One entry of the platform's change log, with platform ids turned into names.

    ``subject`` names the resource the entry is about (a project or role name, a user's
    login, ``kind/name`` for an object); ``project`` the project it belongs to. In
    ``before``/``after``, id lists under ``users``/``user_ids``, ``groups``/``group_ids``
    and ``objects``/``object_ids`` become logins, group names and ``[kind, name]`` pairs
    (an id nobody knows any more reads ``"#<id>"``). ``commit``/``plan``/``client_actor``
    and ``apply`` are the ``X-Reconciler-*`` headers the write carried (``None`` for a
    write by hand).
    """

    id: int
    time: str
    actor_login: str
    action: str
    resource: str
    subject: str | None = None
    project: str | None = None
    before: Mapping[str, Any] | None = None
    after: Mapping[str, Any] | None = None
    commit: str | None = None
    plan: str | None = None
    client_actor: str | None = field(default=None)
    apply: str | None = None


@runtime_checkable
class ChangeLogReader(Protocol):
    async def read_changelog(
        self, *, project: str | None = None, since: str | None = None
    ) -> list[ChangeLogEntry]:
        """Every change-log entry the token may see (of ``project`` only, when given;
        from the RFC 3339 time ``since``, when given), oldest first."""
        ...
