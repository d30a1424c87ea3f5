"""``reconciler apply`` stopped mid-apply (issues 6 and 16): killed with SIGKILL, or
interrupted with SIGINT as Ctrl-C does or SIGTERM as a cancelled CI job does (once: the
writes in flight finish; twice: they are abandoned). The audit log claims nothing the
platform does not hold, no write batch lands half-way, ``audit verify`` passes, and
another apply converges.

Everything is real: the sandbox is served by its own process on a loopback port, the
apply is a subprocess in its own process group, the config is a git repository in
tmp_path. The company has 300 projects that each gain 10 users: 300 writes of one
project each, slowed to a few seconds by ``--concurrency 1`` and a client rate limit.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from apply_helpers import DEADLINE, git, serving, wait_for

from reconciler.audit import AuditLog
from reconciler.cli.apply import NOT_STARTED_SHOWN
from reconciler.sandbox.demo import init_company
from reconciler.sandbox.store import Store

PROJECTS = 300
PER_PROJECT = 10
#: Requests per second of the apply that gets stopped: 300 writes take about 3 s.
SLOW_RATE = "100"

Pair = tuple[str, str]  # (project, user login) of one member_add


def client_name(i: int) -> str:
    return f"Client {i:04d}"


def agent(i: int, j: int) -> str:
    return f"agent{i * PER_PROJECT + j:05d}"


def seed(db: Path) -> str:
    """The demo company plus PROJECTS empty projects and their future members; a token."""
    token = init_company(db, demo=True)
    store = Store(db)
    try:
        with store.write() as conn:
            conn.executemany(
                "INSERT INTO users (login, name) VALUES (?, ?)",
                [(agent(i, j), agent(i, j).title()) for i, j in all_slots()],
            )
            conn.executemany(
                "INSERT INTO projects (name, description, version) VALUES (?, '', 1)",
                [(client_name(i),) for i in range(PROJECTS)],
            )
    finally:
        store.close()
    return token


def all_slots() -> list[tuple[int, int]]:
    return [(i, j) for i in range(PROJECTS) for j in range(PER_PROJECT)]


@dataclass(frozen=True)
class Sandbox:
    url: str
    token: str

    def pages(self, path: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        offset: int | None = 0
        headers = {"Authorization": f"Bearer {self.token}"}
        with httpx.Client(headers=headers, timeout=30) as http:
            while offset is not None:
                answer = http.get(f"{self.url}{path}", params={"offset": offset, "limit": 1000})
                answer.raise_for_status()
                page = answer.json()
                items += page["items"]
                offset = page["next_offset"]
        return items

    def writes_of(self, plan_checksum: str) -> list[dict[str, Any]]:
        """The platform's change-log entries made by the apply of ``plan_checksum``."""
        return [e for e in self.pages("/changelog") if e["client"]["plan"] == plan_checksum]

    def project_names(self) -> dict[int, str]:
        return {int(p["id"]): str(p["name"]) for p in self.pages("/projects")}


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[Sandbox]:
    """The seeded company served by ``reconciler sandbox serve`` in its own process."""
    db = tmp_path / "sandbox.db"
    token = seed(db)
    with serving(db, tmp_path) as served:
        yield Sandbox(served.url, token)


def environment(sandbox: Sandbox, *, rate: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECONCILER_")}
    env.update(
        RECONCILER_TOKEN=sandbox.token,
        RECONCILER_TARGET=sandbox.url,
        RECONCILER_RATE_LIMIT=rate,
        NO_COLOR="1",
    )
    return env


def reconciler(
    cwd: Path, sandbox: Sandbox, *args: str, rate: str = "0"
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "reconciler", *args],
        check=False,
        cwd=cwd,
        env=environment(sandbox, rate=rate),
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def repo(tmp_path: Path, sandbox: Sandbox) -> Path:
    """A committed, clean git repo: ``reconciler import`` of the company, then every
    Client project gains PER_PROJECT users."""
    repo = tmp_path / "repo"
    repo.mkdir()
    imported = reconciler(repo, sandbox, "import", "--out", "projects.d")
    assert imported.returncode == 0, imported.stderr
    for i in range(PROJECTS):
        path = repo / "projects.d" / "projects" / f"client-{i:04d}.yaml"
        text = path.read_text()
        assert f"name: {client_name(i)}\n" in text and "members:" not in text, text
        users = "".join(f"    - {agent(i, j)}\n" for j in range(PER_PROJECT))
        path.write_text(text + "members:\n  users:\n" + users)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "projects.d")
    git(repo, "commit", "-q", "-m", "Every client project gains its agents (#6)")
    return repo


