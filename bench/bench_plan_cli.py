"""End-to-end ``reconciler plan`` on a 1,000-project company, as a user runs it.

Seeds an embedded-sandbox database with a large company (1,000 projects, 20 users,
2 groups and 20 objects of several kinds each: ~42,000 list entries), writes its
``projects.d/`` with ``reconciler import``, changes ~1% of the entries in the files
(users moved between projects, schedules added and removed; well under the 25%
thresholds), then times the real CLI as subprocesses:

  import   ``reconciler import --out DIR --target sandbox:DB`` (once);
  validate ``reconciler validate DIR --no-cache``;
  plan     ``reconciler plan --config-dir DIR --target sandbox:DB`` with the parse cache
           cold (deleted before every run) and warm, in text and ``--format json``.

    python bench/bench_plan_cli.py [--projects 1000] [--repeat 3] [--keep DIR]

Target: ``reconciler plan`` under 2 s.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from reconciler.engine.targets import sandbox_token_path
from reconciler.importer import project_slugs
from reconciler.kinds import OBJECT_KINDS, SINGLE_PROJECT_KINDS
from reconciler.sandbox.demo import init_company
from reconciler.sandbox.store import Store

USERS_PER_PROJECT, GROUPS_PER_PROJECT, GROUP_SIZE = 20, 2, 10
#: objects per project; single-project kinds are the project's own, the others are
#: drawn from a shared pool of the given size
PER_PROJECT = {
    "queues": 4,
    "call_scripts": 3,
    "auto_dialers": 2,
    "crm_forms": 2,
    "schedules": 4,
    "sip_providers": 1,
    "lists": 1,
    "notification_templates": 1,
    "contact_fields": 1,
    "ip_phones": 1,
}
POOLS = {
    "schedules": 2000,
    "sip_providers": 50,
    "lists": 300,
    "notification_templates": 100,
    "contact_fields": 200,
    "ip_phones": 1500,
}
USER_MOVES, SCHEDULE_CHANGES = 150, 100
TARGET_SECONDS = 2.0


@dataclass
class Company:
    """What the seed put in each project (to choose the edits)."""

    users: dict[str, list[str]] = field(default_factory=dict)
    schedules: dict[str, list[str]] = field(default_factory=dict)


def project_name(index: int) -> str:
    return f"Client {index:04d}"


def seed(db: Path, projects: int, rnd: random.Random) -> tuple[str, Company]:
    """A demo company plus ``projects`` filled projects; answers the token and layout."""
    token = init_company(db, demo=True)
    company = Company()
    store = Store(db)
    try:
        with store.write() as conn:
            logins = [
                f"agent.{p:04d}.{u:02d}" for p in range(projects) for u in range(USERS_PER_PROJECT)
            ]
            conn.executemany(
                "INSERT INTO users (login, name) VALUES (?, ?)", [(x, x.title()) for x in logins]
            )
            user_id = {str(r[0]): int(r[1]) for r in conn.execute("SELECT login, id FROM users")}
            groups = projects * GROUPS_PER_PROJECT // 2
            conn.executemany(
                "INSERT INTO groups (name) VALUES (?)", [(f"team-{g:04d}",) for g in range(groups)]
            )
            group_id = {str(r[0]): int(r[1]) for r in conn.execute("SELECT name, id FROM groups")}
            conn.executemany(
                "INSERT INTO group_members VALUES (?, ?)",
                [
                    (group_id[f"team-{g:04d}"], user_id[logins[(g * 37 + k) % len(logins)]])
                    for g in range(groups)
                    for k in range(GROUP_SIZE)
                ],
            )
            objects: list[tuple[str, str, int]] = []
            for kind in OBJECT_KINDS:
                single = kind in SINGLE_PROJECT_KINDS
                title = kind.replace("_", " ").title()
                count = projects * PER_PROJECT[kind] if single else POOLS[kind]
                objects += [(kind, f"{title} {n:05d}", int(single)) for n in range(count)]
            conn.executemany("INSERT INTO objects (kind, name, single) VALUES (?, ?, ?)", objects)
            object_id = {
                (str(r[0]), str(r[1])): int(r[2])
                for r in conn.execute("SELECT kind, name, id FROM objects")
            }
            names = [project_name(i) for i in range(projects)]
            conn.executemany(
                "INSERT INTO projects (name, description, version) VALUES (?, ?, 1)",
                [(n, f"Synthetic line of business {n}") for n in names],
            )
            project_id = {
                str(r[0]): int(r[1]) for r in conn.execute("SELECT name, id FROM projects")
            }
            members, teams, placed = [], [], []
            for index, name in enumerate(names):
                pid = project_id[name]
                users = logins[index * USERS_PER_PROJECT : (index + 1) * USERS_PER_PROJECT]
                company.users[name] = list(users)
                members += [(pid, user_id[u]) for u in users]
                teams += [
                    (pid, group_id[f"team-{(index + k) % groups:04d}"])
                    for k in range(GROUPS_PER_PROJECT)
                ]
                for kind in OBJECT_KINDS:
                    single = kind in SINGLE_PROJECT_KINDS
                    title = kind.replace("_", " ").title()
                    if single:
                        numbers = [index * PER_PROJECT[kind] + k for k in range(PER_PROJECT[kind])]
                    else:
                        numbers = rnd.sample(range(POOLS[kind]), PER_PROJECT[kind])
                    chosen = [f"{title} {n:05d}" for n in numbers]
                    if kind == "schedules":
                        company.schedules[name] = chosen
                    placed += [(pid, object_id[kind, o], int(single)) for o in chosen]
            conn.executemany("INSERT INTO project_users VALUES (?, ?)", members)
            conn.executemany("INSERT INTO project_groups VALUES (?, ?)", teams)
            conn.executemany("INSERT INTO project_objects VALUES (?, ?, ?)", placed)
    finally:
        store.close()
    return token, company


@dataclass
class Edits:
    add: dict[str, list[str]] = field(default_factory=dict)
    remove: dict[str, list[str]] = field(default_factory=dict)


def choose_edits(
    company: Company,
    rnd: random.Random,
    moves: int = USER_MOVES,
    schedule_changes: int = SCHEDULE_CHANGES,
) -> tuple[Edits, Edits, int]:
    """User moves and schedule additions/removals; answers them and the entries changed."""
    users, schedules = Edits(), Edits()
    names = sorted(company.users)
    moved: set[str] = set()
    for _ in range(moves):
        a, b = rnd.sample(names, 2)
        candidates = [u for u in company.users[a] if u not in moved]
        if len(candidates) < 2:
            continue
        user = rnd.choice(candidates)
        moved.add(user)
        users.remove.setdefault(a, []).append(user)
        users.add.setdefault(b, []).append(user)
    pool = [f"Schedules {n:05d}" for n in range(POOLS["schedules"])]
    for _ in range(schedule_changes):
        name = rnd.choice(names)
        kept = sorted(set(company.schedules[name]) - set(schedules.remove.get(name, [])))
        current = set(kept) | set(schedules.add.get(name, []))
        if rnd.random() < 0.5 and len(kept) > 1:
            schedules.remove.setdefault(name, []).append(kept[0])
        else:
            extra = rnd.choice([s for s in pool if s not in current])
            schedules.add.setdefault(name, []).append(extra)
    changed = sum(len(v) for e in (users, schedules) for d in (e.add, e.remove) for v in d.values())
    return users, schedules, changed


def _edit_list(values: list[str], add: list[str], remove: list[str], where: str) -> None:
    for item in remove:
        if item not in values:
            raise SystemExit(f"{where}: {item!r} is not in the imported file")
        values.remove(item)
    values.extend(add)


def edit_files(config: Path, users: Edits, schedules: Edits) -> int:
    """Apply the edits to the imported project files (round-trip YAML); answers how many
    files changed."""
    yaml = YAML(typ="rt")
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 4096
    touched = set(users.add) | set(users.remove) | set(schedules.add) | set(schedules.remove)
    slugs = project_slugs(list(touched))
    for name in sorted(touched):
        path = config / "projects" / f"{slugs[name]}.yaml"
        doc: Any = yaml.load(path.read_text(encoding="utf-8"))
        if doc.get("name") != name:
            raise SystemExit(f"{path} does not hold the project {name!r}")
        _edit_list(
            doc["members"]["users"],
            users.add.get(name, []),
            users.remove.get(name, []),
            f"{path} users",
        )
        _edit_list(
            doc["objects"]["schedules"],
            schedules.add.get(name, []),
            schedules.remove.get(name, []),
            f"{path} schedules",
        )
        with path.open("w", encoding="utf-8") as handle:
            yaml.dump(doc, handle)
    return len(touched)


def cli() -> list[str]:
    """The installed ``reconciler`` script next to this interpreter, else ``-m``."""
    script = Path(sys.executable).with_name("reconciler")
    return [str(script)] if script.exists() else [sys.executable, "-m", "reconciler"]


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@dataclass
class Timing:
    wall: float
    cpu: float


def run(args: list[str]) -> tuple[Timing, str]:
    """Run ``reconciler ARGS``; answers its wall and CPU time and stdout (exit 0 or stop)."""
    start, cpu = time.perf_counter(), children_cpu()
    done = subprocess.run([*cli(), *args], capture_output=True, text=True, check=False)
    timing = Timing(time.perf_counter() - start, children_cpu() - cpu)
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"reconciler {' '.join(args)} exited {done.returncode}")
    return timing, done.stdout


def report(label: str, timings: list[Timing]) -> None:
    walls = [t.wall for t in timings]
    print(
        f"{label:<30} {min(walls):7.3f} s min {statistics.median(walls):7.3f} s median wall "
        f"{min(t.cpu for t in timings):7.3f} s min cpu  ({len(timings)} runs)"
    )


def repeated(
    repeat: int, args: list[str], before: Callable[[], None] | None = None
) -> tuple[list[Timing], str]:
    timings, out = [], ""
    for _ in range(repeat):
        if before is not None:
            before()
        timing, out = run(args)
        timings.append(timing)
    return timings, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", type=Path, help="work in DIR (kept) instead of a temporary one")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="reconciler-bench-cli-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        bench(work, args.projects, args.repeat, random.Random(args.seed))
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


def bench(work: Path, projects: int, repeat: int, rnd: random.Random) -> None:
    db, config, cache = work / "sandbox.db", work / "projects.d", work / ".reconciler" / "cache"
    token_path = sandbox_token_path(db)
    for directory in (config, cache):
        shutil.rmtree(directory, ignore_errors=True)
    for stale in (db, Path(f"{db}-wal"), Path(f"{db}-shm"), token_path):
        stale.unlink(missing_ok=True)
    start = time.perf_counter()
    token, company = seed(db, projects, rnd)
    seeded = time.perf_counter() - start
    token_path.write_text(token + "\n", encoding="utf-8")
    token_path.chmod(0o600)
    os.environ.pop("RECONCILER_TOKEN", None)
    os.environ.pop("RECONCILER_NO_CACHE", None)
    target = f"sandbox:{db}"

    imported, _ = run(["import", "--out", str(config), "--target", target])
    files = sorted(config.rglob("*.yaml"))
    entries = sum(
        1 for f in files for line in f.read_text().splitlines() if line.startswith("    - ")
    )
    users, schedules, changed = choose_edits(company, rnd)
    touched = edit_files(config, users, schedules)
    print(
        f"{projects} projects, {len(files)} files, {entries} list entries; "
        f"{changed} entries changed ({changed / entries:.1%}) in {touched} files"
    )
    print(f"{'seed sandbox (not CLI)':<30} {seeded:7.3f} s wall")
    print(f"{'import':<30} {imported.wall:7.3f} s wall {imported.cpu:7.3f} s cpu")

    def drop_cache() -> None:
        shutil.rmtree(cache, ignore_errors=True)

    timings, _ = repeated(repeat, ["validate", str(config), "--no-cache"])
    report("validate --no-cache", timings)
    plan = ["plan", "--config-dir", str(config), "--target", target]
    results: dict[str, list[Timing]] = {}
    for fmt in ("text", "json"):
        for state, before in (("cold", drop_cache), ("warm", None)):
            label = f"plan --format {fmt}, cache {state}"
            results[label], out = repeated(repeat, [*plan, "--format", fmt], before)
            report(label, results[label])
    data = json.loads(out)
    print(
        f"plan: {len(data['changes'])} changes {data['summary']}, "
        f"{len(data['access_impact'])} access-impact entries, "
        f"{len(data['violations'])} violations"
    )
    over = [
        label
        for label, timings in results.items()
        if statistics.median(t.wall for t in timings) >= TARGET_SECONDS
    ]
    verdict = "met" if not over else "NOT met by " + "; ".join(over)
    print(f"target: plan < {TARGET_SECONDS:.0f} s (median): {verdict}")


if __name__ == "__main__":
    main()
