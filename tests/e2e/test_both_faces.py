"""The same stories against both faces of a sandbox served on a loopback socket: the
projects API v1 (``http://127.0.0.1:PORT/api/v1``) and the platform's web app routes
(``okitoki:http://127.0.0.1:PORT``, signed in with a session cookie). Each runs the
installed ``reconciler`` in a git repository holding the bundled projects.d/ (without
its IP phones, which the web app has no place for), as a user types it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from handedit import hand_in
from usercli import UserShell, new_user_repo


@dataclass(frozen=True)
class Face:
    name: str
    target: str
    secret: str
    db: Path
    admin_url: str
    admin_token: str

    def faults(self, **settings: object) -> None:
        headers = {"Authorization": f"Bearer {self.admin_token}"}
        answer = httpx.put(f"{self.admin_url}/admin/faults", json=settings, headers=headers)
        answer.raise_for_status()


def _without_ip_phones(shell: UserShell) -> None:
    for path in shell.path("projects.d").rglob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        path.write_text(re.sub(r"  ip_phones:\n(    - .*\n)+", "", text), encoding="utf-8")
    shell.commit_all("The web app has no IP phones in its project editor")


@pytest.fixture(params=["v1", "webapp"])
def face(
    request: pytest.FixtureRequest,
    served_sandbox: tuple[str, str],
    sandbox_db: tuple[Path, str],
) -> Face:
    url, token = served_sandbox
    if request.param == "v1":
        return Face("v1", url, token, sandbox_db[0], url, token)
    root = url.removesuffix("/api/v1")
    return Face("webapp", f"okitoki:{root}", f"laravel_session={token}", sandbox_db[0], url, token)


@pytest.fixture
def shell(tmp_path: Path, face: Face) -> Iterator[UserShell]:
    repo = new_user_repo(tmp_path)
    _without_ip_phones(repo)
    repo.env.update(RECONCILER_TARGET=face.target, RECONCILER_TOKEN=face.secret)
    yield repo
    face.faults()


def test_plan_apply_converge_and_drift_is_clean(shell: UserShell) -> None:
    assert shell.run("plan").returncode == 0
    applied = shell.run("apply", "--auto-approve")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    again = shell.run("plan", "--detailed-exitcode")
    assert again.returncode == 0, again.stdout
    assert "No changes." in again.stdout
    assert shell.run("drift").returncode == 0
    assert shell.run("audit", "verify").returncode == 0


def test_import_gives_files_that_validate_and_plan_empty(shell: UserShell) -> None:
    done = shell.run("import", "--out", "imported")
    assert done.returncode == 0, done.stderr
    assert shell.run("validate", "imported").returncode == 0
    plan = shell.run("plan", "--config-dir", "imported", "--detailed-exitcode")
    assert plan.returncode == 0, plan.stdout + plan.stderr


def test_a_hand_edit_after_the_reviewed_plan_refuses_it(shell: UserShell, face: Face) -> None:
    assert shell.run("plan", "--out", "plan.json").returncode == 0
    with hand_in(face.db) as hand:
        hand.add_user("Default", "olga.admin")  # a no-op: the plan's live state is unchanged
        hand.create_project("Night Desk")
    stale = shell.run("apply", "plan.json")
    assert stale.returncode == 1
    assert "the live platform changed since the plan was made" in stale.stderr
    assert shell.run("apply", "--auto-approve").returncode == 0
    assert shell.run("plan", "--detailed-exitcode").returncode == 0


def test_a_partial_failure_is_resumed_by_the_next_apply(shell: UserShell, face: Face) -> None:
    face.faults(error_rate=0.5, error_status=500, methods=["POST", "PATCH"], seed=3)
    failed = shell.run("apply", "--auto-approve", "--concurrency", "1")
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "Run `reconciler plan` to see what remains" in failed.stderr
    face.faults()
    remainder = shell.run("plan", "--detailed-exitcode")
    assert remainder.returncode == 2
    assert shell.run("apply", "--auto-approve").returncode == 0
    assert shell.run("plan", "--detailed-exitcode").returncode == 0


def test_throttling_is_waited_out_and_counted(shell: UserShell, face: Face) -> None:
    face.faults(throttle_rate=0.3, retry_after=0, seed=5)
    done = shell.run("plan", env={"RECONCILER_MAX_ATTEMPTS": "8"})
    assert done.returncode == 0, done.stderr
    assert re.search(
        r"note: the platform needed \d+ retr(y|ies) \(\d+ after HTTP 429\)", done.stderr
    )


def test_drift_names_the_hand_edit_where_the_target_can_tell(shell: UserShell, face: Face) -> None:
    assert shell.run("apply", "--auto-approve").returncode == 0
    with hand_in(face.db) as hand:
        hand.add_user("Bank Collections", "trainee.zoe")
    drift = shell.run("drift")
    assert drift.returncode == 2
    assert "trainee.zoe" in drift.stdout
    if face.name == "v1":
        assert "by hand: olga.admin" in drift.stdout
    else:
        assert "The target keeps no change log" in drift.stdout


def test_a_user_who_joins_a_group_later_is_drift_only_where_groups_are_not_members(
    shell: UserShell, face: Face
) -> None:
    assert shell.run("apply", "--auto-approve").returncode == 0
    with hand_in(face.db) as hand:
        uid = hand.http.post("/users", json={"login": "late.joiner", "name": "Late Joiner"})
        gid = hand._id("/groups", "name", "bank-collectors")
        body = {"add": [uid.raise_for_status().json()["id"]]}
        hand.http.post(f"/groups/{gid}/members", json=body).raise_for_status()
    drift = shell.run("drift")
    if face.name == "v1":  # the group itself is the member: late.joiner sees the project
        assert drift.returncode == 0, drift.stdout
        return
    assert drift.returncode == 2, drift.stdout
    assert "late.joiner" in drift.stdout
    plan = shell.run("plan")
    assert "+ user late.joiner" in plan.stdout and "via group bank-collectors" in plan.stdout