def all_pairs() -> set[Pair]:
    return {(client_name(i), agent(i, j)) for i, j in all_slots()}


def pairs(changes: list[dict[str, Any]]) -> set[Pair]:
    """The (project, user) of member_add changes; any other change type fails."""
    kinds = {c["type"] for c in changes}
    assert kinds <= {"member_add"}, kinds
    found = [(str(c["project"]), str(c["member"])) for c in changes]
    assert len(found) == len(set(found)), "a change listed twice"
    return set(found)


def when(text: str) -> datetime:
    return datetime.fromisoformat(text)


def records(log: Path) -> list[dict[str, Any]]:
    return [dict(e.data) for e in AuditLog(log).entries()]


def start_apply(repo: Path, sandbox: Sandbox, log: Path, **env: str) -> subprocess.Popen[bytes]:
    """The slow apply, in its own process group (as a shell job or a CI step would be)."""
    args = ["apply", "--auto-approve", "--audit-log", str(log), "--concurrency", "1"]
    with (
        (repo.parent / "apply.out").open("wb") as out,
        (repo.parent / "apply.err").open("wb") as err,
    ):
        return subprocess.Popen(
            [sys.executable, "-m", "reconciler", *args, "--config-dir", "projects.d"],
            cwd=repo,
            env={**environment(sandbox, rate=SLOW_RATE), **env},
            stdout=out,
            stderr=err,
            start_new_session=True,
        )


def wait_until_writing(
    proc: subprocess.Popen[bytes], log: Path, sandbox: Sandbox, *, writes: int = 1
) -> str:
    """Wait for the apply_started record and then ``writes`` platform writes of its plan;
    answer the plan checksum."""

    def started() -> str | None:
        found = records(log) if log.exists() else []
        return str(found[0]["plan_checksum"]) if found else None

    checksum: str = wait_for("the apply_started record", started, proc=proc)
    wait_for(
        f"{writes} write(s) of the apply on the platform",
        lambda: len(sandbox.writes_of(checksum)) >= writes,
        proc=proc,
    )
    return checksum


def written_pairs(sandbox: Sandbox, checksum: str) -> set[Pair]:
    """Every (project, user) the platform says the apply of ``checksum`` wrote: one
    contents write per project, each taking it from no users to its whole batch."""
    names = sandbox.project_names()
    writes = sandbox.writes_of(checksum)
    assert {(e["action"], e["resource"]) for e in writes} <= {("update", "project_contents")}
    assert all(len(e["after"]["users"]) == PER_PROJECT for e in writes), "a partial batch"
    assert all(e["before"]["users"] == [] for e in writes)
    projects = [names[int(e["project_id"])] for e in writes]
    assert len(projects) == len(set(projects)), f"a project written twice: {sorted(projects)}"
    return {(p, u) for p, u in all_pairs() if p in set(projects)}


def plan_remainder(repo: Path, sandbox: Sandbox) -> set[Pair]:
    """``reconciler plan --detailed-exitcode``: must exit 2; the changes it shows."""
    planned = reconciler(
        repo,
        sandbox,
        "plan",
        "--detailed-exitcode",
        "--format",
        "json",
        "--config-dir",
        "projects.d",
    )
    assert planned.returncode == 2, planned.stdout + planned.stderr
    return pairs(json.loads(planned.stdout)["changes"])


def written_and_remainder(repo: Path, sandbox: Sandbox, checksum: str) -> set[Pair]:
    """What the stopped apply wrote, and ``reconciler plan`` showing exactly the rest.

    The write in flight when the apply stopped may still be committing on the server
    after the process is gone, so the platform is read before and after the plan (a
    new process): at most that one project may appear in between, and the plan must
    show exactly what the second reading says is missing."""
    seen = written_pairs(sandbox, checksum)
    remainder = plan_remainder(repo, sandbox)
    written = written_pairs(sandbox, checksum)
    assert seen <= written
    assert len({p for p, _ in written - seen}) <= 1, "more than the write in flight landed late"
    assert remainder == all_pairs() - written
    return written


def converge(repo: Path, sandbox: Sandbox, log: Path) -> None:
    """A second apply exits 0; then ``plan --detailed-exitcode`` exits 0."""
    applied = reconciler(
        repo,
        sandbox,
        "apply",
        "--auto-approve",
        "--audit-log",
        str(log),
        "--config-dir",
        "projects.d",
    )
    assert applied.returncode == 0, applied.stderr
    assert "Apply complete" in applied.stdout
    planned = reconciler(repo, sandbox, "plan", "--detailed-exitcode", "--config-dir", "projects.d")
    assert planned.returncode == 0, planned.stdout + planned.stderr


