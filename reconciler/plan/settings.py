"""Planner settings: the knobs a plan depends on besides the two Snapshots.

Some come from files (``normalize`` fills them from the Company, Project and Policy
documents), some from the command line (``allow_mass_change``, ``allow_delete``), the
live system (``token_user``) or the audit trail and git (``history``, read by
``reconciler.audit.history``). Callers combine them with ``dataclasses.replace``::

    settings = replace(desired.settings, allow_mass_change=flag, token_user=me.login,
                       locate=loaded.locate)

``locate`` turns a *reference key* into a file position, so violations can name
file:line while the planner stays pure. Key shapes (tuples of strings):

    ("company",)
    ("project", name)                      ("project", name, "description")
    ("project", name, "users", login)      ("project", name, "groups", group)
    ("project", name, "objects", kind, object)
    ("project", name, "previous_names", old_name)
    ("role", name)                         ("role", name, "users", login)
    ("role", name, "permissions")
    ("policy", name)                       ("policy", name, "isolate", project)
    ("policy", name, "max_view_all_users")  ("policy", name, "require_placement")

A lookup that knows no position for a key answers ``None``.

``expiries`` maps the keys of time-limited entries (users and groups of a project,
holders of a role) to their end date; ``today`` is the UTC date the plan is made for,
which the edges read from the clock (or ``--now``): the planner never does.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date

from reconciler.capabilities import FULL, Capabilities
from reconciler.errors import Position
from reconciler.kinds import DEFAULT_PROJECT

Key = tuple[str, ...]
Locate = Callable[[Key], Position | None]


def no_position(key: Key) -> Position | None:
    """The ``locate`` used when nobody knows where things are written."""
    del key
    return None


@dataclass(frozen=True, slots=True)
class PolicySpec:
    """A ``Policy`` document, as the planner checks it on the resulting state."""

    name: str
    isolate: tuple[str, ...] = ()
    max_view_all_users: int | None = None
    require_placement: bool = False


@dataclass(frozen=True, slots=True)
class Expiry:
    """When a time-limited entry ends (``until``: from that UTC day on) and why it was
    granted."""

    until: date
    reason: str = ""


@dataclass(frozen=True, slots=True)
class AppliedHistory:
    """What the configuration of the last successful apply said, as the edges learnt it.

    When ``unknown`` is ``None`` it was read: ``declared`` holds every project it
    declared, ``protected`` those marked ``protected: true`` with where (a ``Position``
    whose path is ``COMMIT:PATH``, as ``git show`` takes it), and ``source`` names the
    apply (``commit 1a2b3c4d5e6f, audit record #4 in .reconciler/audit.jsonl``).
    Otherwise ``unknown`` says why it could not be told (no audit log, no git, a shallow
    clone, ...), and the planner refuses deleting a project that holds anything unless
    ``allow_delete`` names it.
    """

    source: str = ""
    declared: frozenset[str] = frozenset()
    protected: Mapping[str, Position] = field(default_factory=dict)
    unknown: str | None = "the history of applies was not read"


@dataclass(frozen=True, slots=True, eq=False)
class PlanSettings:
    """Everything besides the two Snapshots that decides a plan.

    ``renames`` maps a declared project to its ``previous_names``; ``protected`` holds
    projects a plan may never delete. Thresholds: a plan is refused when it removes
    more than ``max_remove_share`` of the live memberships (users and groups in
    projects) or deletes more than ``max_delete_share`` of the live projects, unless
    ``allow_mass_change``; thresholds apply only when live holds at least
    ``min_existing`` memberships (respectively projects), as tiny companies would
    otherwise trip them on every change. ``token_user`` is the login the reconciler acts
    as: a plan that takes rights away from it is refused. ``history`` is what the last
    applied configuration protected; ``allow_delete`` the projects whose deletion the
    command line acknowledged (``--allow-delete``), which never overrides a protection.
    """

    prune: bool = False
    default_project: str = DEFAULT_PROJECT
    remove_placed_members: bool = True
    renames: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    protected: frozenset[str] = frozenset()
    policies: tuple[PolicySpec, ...] = ()
    max_remove_share: float = 0.25
    max_delete_share: float = 0.25
    min_existing: int = 10
    allow_mass_change: bool = False
    token_user: str | None = None
    locate: Locate = no_position
    history: AppliedHistory = field(default_factory=AppliedHistory)
    allow_delete: frozenset[str] = frozenset()
    #: what the target promises (group members, versions, ...): from the live client
    capabilities: Capabilities = FULL
    #: time-limited entries by key (see the module docstring), and the day planned for
    expiries: Mapping[Key, Expiry] = field(default_factory=dict)
    today: date | None = None
