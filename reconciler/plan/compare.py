"""What changed between a reviewed plan and the plan made now, field by field.

Each change is keyed by what it acts on (its type and the fields naming its subject:
project, member, role, object...), so the same change in both plans is compared field by
field (``reason``, ``before``/``after``, ``description``, ``permissions``) with
``deepdiff``; a key in one plan only is a change added or dropped. The plan made now is
a **subset** of the reviewed one when it only drops reviewed changes: everything it
would do, a reviewer saw.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from deepdiff import DeepDiff

from reconciler.plan.changes import Change
from reconciler.plan.model import Plan

#: Fields that say how a change is made, not what it acts on: compared, not keyed.
DETAIL_FIELDS = frozenset({"reason", "before", "after", "description", "permissions"})


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One field of one change, as reviewed and as planned now."""

    change: str
    field: str
    reviewed: Any
    now: Any


@dataclass(frozen=True, slots=True)
class PlanDifference:
    """The reviewed plan against the plan made now (``change`` strings are keys, as
    ``change_key`` spells them)."""

    added: tuple[str, ...] = ()
    dropped: tuple[str, ...] = ()
    changed: tuple[FieldChange, ...] = ()
    applicable: tuple[bool, bool] = (True, True)

    @property
    def empty(self) -> bool:
        return not (self.added or self.dropped or self.changed)

    @property
    def subset(self) -> bool:
        """Whether the plan made now does nothing the reviewed plan did not show."""
        return not self.added and not self.changed and self.applicable[1]

    def to_dict(self) -> dict[str, Any]:
        return {
            "added": list(self.added),
            "dropped": list(self.dropped),
            "changed": [
                {"change": c.change, "field": c.field, "reviewed": c.reviewed, "now": c.now}
                for c in self.changed
            ],
            "applicable": {"reviewed": self.applicable[0], "now": self.applicable[1]},
            "subset": self.subset,
        }


def change_key(change: Change) -> str:
    """``member_add project='Bank' member_type='user' member='anna'``: the change's type
    and the fields naming what it acts on, in their declared order."""
    data = change.to_dict()
    fields = " ".join(
        f"{k}={v!r}" for k, v in data.items() if k not in ("type", "action", *DETAIL_FIELDS)
    )
    return f"{data['type']} {fields}"


def _keyed(plan: Plan) -> dict[str, dict[str, Any]]:
    return {
        change_key(c): {k: v for k, v in c.to_dict().items() if k in DETAIL_FIELDS}
        for c in plan.changes
    }


def compare_plans(reviewed: Plan, now: Plan) -> PlanDifference:
    before, after = _keyed(reviewed), _keyed(now)
    diff = DeepDiff(before, after, view="tree")
    changed = [
        FieldChange(
            str(path[0]), str(path[1]), before[path[0]].get(path[1]), after[path[0]].get(path[1])
        )
        for levels in diff.values()
        for path in (level.path(output_format="list") for level in levels)
        # a key of one plan only is an added or dropped change (below), not a field
        if len(path) >= 2 and path[0] in before and path[0] in after
    ]
    unique = {(c.change, c.field): c for c in changed}
    return PlanDifference(
        added=tuple(k for k in after if k not in before),
        dropped=tuple(k for k in before if k not in after),
        changed=tuple(unique[k] for k in sorted(unique)),
        applicable=(reviewed.applicable, now.applicable),
    )
