"""Benchmark of normalize, plan and access impact at a large company's size.

1,000 projects, 20,000 users, 500 groups, ~44,000 list entries (users, groups and
objects of projects); the desired side changes 1% of the entries (users moved between
projects, queues moved, schedules added and removed). Prints figures; not a test.

    python bench/bench_plan.py
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any, TypeVar

from reconciler.config.models import DOCUMENT_ADAPTER, Document
from reconciler.plan.access import access_impact
from reconciler.plan.planner import plan, resolve
from reconciler.state.normalize import normalize
from reconciler.state.snapshot import ObjectRef, ProjectState, RoleState, Snapshot

PROJECTS, USERS_PER_PROJECT, GROUPS = 1_000, 20, 500
QUEUES_PER_PROJECT, SCHEDULES_PER_PROJECT, SCHEDULES = 4, 18, 2_000
T = TypeVar("T")


def timed(label: str, func: Callable[[], T]) -> T:
    start, cpu = time.perf_counter(), time.process_time()
    result = func()
    wall, used = time.perf_counter() - start, time.process_time() - cpu
    print(f"{label:<34} {wall:8.3f} s wall {used:8.3f} s cpu")
    return result


def project_docs(rnd: random.Random) -> list[dict[str, Any]]:
    docs = []
    for i in range(PROJECTS):
        docs.append(
            {
                "name": f"Project {i:04}",
                "description": f"line of business {i}",
                "members": {
                    "users": [
                        f"user{i * USERS_PER_PROJECT + k:05}" for k in range(USERS_PER_PROJECT)
                    ],
                    "groups": [f"group{(i * 2 + k) % GROUPS:03}" for k in range(2)],
                },
                "objects": {
                    "queues": [f"queue {i:04}-{k}" for k in range(QUEUES_PER_PROJECT)],
                    "schedules": sorted(
                        {
                            f"schedule {rnd.randrange(SCHEDULES):04}"
                            for _ in range(SCHEDULES_PER_PROJECT)
                        }
                    ),
                },
            }
        )
    return docs


def change_one_percent(docs: list[dict[str, Any]], rnd: random.Random) -> int:
    """Mutate ~1% of the entries in place; answer how many entries changed."""
    changed = 0
    for _ in range(150):  # a user moves: one add, one remove
        a, b = rnd.sample(range(PROJECTS), 2)
        users = docs[a]["members"]["users"]
        if users:
            docs[b]["members"]["users"].append(users.pop())
            changed += 2
    for _ in range(50):  # a queue moves
        a, b = rnd.sample(range(PROJECTS), 2)
        docs[b]["objects"]["queues"].append(docs[a]["objects"]["queues"].pop())
        changed += 1
    for _ in range(90):  # a schedule is added or removed
        objects = docs[rnd.randrange(PROJECTS)]["objects"]
        if rnd.random() < 0.5 and objects["schedules"]:
            objects["schedules"].pop()
        else:
            extra = f"schedule {rnd.randrange(SCHEDULES):04}"
            if extra not in objects["schedules"]:
                objects["schedules"].append(extra)
        changed += 1
    return changed


def live_snapshot(docs: list[dict[str, Any]]) -> Snapshot:
    projects = {}
    for d in docs:
        objects = {("queues", n) for n in d["objects"]["queues"]}
        objects |= {("schedules", n) for n in d["objects"]["schedules"]}
        projects[d["name"]] = ProjectState(
            d["name"],
            d["description"],
            frozenset(d["members"]["users"]),
            frozenset(d["members"]["groups"]),
            frozenset(objects),
        )
    users = frozenset(f"user{k:05}" for k in range(PROJECTS * USERS_PER_PROJECT))
    groups = {
        f"group{g:03}": frozenset(f"user{g * 40 + k:05}" for k in range(10)) for g in range(GROUPS)
    }
    every: frozenset[ObjectRef] = frozenset(o for p in projects.values() for o in p.objects)
    every |= {("schedules", f"schedule {k:04}") for k in range(SCHEDULES)}
    admin = RoleState("Admin", frozenset(), frozenset({"user00000"}), builtin=True)
    return Snapshot(
        "advanced", projects, {"Admin": admin}, users, groups, every, {n: 1 for n in projects}
    )


def documents(docs: list[dict[str, Any]]) -> list[Document]:
    found = [DOCUMENT_ADAPTER.validate_python({"apiVersion": "reconciler/v1", "kind": "Company"})]
    for d in docs:
        found.append(
            DOCUMENT_ADAPTER.validate_python(
                {"apiVersion": "reconciler/v1", "kind": "Project", **d}
            )
        )
    found.append(
        DOCUMENT_ADAPTER.validate_python(
            {"apiVersion": "reconciler/v1", "kind": "Role", "name": "Admin", "users": ["user00000"]}
        )
    )
    return found


def main() -> None:
    rnd = random.Random(5)
    docs = project_docs(rnd)
    live = live_snapshot(docs)
    entries = sum(len(p.users) + len(p.groups) + len(p.objects) for p in live.projects.values())
    changed = change_one_percent(docs, rnd)
    print(
        f"{PROJECTS} projects, {len(live.users)} users, {entries} list entries, "
        f"{changed} entries changed ({changed / entries:.1%})"
    )
    models = timed("pydantic documents (not planner)", lambda: documents(docs))
    desired = timed("normalize", lambda: normalize(models))
    result = timed(
        "plan (with checks, access impact)", lambda: plan(desired.snapshot, live, desired.settings)
    )
    resolution = resolve(desired.snapshot, live, desired.settings)
    impact = timed("access impact alone", lambda: access_impact(resolution.base, resolution.target))
    timed("fingerprint live (part of plan)", live.fingerprint)
    timed("fingerprint desired (part of plan)", desired.snapshot.fingerprint)
    print(
        f"changes: {len(result.changes)} {result.summary()}; users with changed access: "
        f"{len(impact)}; applicable: {result.applicable}"
    )


if __name__ == "__main__":
    main()
