"""`protected: true` protects, through the real CLI in a real git repository.

A protection written in a file must not disappear with the file: the audit trail names
the commit of the last successful apply, git holds what the files said then, and a plan
deleting a project protected there is refused until an applied change lifted the
protection. When the trail or git cannot tell, deleting a project that still holds
members or single-project objects needs an explicit ``--allow-delete NAME``, which the
plan and the apply's audit record carry. A delete plus a create of a project with
mostly the same contents is a probable rename.
"""

from __future__ import annotations

import json
import shutil
from typing import Any

from usercli import BUNDLED_CONFIG, UserShell

from reconciler.audit import AuditLog

BANK = "projects.d/projects/bank-collections.yaml"
FITLIFE = "projects.d/projects/fitlife.yaml"
POLICIES = "projects.d/policies.yaml"


def pruning(shell: UserShell, *, git: bool = True) -> str:
    """Turn prune on, commit (in a repository), apply everything; the applied commit."""
    shell.edit("projects.d/company.yaml", lambda t: t.replace("prune: false", "prune: true"))
    commit = shell.commit_all("prune undeclared projects") if git else ""
    done = shell.run("apply", "--auto-approve")
    assert done.returncode == 0, done.stderr
    return commit


def drop_bank(shell: UserShell) -> None:
    shell.path(BANK).unlink()
    shell.edit(POLICIES, lambda t: t.replace("  - Bank Collections\n", ""))


def drop_fitlife(shell: UserShell) -> None:
    shell.path(FITLIFE).unlink()
    shell.edit(POLICIES, lambda t: t.replace("  - FitLife Clubs\n", ""))


def plan_json(shell: UserShell, *args: str) -> tuple[int, dict[str, Any]]:
    done = shell.run("plan", "--format", "json", "--allow-mass-change", *args)
    assert done.returncode in (0, 1), done.stderr
    return done.returncode, json.loads(done.stdout)


def violations(plan: dict[str, Any], code: str) -> list[dict[str, Any]]:
    return [v for v in plan["violations"] if v["code"] == code]


def deletes(plan: dict[str, Any]) -> list[str]:
    return [c["name"] for c in plan["changes"] if c["type"] == "project_delete"]


def last_record(shell: UserShell) -> dict[str, Any]:
    return dict(list(AuditLog(shell.path(".reconciler/audit.jsonl")).entries())[-1].data)


def test_deleting_the_file_of_a_protected_project_is_refused(user_repo: UserShell) -> None:
    applied = pruning(user_repo)
    drop_bank(user_repo)
    user_repo.commit_all("drop the bank")

    code, plan = plan_json(user_repo)
    assert code == 1
    assert deletes(plan) == ["Bank Collections"]
    [found] = violations(plan, "protected_project")
    assert found["blocking"] is True
    # where the protection was written, as `git show COMMIT:PATH` names it
    assert found["position"] == f"{applied[:12]}:{BANK}:9:1"
    assert f"commit {applied[:12]}" in found["message"]
    assert "audit record #2 in .reconciler/audit.jsonl" in found["message"]
    assert "apply that" in found["message"]

    text = user_repo.run("plan", "--allow-mass-change")
    assert text.returncode == 1
    assert f"error: {applied[:12]}:{BANK}:9:1: project 'Bank Collections' was protected" in (
        text.stdout
    )
    # no acknowledgement overrides a protection, and nothing is written
    refused = user_repo.run(
        "apply", "--auto-approve", "--allow-mass-change", "--allow-delete", "Bank Collections"
    )
    assert refused.returncode == 1
    assert "not applicable" in refused.stderr
    assert deletes(plan_json(user_repo)[1]) == ["Bank Collections"]  # still live


def test_lifting_the_protection_in_an_applied_commit_then_deleting_works(
    user_repo: UserShell,
) -> None:
    pruning(user_repo)
    user_repo.edit(BANK, lambda t: t.replace("protected: true ", "protected: false"))
    user_repo.commit_all("the bank line is closing: lift its protection")
    lifted = user_repo.run("apply", "--auto-approve")
    assert lifted.returncode == 0, lifted.stderr
    assert "No changes" in lifted.stdout
    assert last_record(user_repo)["outcome"] == "applied"  # an empty apply is recorded too

    drop_bank(user_repo)
    user_repo.commit_all("drop the bank")
    code, plan = plan_json(user_repo)
    assert code == 0, plan["violations"]
    assert deletes(plan) == ["Bank Collections"]
    done = user_repo.run("apply", "--auto-approve", "--allow-mass-change")
    assert done.returncode == 0, done.stderr
    assert deletes(plan_json(user_repo)[1]) == []


