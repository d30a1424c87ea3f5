"""What a live system can promise: the planner, the executor and drift ask, not assume.

The projects API v1 (``schemas/api.md``) promises everything below. The platform's own
web app (``reconciler.live.okitoki``) keeps no project versions, no groups as project
members, no change log that the reconciler can read, and no IP phones in its project
editor; a plan against it says what that means, and refuses what it cannot do.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from reconciler.kinds import OBJECT_KINDS


@dataclass(frozen=True, slots=True)
class Capabilities:
    """One target's promises (``label`` names the API in notes and ``doctor``)."""

    label: str = "projects API v1"
    #: every project write carries the version it was planned against (If-Match)
    versions: bool = True
    #: groups can be project members (else a group in the files means its users)
    group_members: bool = True
    #: a queue, call script, auto-dialer or CRM form moves in one operation
    atomic_moves: bool = True
    #: a change log says who changed what (drift attribution)
    change_log: bool = True
    #: the security type can be changed through it
    security_type_writes: bool = True
    #: a project's members and objects are written as whole lists, one per type
    whole_list_writes: bool = False
    #: the object kinds it can put into projects
    object_kinds: frozenset[str] = field(default_factory=lambda: frozenset(OBJECT_KINDS))
    #: reading members and objects costs one request per project (else: per page)
    reads_per_project: bool = False


FULL = Capabilities()
