"""A generated plan over 1,000 projects (10,000 changes), made by the real planner.

The live company: ``Client 0000`` ... ``Client 0999``, each with 12 users, one group of 6
of them, 2 queues, a call script and a shared schedule; 3 new hires per client (a group
of their own, in no project) wait in Default, which holds a front-desk queue and script.
The files place the hires in their client (added there, removed from Default: placed
elsewhere), move each client's last agent and a queue to the next client, add a
schedule, create a view_all role with a holder, and leave one live project undeclared.
Deterministic: the same plan, byte for byte, on every run (golden files,
``bench/bench_render.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reconciler.config.models import DOCUMENT_ADAPTER
from reconciler.plan.model import Plan
from reconciler.plan.planner import plan
from reconciler.state.normalize import normalize
from reconciler.state.snapshot import ProjectState, RoleState, Snapshot

HIRES, AGENTS, SCHEDULES = 3, 12, 20


def client(index: int) -> str:
    return f"Client {index:04d}"


def _agents(index: int) -> list[str]:
    return [f"agent.{index:04d}.{u:02d}" for u in range(AGENTS)]


def _hires(index: int) -> list[str]:
    return [f"new.{index:04d}.{h}" for h in range(HIRES)]


def live_company(projects: int) -> Snapshot:
    clients = {}
    for i in range(projects):
        objects = {("queues", f"Queue {i:04d}-{k}") for k in range(2)}
        objects |= {("call_scripts", f"Script {i:04d}"), ("schedules", f"Schedule {i % 20:02d}")}
        clients[client(i)] = ProjectState(
            client(i),
            f"Line of business {i}",
            frozenset(_agents(i)),
            frozenset({f"team-{i:04d}"}),
            frozenset(objects),
        )
    hires = frozenset(h for i in range(projects) for h in _hires(i))
    desk = frozenset({("queues", "Front Desk"), ("call_scripts", "Front Desk IVR")})
    clients["Default"] = ProjectState("Default", "Everyone", hires, frozenset(), desk)
    clients["Legacy Pilot"] = ProjectState("Legacy Pilot", "", frozenset({"admin"}))
    users = hires | {a for i in range(projects) for a in _agents(i)} | {"admin", "auditor"}
    groups = {f"team-{i:04d}": frozenset(_agents(i)[:6]) for i in range(projects)}
    groups |= {f"hires-{i:04d}": frozenset(_hires(i)) for i in range(projects)}
    objects = frozenset(o for p in clients.values() for o in p.objects)
    objects |= {("schedules", f"Schedule {s:02d}") for s in range(SCHEDULES)}
    admin = RoleState("Admin", frozenset(), frozenset({"admin"}), builtin=True)
    return Snapshot(
        "advanced", clients, {"Admin": admin}, users, groups, objects, dict.fromkeys(clients, 1)
    )


def _project(i: int, projects: int) -> dict[str, Any]:
    prev = (i - 1) % projects
    users = _agents(i)[:-1] + _hires(i) + [_agents(prev)[-1]]
    queues = [f"Queue {i:04d}-0", f"Queue {prev:04d}-1"]
    schedules = sorted({f"Schedule {i % 20:02d}", f"Schedule {(i + 7) % 20:02d}"})
    return {
        "kind": "Project",
        "name": client(i),
        "description": f"Line of business {i}",
        "members": {"users": users, "groups": [f"team-{i:04d}"]},
        "objects": {
            "queues": queues,
            "call_scripts": [f"Script {i:04d}"],
            "schedules": schedules,
        },
    }


def documents(projects: int) -> list[dict[str, Any]]:
    docs: list[dict[str, Any]] = [{"kind": "Company", "security_type": "advanced"}]
    docs += [_project(i, projects) for i in range(projects)]
    docs.append(
        {
            "kind": "Project",
            "name": "Default",
            "description": "Everyone",
            "objects": {"queues": ["Front Desk"], "call_scripts": ["Front Desk IVR"]},
        }
    )
    docs.append({"kind": "Role", "name": "Admin", "users": ["admin"]})
    auditor = {"kind": "Role", "name": "Auditor", "permissions": ["view_all"], "users": ["auditor"]}
    docs.append(auditor)
    docs.append({"kind": "Policy", "name": "isolation", "isolate": [client(0), client(1)]})
    return docs


def big_plan(projects: int = 1000) -> tuple[Plan, Mapping[str, frozenset[str]]]:
    """The plan, and the live groups (for naming groups in the access impact)."""
    models = [
        DOCUMENT_ADAPTER.validate_python({"apiVersion": "reconciler/v1", **d})
        for d in documents(projects)
    ]
    desired = normalize(models)
    live = live_company(projects)
    return plan(desired.snapshot, live, desired.settings), live.groups