def verify(repo: Path, sandbox: Sandbox, log: Path) -> subprocess.CompletedProcess[str]:
    checked = reconciler(repo, sandbox, "audit", "verify", "--log", str(log))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    return checked


def assert_second_apply(
    records_now: list[dict[str, Any]],
    sandbox: Sandbox,
    remainder: set[Pair],
    first_written: set[Pair],
) -> None:
    """The last two records are the converging apply: it planned exactly the remainder,
    applied all of it, and its change ids are exactly its writes on the platform."""
    started, finished = records_now[-2:]
    assert (started["type"], finished["type"]) == ("apply_started", "apply_finished")
    assert finished["started_seq"] == started["seq"]
    assert finished["outcome"] == "applied"
    assert pairs(started["changes"]) == remainder
    assert {c["outcome"] for c in finished["changes"]} == {"applied"}
    claimed = {i for c in finished["changes"] for i in c["change_ids"]}
    live = {int(e["id"]) for e in sandbox.writes_of(str(finished["plan_checksum"]))}
    assert claimed == live
    # Both applies together wrote every pair exactly once.
    second = written_pairs(sandbox, str(finished["plan_checksum"]))
    assert second == remainder
    assert not first_written & second
    assert first_written | second == all_pairs()


def test_kill_9_mid_apply_loses_nothing_the_log_claims(
    repo: Path, sandbox: Sandbox, tmp_path: Path
) -> None:
    log = tmp_path / "audit.jsonl"
    head = git(repo, "rev-parse", "HEAD")
    proc = start_apply(repo, sandbox, log)
    try:
        checksum = wait_until_writing(proc, log, sandbox)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL

    # The log: the started record alone, every change not_started: nothing claimed applied.
    (started,) = records(log)
    assert started["type"] == "apply_started"
    assert started["seq"] == 1
    assert started["plan_checksum"] == checksum
    assert started["git"]["commit"] == head
    assert pairs(started["changes"]) == all_pairs()
    assert {c["outcome"] for c in started["changes"]} == {"not_started"}
    assert all(c["change_ids"] == [] for c in started["changes"])

    # The started record was on disk before the first write reached the platform.
    first_write = min(when(e["time"]) for e in sandbox.writes_of(checksum))
    assert when(started["time"]) < first_write

    # The platform: some projects got their whole batch, the others nothing at all.
    written = written_and_remainder(repo, sandbox, checksum)
    assert written, "no write reached the platform before the kill"
    assert len(written) < len(all_pairs()), "the apply finished before it was killed"

    checked = verify(repo, sandbox, log)
    assert "ok: 1 records" in checked.stdout
    assert "interrupted apply at seq 1" in checked.stderr

    converge(repo, sandbox, log)
    after = records(log)
    assert [(r["seq"], r["type"]) for r in after] == [
        (1, "apply_started"),
        (2, "apply_started"),
        (3, "apply_finished"),
    ]
    assert after[0] == started, "the interrupted record changed"
    assert_second_apply(after, sandbox, all_pairs() - written, written)
    checked = verify(repo, sandbox, log)
    assert "ok: 3 records" in checked.stdout
    # The killed apply stays an interrupted one; the second is finished.
    assert "interrupted apply at seq 1" in checked.stderr
    assert "seq 2" not in checked.stderr