def test_a_rename_without_previous_names_is_a_probable_rename(user_repo: UserShell) -> None:
    pruning(user_repo)
    user_repo.edit(FITLIFE, lambda t: t.replace("name: FitLife Clubs", "name: FitLife"))
    user_repo.edit(POLICIES, lambda t: t.replace("  - FitLife Clubs\n", "  - FitLife\n"))
    user_repo.commit_all("rename FitLife")

    code, plan = plan_json(user_repo)
    assert code == 1
    [found] = violations(plan, "probable_rename")
    assert found["blocking"] is True
    assert found["position"] == f"{FITLIFE}:6:1"
    assert (
        f'add "previous_names: [FitLife Clubs]" to project FitLife ({FITLIFE}:6:1)'
        in found["message"]
    )
    assert "21 of 21 members and objects" in found["message"]

    code, plan = plan_json(user_repo, "--allow-delete", "FitLife Clubs")
    assert code == 0
    assert plan["allow_delete"] == ["FitLife Clubs"]
    assert violations(plan, "probable_rename")[0]["blocking"] is False


def test_renaming_a_protected_project_without_previous_names_is_refused(
    user_repo: UserShell,
) -> None:
    pruning(user_repo)
    user_repo.edit(BANK, lambda t: t.replace("name: Bank Collections", "name: Bank Debt"))
    user_repo.edit(POLICIES, lambda t: t.replace("  - Bank Collections\n", "  - Bank Debt\n"))
    user_repo.commit_all("rename the bank")
    code, plan = plan_json(user_repo, "--allow-delete", "Bank Collections")
    assert code == 1
    assert [v["blocking"] for v in violations(plan, "protected_project")] == [True]
    [rename] = violations(plan, "probable_rename")
    assert 'add "previous_names: [Bank Collections]" to project Bank Debt' in rename["message"]


def test_without_an_audit_log_a_delete_needs_an_acknowledgement_recorded_in_the_apply(
    user_repo: UserShell,
) -> None:
    pruning(user_repo)
    user_repo.path(".reconciler/audit.jsonl").unlink()
    drop_fitlife(user_repo)
    user_repo.commit_all("drop FitLife")

    code, plan = plan_json(user_repo)
    assert code == 1
    [found] = violations(plan, "unverified_delete")
    assert found["blocking"] is True
    message = found["message"]
    assert "project 'FitLife Clubs' (6 users, 1 group, 5 single-project objects)" in message
    assert "there is no audit log at .reconciler/audit.jsonl" in message
    assert "--allow-delete 'FitLife Clubs'" in message

    code, plan = plan_json(user_repo, "--allow-delete", "FitLife Clubs")
    assert code == 0
    assert plan["allow_delete"] == ["FitLife Clubs"]
    assert [v["blocking"] for v in violations(plan, "unverified_delete")] == [False]

    done = user_repo.run("apply", "--auto-approve", "--allow-delete", "FitLife Clubs")
    assert done.returncode == 0, done.stderr
    record = last_record(user_repo)
    assert record["type"] == "apply_finished"
    assert record["allow_delete"] == ["FitLife Clubs"]
    assert deletes(plan_json(user_repo)[1]) == []


def test_a_saved_plan_carries_the_acknowledgement_into_the_audit_record(
    user_repo: UserShell,
) -> None:
    pruning(user_repo)
    drop_fitlife(user_repo)
    user_repo.commit_all("drop FitLife")
    shutil.move(user_repo.path(".reconciler/audit.jsonl"), user_repo.path("elsewhere.jsonl"))
    saved = user_repo.run("plan", "--allow-delete", "FitLife Clubs", "--out", "plan.json")
    assert saved.returncode == 0, saved.stdout + saved.stderr
    data = json.loads(user_repo.read("plan.json"))
    assert data["plan"]["allow_delete"] == ["FitLife Clubs"]
    done = user_repo.run("apply", "plan.json")
    assert done.returncode == 0, done.stderr
    assert last_record(user_repo)["allow_delete"] == ["FitLife Clubs"]


