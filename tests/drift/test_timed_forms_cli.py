"""``drift --adopt`` and ``import --force`` keep time-limited entries as written, and
adopting never extends access that has expired."""

from __future__ import annotations

from handedit import hand_in
from usercli import UserShell

BANK = "projects.d/projects/bank-collections.yaml"
ZOE = (
    "    - login: trainee.zoe   # covers the holidays\n"
    "      until: 2026-12-31\n"
    "      reason: holiday cover\n"
)


def with_zoe(user_repo: UserShell) -> UserShell:
    user_repo.edit(BANK, lambda t: t.replace("    - bank.hana\n", "    - bank.hana\n" + ZOE))
    user_repo.edit(
        "projects.d/projects/default.yaml",
        lambda t: t.replace("    - trainee.zoe   # trainees answer the front desk", "    #"),
    )
    user_repo.commit_all("Holiday cover")
    done = user_repo.run("apply", "--auto-approve", "--now", "2026-12-01")
    assert done.returncode == 0, done.stderr
    return user_repo


def test_adopting_a_hand_edit_keeps_the_time_limited_entry(user_repo: UserShell) -> None:
    shell = with_zoe(user_repo)
    with hand_in(shell.path(".reconciler/sandbox.db")) as hand:
        hand.add_user("Bank Collections", "olga.admin")
    done = shell.run("drift", "--adopt", "--now", "2026-12-10")
    assert done.returncode == 2, done.stderr
    text = shell.read(BANK)
    assert ZOE in text
    assert "    - olga.admin\n" in text
    assert shell.run("plan", "--detailed-exitcode", "--now", "2026-12-10").returncode == 0


def test_adopting_does_not_extend_expired_access(user_repo: UserShell) -> None:
    shell = with_zoe(user_repo)
    before = shell.read(BANK)
    done = shell.run("drift", "--adopt", "--now", "2026-12-31")
    assert done.returncode == 2, done.stderr
    assert shell.read(BANK) == before
    assert (
        "  user 'trainee.zoe' in project 'Bank Collections': its entry expired on 2026-12-31 "
        f"({BANK}:23): holiday cover; the next apply removes it from 'Bank Collections'"
    ) in done.stderr.splitlines()


def test_reimporting_over_the_files_keeps_end_dates(user_repo: UserShell) -> None:
    shell = with_zoe(user_repo)
    done = shell.run("import", "--out", "projects.d", "--force")
    assert done.returncode == 0, done.stderr
    text = shell.read(BANK)
    assert (
        "    - login: trainee.zoe\n      until: 2026-12-31\n      reason: holiday cover\n" in text
    )
    plan = shell.run("plan", "--detailed-exitcode", "--now", "2026-12-10")
    assert plan.returncode == 0, plan.stdout
    assert "expires in 21 days" in plan.stdout


def test_adopting_a_project_deleted_by_hand_updates_the_reviews_of_it(
    user_repo: UserShell,
) -> None:
    review = (
        "apiVersion: reconciler/v1\nkind: Review\nreviewed_on: 2026-11-30\nreviewer: kim\n"
        "projects: [QuickDelivery, FitLife Clubs]\n---\n"
        "apiVersion: reconciler/v1\nkind: Review\nreviewed_on: 2026-10-01\nreviewer: kim\n"
        "projects: [QuickDelivery]\n"
    )
    user_repo.write("projects.d/reviews.yaml", review)
    user_repo.commit_all("Reviews")
    assert user_repo.run("apply", "--auto-approve").returncode == 0
    with hand_in(user_repo.path(".reconciler/sandbox.db")) as hand:
        project, default = hand.project("QuickDelivery"), hand.project("Default")
        hand.http.delete(f"/projects/{project}", params={"move_to": default}).raise_for_status()
    done = user_repo.run("drift", "--adopt")
    assert "project QuickDelivery no longer exists live: removed" in done.stderr, done.stderr
    assert "review of 2026-10-01 names nothing live any more: removed" in done.stderr
    text = user_repo.read("projects.d/reviews.yaml")
    assert "projects: [FitLife Clubs]" in text and "2026-10-01" not in text
    assert user_repo.run("validate").returncode == 0