@pytest.mark.parametrize(
    ("sig", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["ctrl-c", "sigterm"]
)
def test_a_stop_signal_mid_apply_records_what_happened(
    repo: Path, sandbox: Sandbox, tmp_path: Path, sig: signal.Signals, code: int
) -> None:
    """SIGINT is what Ctrl-C sends to the foreground job, SIGTERM what a CI runner sends
    to the job's process group when the job is cancelled: both stop the apply cleanly."""
    log = tmp_path / "audit.jsonl"
    proc = start_apply(repo, sandbox, log)
    try:
        # Two writes: with --concurrency 1 the second starts only once the first is
        # recorded, so the apply has something to record as applied.
        checksum = wait_until_writing(proc, log, sandbox, writes=2)
        os.killpg(proc.pid, sig)
        proc.wait(timeout=DEADLINE)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
    err = (tmp_path / "apply.err").read_text()
    assert proc.returncode == code, err
    assert f"{sig.name}: stopping: no new writes start" in err
    assert "Apply interrupted" in err
    assert "Traceback" not in err

    # The log: started, then finished with outcome interrupted and each change's fate.
    started, finished = records(log)
    assert (started["type"], finished["type"]) == ("apply_started", "apply_finished")
    assert finished["started_seq"] == started["seq"] == 1
    assert finished["plan_checksum"] == checksum
    assert finished["outcome"] == "interrupted"
    by_status: dict[str, list[dict[str, Any]]] = {}
    for change in finished["changes"]:
        by_status.setdefault(change["outcome"], []).append(change)
    assert set(by_status) <= {"applied", "unknown", "not_started"}, set(by_status)
    assert by_status.get("applied"), "nothing recorded applied before the interrupt"
    assert by_status.get("not_started"), "the apply finished before it was interrupted"
    assert pairs(finished["changes"]) == all_pairs()

    # Everything the log claims applied is live, with the ids the platform gave it;
    # changes not started were not written; at most the batch in flight is unknown.
    written = written_and_remainder(repo, sandbox, checksum)
    writes = {int(e["id"]) for e in sandbox.writes_of(checksum)}
    claimed = {i for c in by_status["applied"] for i in c["change_ids"]}
    assert claimed <= writes
    assert all(c["change_ids"] for c in by_status["applied"])
    applied, unknown = pairs(by_status["applied"]), pairs(by_status.get("unknown", []))
    assert applied <= written <= applied | unknown
    assert not written & pairs(by_status["not_started"])
    assert len({p for p, _ in unknown}) <= 1, "more than one batch in flight"
    # The report lists the first not-started changes and counts the rest.
    rest = len(by_status["not_started"]) - NOT_STARTED_SHOWN
    assert err.count("  not started: ") == NOT_STARTED_SHOWN
    assert f"... and {rest} more not started (all in the audit record)" in err

    checked = verify(repo, sandbox, log)
    assert "ok: 2 records" in checked.stdout
    assert "interrupted apply" not in checked.stderr, "a finished apply reported unfinished"

    converge(repo, sandbox, log)
    after = records(log)
    assert [r["type"] for r in after] == ["apply_started", "apply_finished"] * 2
    assert after[:2] == [started, finished]
    assert_second_apply(after, sandbox, all_pairs() - written, written)
    checked = verify(repo, sandbox, log)
    assert "ok: 4 records" in checked.stdout
    assert not checked.stderr.strip()


def set_faults(sandbox: Sandbox, **settings: Any) -> None:
    headers = {"Authorization": f"Bearer {sandbox.token}"}
    answer = httpx.put(f"{sandbox.url}/admin/faults", json=settings, headers=headers, timeout=30)
    assert answer.status_code == 200, answer.text


def test_a_second_sigterm_abandons_the_write_in_flight(
    repo: Path, sandbox: Sandbox, tmp_path: Path
) -> None:
    """The platform commits the first write but holds its answer back (a lost-answer
    fault longer than nothing the test waits for): one SIGTERM waits for it, a second
    abandons it. It is recorded unknown, saying why; it did land."""
    log = tmp_path / "audit.jsonl"
    set_faults(sandbox, lost_answer_rate=1.0, timeout_seconds=20)
    proc = start_apply(repo, sandbox, log, RECONCILER_READ_TIMEOUT="120")
    err_path = tmp_path / "apply.err"
    try:
        checksum = wait_until_writing(proc, log, sandbox)
        os.killpg(proc.pid, signal.SIGTERM)
        wait_for(
            "the first SIGTERM to be taken", lambda: "stopping" in err_path.read_text(), proc=proc
        )
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=DEADLINE)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
    set_faults(sandbox)
    err = err_path.read_text()
    assert proc.returncode == 143, err
    assert "SIGTERM: abandoning the writes in flight (recorded unknown)" in err

    started, finished = records(log)
    assert finished["outcome"] == "interrupted"
    by_status: dict[str, list[dict[str, Any]]] = {}
    for change in finished["changes"]:
        by_status.setdefault(change["outcome"], []).append(change)
    assert set(by_status) == {"unknown", "not_started"}
    unknown = by_status["unknown"]
    assert {c["error"] for c in unknown} == {
        "in flight when the apply stopped: it may have landed (`reconciler plan` shows)"
    }
    # The one batch in flight did land (the change log says so, under this run's id).
    (entry,) = sandbox.writes_of(checksum)
    assert entry["client"]["apply"] == started["apply_id"]
    assert pairs(unknown) == written_and_remainder(repo, sandbox, checksum)
    verify(repo, sandbox, log)