def test_an_acknowledgement_naming_no_deleted_project_is_refused(user_repo: UserShell) -> None:
    done = user_repo.run("plan", "--allow-delete", "FitLife Club")
    assert done.returncode == 1
    assert "--allow-delete 'FitLife Club': the plan deletes no project of that name" in (
        done.stdout
    )
    assert "[allow_delete_unused]" in done.stdout


def test_a_file_dropped_while_prune_was_off_does_not_lift_its_protection(
    user_repo: UserShell,
) -> None:
    assert user_repo.run("apply", "--auto-approve").returncode == 0
    drop_bank(user_repo)
    user_repo.commit_all("stop managing the bank")  # prune is off: the bank stays live
    assert user_repo.run("apply", "--auto-approve").returncode == 0
    user_repo.edit("projects.d/company.yaml", lambda t: t.replace("prune: false", "prune: true"))
    user_repo.commit_all("prune")
    code, plan = plan_json(user_repo)
    assert code == 1
    [found] = violations(plan, "unverified_delete")
    assert "the last applied configuration (commit" in found["message"]
    assert "does not declare it" in found["message"]


def test_outside_git_a_delete_needs_an_acknowledgement(user_shell: UserShell) -> None:
    shutil.copytree(BUNDLED_CONFIG, user_shell.path("projects.d"))
    pruning(user_shell, git=False)
    drop_fitlife(user_shell)
    code, plan = plan_json(user_shell)
    assert code == 1
    [found] = violations(plan, "unverified_delete")
    assert "not made from a git commit" in found["message"]


def test_an_empty_project_stays_deletable_without_history(user_repo: UserShell) -> None:
    pruning(user_repo)
    user_repo.write(
        "projects.d/projects/temp.yaml",
        "apiVersion: reconciler/v1\nkind: Project\nname: Temp\nprotected: true\n",
    )
    user_repo.commit_all("a temporary project")
    assert user_repo.run("apply", "--auto-approve").returncode == 0
    user_repo.edit("projects.d/projects/temp.yaml", lambda t: t.replace("true", "false"))
    user_repo.commit_all("lift")
    user_repo.path("projects.d/projects/temp.yaml").unlink()
    user_repo.commit_all("drop Temp")  # protection lifted, but never applied ...
    code, plan = plan_json(user_repo)
    assert code == 1 and violations(plan, "protected_project")  # ... so it still holds
    user_repo.path(".reconciler/audit.jsonl").unlink()  # no history: an empty one may go
    code, plan = plan_json(user_repo)
    assert code == 0, plan["violations"]
    assert deletes(plan) == ["Temp"]


def test_a_shallow_clone_cannot_tell_and_says_what_to_fetch(user_repo: UserShell) -> None:
    pruning(user_repo)
    drop_fitlife(user_repo)
    user_repo.commit_all("drop FitLife")
    user_repo.git("clone", "-q", "--depth", "1", f"file://{user_repo.cwd}", "../ci")
    ci = UserShell(user_repo.cwd.parent / "ci", user_repo.env)
    shutil.copytree(user_repo.path(".reconciler"), ci.path(".reconciler"))
    code, plan = plan_json(ci)
    assert code == 1
    [found] = violations(plan, "unverified_delete")
    assert "is not in this clone" in found["message"]
    assert "fetch-depth: 0" in found["message"]
    user_repo.git("-C", "../ci", "fetch", "-q", "--unshallow")
    code, plan = plan_json(ci)
    assert code == 0, plan["violations"]


def test_a_saved_plan_made_without_the_history_is_checked_again_at_apply(
    user_repo: UserShell,
) -> None:
    pruning(user_repo)
    drop_bank(user_repo)
    user_repo.commit_all("drop the bank")
    blind = ("--audit-log", "missing.jsonl", "--allow-delete", "Bank Collections")
    saved = user_repo.run("plan", "--allow-mass-change", *blind, "--out", "plan.json")
    assert saved.returncode == 0, saved.stdout  # acknowledged: nobody could tell
    done = user_repo.run("apply", "plan.json")
    assert done.returncode == 1
    assert "refusing the saved plan: project 'Bank Collections' was protected" in done.stderr
    assert deletes(plan_json(user_repo)[1]) == ["Bank Collections"]  # nothing applied
