"""Pictures: mermaid (GitHub draws it in a comment) and Graphviz dot, and what moves.

Names are never syntax: a mermaid label is quoted with every character outside a
small safe set written as mermaid's entity code (``#35;`` for ``#``), so no name can end
the label, start a link or add markup; a dot label is a quoted string with ``"`` and
``\\`` escaped. Control characters are escaped first (``clean``).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from reconciler.plan.changes import Change, MemberAdd, MemberRemove, ObjectMove
from reconciler.render.describe import clean

_UNSAFE = re.compile(r"[^A-Za-z0-9 .,_()/+:-]")
#: A moves diagram is drawn up to this many arrows (and twice as many projects).
MAX_MOVE_EDGES = 12


def mermaid_label(text: str) -> str:
    """``text`` as a quoted mermaid label, inert whatever it holds."""
    return '"' + _UNSAFE.sub(lambda m: f"#{ord(m.group())};", clean(text)) + '"'


def dot_label(text: str) -> str:
    """``text`` as a quoted dot string."""
    return '"' + clean(text).replace("\\", "\\\\").replace('"', '\\"') + '"'


@dataclass(frozen=True, slots=True)
class Flow:
    """What moves from one project to another."""

    source: str
    target: str
    objects: int = 0
    users: int = 0
    groups: int = 0

    @property
    def label(self) -> str:
        parts = [
            f"{n} {noun}{'' if n == 1 else 's'}"
            for n, noun in ((self.objects, "object"), (self.users, "user"), (self.groups, "group"))
            if n
        ]
        return ", ".join(parts)


def flows(changes: Iterable[Change]) -> list[Flow]:
    """Objects moved, and members who leave one project and join another in the plan."""
    objects: Counter[tuple[str, str]] = Counter()
    left: dict[tuple[str, str], set[str]] = {}
    joined: dict[tuple[str, str], set[str]] = {}
    for change in changes:
        if isinstance(change, ObjectMove):
            objects[(change.source, change.target)] += 1
        elif isinstance(change, MemberRemove):
            left.setdefault((change.member_type, change.member), set()).add(change.project)
        elif isinstance(change, MemberAdd):
            joined.setdefault((change.member_type, change.member), set()).add(change.project)
    members: Counter[tuple[str, str, str]] = Counter()
    for (member_type, member), sources in left.items():
        for target in joined.get((member_type, member), ()):
            for source in sources:
                members[(source, target, member_type)] += 1
    pairs = set(objects) | {(s, t) for s, t, _ in members}
    return [
        Flow(s, t, objects[(s, t)], members[(s, t, "user")], members[(s, t, "group")])
        for s, t in sorted(pairs)
    ]


def moves_mermaid(found: Sequence[Flow]) -> str:
    """A ``flowchart LR`` of ``found`` (no fence), or "" when there is nothing to draw or
    too much (more than ``MAX_MOVE_EDGES`` arrows)."""
    if not found or len(found) > MAX_MOVE_EDGES:
        return ""
    ids: dict[str, str] = {}
    for flow in found:
        for name in (flow.source, flow.target):
            ids.setdefault(name, f"p{len(ids)}")
    lines = ["flowchart LR"]
    lines += [f"  {node}[{mermaid_label(name)}]" for name, node in ids.items()]
    lines += [f"  {ids[f.source]} -->|{mermaid_label(f.label)}| {ids[f.target]}" for f in found]
    return "\n".join(lines)
