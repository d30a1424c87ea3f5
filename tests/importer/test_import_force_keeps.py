"""``import --force`` over a config directory keeps what live cannot tell: the Policy
and Review documents (an isolation policy lost by a re-import would silently drop the
guard), or refuses, writing nothing."""

from __future__ import annotations

import subprocess
from pathlib import Path

from handedit import hand_in
from usercli import UserShell

POLICIES = "projects.d/policies.yaml"
REVIEW = (
    "apiVersion: reconciler/v1\nkind: Review\nreviewed_on: 2026-11-30\nreviewer: kim\n"
    "projects: [QuickDelivery]\n"
)


def snapshot(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): p.read_text(encoding="utf-8")
        for p in sorted(root.rglob("*.yaml"))
    }


def refused_import(shell: UserShell) -> subprocess.CompletedProcess[str]:
    """``import --force`` over projects.d refused: exit 2, no traceback, nothing
    written."""
    before = snapshot(shell.path("projects.d"))
    done = shell.run("import", "--out", "projects.d", "--force")
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert snapshot(shell.path("projects.d")) == before
    return done


def test_a_reimport_keeps_policies_and_reviews_and_their_guard(user_repo: UserShell) -> None:
    user_repo.write("projects.d/reviews.yaml", REVIEW)
    user_repo.commit_all("A review")
    assert user_repo.run("apply", "--auto-approve").returncode == 0
    policies, review = user_repo.read(POLICIES), user_repo.read("projects.d/reviews.yaml")
    done = user_repo.run("import", "--out", "projects.d", "--force")
    assert done.returncode == 0, done.stderr
    assert user_repo.read(POLICIES) == policies
    assert user_repo.read("projects.d/reviews.yaml") == review
    assert "Kept 2 files import cannot write (Policy, Review)" in done.stderr
    assert "policies.yaml" in done.stderr
    assert user_repo.run("validate").returncode == 0
    # the guard still holds: a bank agent added to FitLife is refused
    fitlife = "projects.d/projects/fitlife-clubs.yaml"
    assert "  users:\n" in user_repo.read(fitlife)
    user_repo.edit(fitlife, lambda t: t.replace("  users:\n", "  users:\n    - bank.hana\n", 1))
    plan = user_repo.run("plan")
    assert plan.returncode == 1, plan.stdout
    assert "client-isolation" in plan.stdout + plan.stderr


def test_a_policy_beside_imported_kinds_is_refused_and_nothing_written(
    user_repo: UserShell,
) -> None:
    policies = user_repo.read(POLICIES)
    user_repo.edit("projects.d/roles.yaml", lambda t: t + "---\n" + policies.split("\n", 3)[3])
    user_repo.git("rm", "-q", POLICIES)
    done = refused_import(user_repo)
    assert "projects.d/roles.yaml holds a Policy beside documents import writes" in done.stderr


def test_files_that_do_not_load_are_refused_and_nothing_written(user_repo: UserShell) -> None:
    user_repo.edit(POLICIES, lambda t: t.replace("isolate:", "isolate: [", 1))
    done = refused_import(user_repo)
    assert "projects.d/policies.yaml:" in done.stderr
    assert "do not load" in done.stderr


def test_kept_files_that_no_longer_validate_are_refused(user_repo: UserShell) -> None:
    user_repo.write("projects.d/reviews.yaml", REVIEW.replace("QuickDelivery", "FitLife Clubs"))
    user_repo.commit_all("A review")
    assert user_repo.run("apply", "--auto-approve").returncode == 0
    with hand_in(user_repo.path(".reconciler/sandbox.db")) as hand:
        hand.rename("FitLife Clubs", "FitLife")
    done = refused_import(user_repo)
    assert "do not validate beside the imported files" in done.stderr
    assert "FitLife Clubs" in done.stderr
