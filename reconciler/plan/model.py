"""The Plan: what the planner produces and every renderer and the executor consume."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from reconciler.errors import Position
from reconciler.plan.changes import Change

FORMAT_VERSION = 1


@dataclass(frozen=True, order=True, slots=True)
class Violation:
    """A failed safety check or policy. ``blocking`` violations make a plan not applicable."""

    code: str
    message: str
    position: Position | None = None
    blocking: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.message,
            "position": str(self.position) if self.position else None,
            "blocking": self.blocking,
        }


class Sight(NamedTuple):
    """One object a user can see, and the project that grants it ("*" for everything).

    A named tuple: a large plan holds hundreds of thousands, made and sorted as tuples."""

    kind: str
    object: str
    project: str


@dataclass(frozen=True, order=True, slots=True)
class AccessDelta:
    """How one user's effective visibility changes."""

    user: str
    gained: tuple[Sight, ...] = ()
    lost: tuple[Sight, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "user": self.user,
            "gained": [[s.kind, s.object, s.project] for s in self.gained],
            "lost": [[s.kind, s.object, s.project] for s in self.lost],
        }


@dataclass(frozen=True, order=True, slots=True)
class Unplaced:
    """A user the plan leaves in no project who holds neither Admin nor ``view_all``:
    they see nothing after apply. ``leaves`` are the projects they were in (directly or
    through a group), empty when they saw everything before."""

    user: str
    leaves: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"user": self.user, "leaves": list(self.leaves)}


@dataclass(frozen=True, slots=True)
class Plan:
    changes: tuple[Change, ...]
    live_fingerprint: str
    desired_fingerprint: str
    violations: tuple[Violation, ...] = ()
    access_impact: tuple[AccessDelta, ...] = ()
    unmanaged_projects: tuple[str, ...] = ()
    unmanaged_roles: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())
    #: projects whose deletion ``--allow-delete`` acknowledged (sorted)
    allow_delete: tuple[str, ...] = ()
    unplaced: tuple[Unplaced, ...] = ()
    #: the UTC day the plan was made for (``--now``, else the clock): expiries use it
    as_of: str | None = None
    #: ``checksum()`` once computed: a plan is frozen, and rendering, the audit record
    #: and every write header ask for it (``dataclasses.replace`` starts it afresh)
    _checksum: str | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def applicable(self) -> bool:
        return not any(v.blocking for v in self.violations)

    @property
    def empty(self) -> bool:
        return not self.changes

    def summary(self) -> dict[str, int]:
        """Counts per action (add, remove, create, ...), sorted by action name."""
        counts = Counter(c.action for c in self.changes)
        return dict(sorted(counts.items()))

    def body(self) -> dict[str, Any]:
        """Everything that defines the plan, in a canonical JSON-ready form
        (``allow_delete`` only when the plan was made with ``--allow-delete``, ``as_of``
        only when the plan knows its day)."""
        body = self._body()
        body["changes"], body["access_impact"] = list(self._changes), list(self._impact)
        return body

    @property
    def _changes(self) -> Iterator[dict[str, Any]]:
        return (c.to_dict() for c in self.changes)

    @property
    def _impact(self) -> Iterator[dict[str, Any]]:
        return (d.to_dict() for d in self.access_impact)

    def _body(self) -> dict[str, Any]:
        """``body()`` with its two long lists as iterators of their items."""
        body: dict[str, Any] = {
            "format_version": FORMAT_VERSION,
            "changes": self._changes,
            "summary": self.summary(),
            "access_impact": self._impact,
            "violations": [v.to_dict() for v in self.violations],
            "unmanaged": {
                "projects": list(self.unmanaged_projects),
                "roles": list(self.unmanaged_roles),
            },
            "notes": list(self.notes),
            "unplaced": [u.to_dict() for u in self.unplaced],
            "applicable": self.applicable,
            "live_fingerprint": self.live_fingerprint,
            "desired_fingerprint": self.desired_fingerprint,
        }
        if self.allow_delete:
            body["allow_delete"] = list(self.allow_delete)
        if self.as_of is not None:
            body["as_of"] = self.as_of
        return body

    def checksum(self) -> str:
        if self._checksum:
            return self._checksum
        body = self._body()
        body["access_impact"] = _encoded_impact(self.access_impact)
        return self._remember(body)

    def _remember(self, body: dict[str, Any]) -> str:
        digest = _checksum(body)
        object.__setattr__(self, "_checksum", digest)
        return digest

    def to_data(self, *, impact: bool = True) -> dict[str, Any]:
        """``body()`` and its ``checksum``; without ``access_impact`` when ``impact`` is
        false (for a writer that writes it from ``self.access_impact`` itself)."""
        data = self._body()
        data["changes"] = list(data["changes"])
        if impact:
            data["access_impact"] = list(data["access_impact"])
        else:
            del data["access_impact"]
        data["checksum"] = self.checksum()
        return data


def _checksum(body: dict[str, Any]) -> str:
    """SHA-256 of ``json.dumps(body, sort_keys=True, separators=(",", ":"))``, written
    to the hash in pieces: a list given as an iterator is encoded item by item, so the
    changes and the access impact of a large plan never exist as one text (at 10,000
    projects, a 10% change's plan is over 100 MB of JSON)."""
    digest = hashlib.sha256()
    pieces: list[str] = ["{"]
    for index, key in enumerate(sorted(body)):
        pieces.append(("," if index else "") + _ENCODE(key) + ":")
        value = body[key]
        if not isinstance(value, Iterator):
            pieces.append(_ENCODE(value))
            continue
        pieces.append("[")
        for position, item in enumerate(value):
            text = item if isinstance(item, _Encoded) else _ENCODE(item)
            pieces.append(("," if position else "") + text)
            if len(pieces) >= _PIECES:
                digest.update("".join(pieces).encode())
                pieces.clear()
        pieces.append("]")
    pieces.append("}")
    digest.update("".join(pieces).encode())
    return "sha256:" + digest.hexdigest()


_ENCODE = json.JSONEncoder(sort_keys=True, separators=(",", ":")).encode


class _Encoded(str):
    """An item ``_checksum`` takes as already encoded."""

    __slots__ = ()


def _encoded_impact(deltas: tuple[AccessDelta, ...]) -> Iterator[_Encoded]:
    """``_ENCODE(d.to_dict())`` of each delta, each tuple of sights encoded once (users
    who gain and lose alike share the planner's tuples)."""
    written: dict[int, str] = {}

    def sights(found: tuple[Sight, ...]) -> str:
        text = written.get(id(found))
        if text is None:
            text = written[id(found)] = _ENCODE([list(s) for s in found])
        return text

    for d in deltas:
        user = _ENCODE(d.user)
        yield _Encoded(f'{{"gained":{sights(d.gained)},"lost":{sights(d.lost)},"user":{user}}}')


#: Items encoded before they go to the hash.
_PIECES = 4096
