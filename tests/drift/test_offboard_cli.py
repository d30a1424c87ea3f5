"""``reconciler offboard`` through the real CLI: a leaver listed in every kind of place
(block and flow lists, plain, quoted and time-limited entries, projects and roles) is
removed everywhere, comments and layout stay, and the next plan removes the access live."""

from __future__ import annotations

import json
import sqlite3

from usercli import UserShell

TRAINING = """\
# Onboarding classes: trainers and whoever is being trained this month.
apiVersion: reconciler/v1
kind: Project
name: Training
members:
  users: [fit.julia, "bank.anna", fit.ivan]   # flow style, kept as it is
---
apiVersion: reconciler/v1
kind: Project
name: Audit Desk
members:
  users:
    - login: bank.anna          # audits the bank line in December
      until: 2027-03-31
      reason: "year-end audit"
    - sv.delivery
"""
TRAINER = """\
---
# Trainers run the onboarding classes.
apiVersion: reconciler/v1
kind: Role
name: Trainer
permissions: [project_list]
users: [{login: bank.anna, until: 2027-06-30}, fit.ivan]
"""


def leaver_everywhere(user_repo: UserShell) -> None:
    user_repo.write("projects.d/projects/training.yaml", TRAINING)
    user_repo.edit("projects.d/roles.yaml", lambda t: t + TRAINER)
    user_repo.edit(
        "projects.d/roles.yaml", lambda t: t.replace("  - sv.fit\n", "  - bank.anna\n  - sv.fit\n")
    )
    user_repo.commit_all("Training and audit desks")
    done = user_repo.run("apply", "--auto-approve", "--now", "2026-12-01")
    assert done.returncode == 0, done.stdout + done.stderr


def test_offboarding_removes_a_user_from_every_kind_of_place(user_repo: UserShell) -> None:
    leaver_everywhere(user_repo)
    user_repo.write("leavers.txt", "# HR export, week 49\nbank.anna\n\nbank.anan   # typo\n")
    done = user_repo.run("offboard", "--from-file", "leavers.txt")
    assert done.returncode == 0, done.stderr
    assert "--- a/projects.d/projects/training.yaml\n+++ b/projects.d/projects/training.yaml" in (
        done.stdout
    )
    assert (
        '-  users: [fit.julia, "bank.anna", fit.ivan]   # flow style, kept as it is' in done.stdout
    )
    assert "+  users: [fit.julia, fit.ivan]" in done.stdout
    changed = [ln.strip() for ln in done.stderr.splitlines() if ln.startswith("  projects.d/")]
    assert changed == [
        "projects.d/projects/bank-collections.yaml",
        "projects.d/projects/training.yaml",
        "projects.d/roles.yaml",
    ]
    assert (
        "note: no file lists bank.anan; did you mean bank.hana, bank.anna, bank.dina?"
        in done.stderr
    )
    assert "bank.anna" not in user_repo.read("projects.d/roles.yaml")
    training = user_repo.read("projects.d/projects/training.yaml")
    assert "bank.anna" not in training and "year-end audit" not in training
    assert training.startswith("# Onboarding classes: trainers")
    assert "  users: [fit.julia, fit.ivan]" in training
    assert "# flow style, kept as it is\n" in training
    assert "  users:\n    - sv.delivery\n" in training
    roles = user_repo.read("projects.d/roles.yaml")
    assert "users: [fit.ivan]\n" in roles
    assert "# Trainers run the onboarding classes.\n" in roles
    assert user_repo.run("validate").returncode == 0

    plan = user_repo.run("plan", "--format", "json", "--now", "2026-12-01")
    assert plan.returncode == 0, plan.stderr
    removed = sorted(
        (c["type"], c.get("project") or c.get("role"))
        for c in json.loads(plan.stdout)["changes"]
        if (c.get("member") or c.get("user")) == "bank.anna"
    )
    assert removed == [
        ("member_remove", "Audit Desk"),
        ("member_remove", "Bank Collections"),
        ("member_remove", "Training"),
        ("role_holder_remove", "Supervisor"),
        ("role_holder_remove", "Trainer"),
    ]


def test_a_dry_run_writes_nothing(user_repo: UserShell) -> None:
    before = user_repo.read("projects.d/projects/bank-collections.yaml")
    done = user_repo.run("offboard", "bank.anna", "--dry-run")
    assert done.returncode == 0, done.stderr
    assert "-    - bank.anna\n" in done.stdout
    assert done.stderr.startswith("Would change 1 file(s) under projects.d:")
    assert user_repo.read("projects.d/projects/bank-collections.yaml") == before


def test_files_that_do_not_validate_are_not_written(user_repo: UserShell) -> None:
    user_repo.write("projects.d/broken.yaml", "apiVersion: reconciler/v1\nkind: Project\n")
    before = user_repo.read("projects.d/projects/bank-collections.yaml")
    done = user_repo.run("offboard", "bank.anna")
    assert done.returncode == 1
    assert "offboard wrote nothing: the edited files would not validate" in done.stderr
    assert "projects.d/broken.yaml" in done.stderr
    assert user_repo.read("projects.d/projects/bank-collections.yaml") == before


def test_no_login_is_a_usage_error(user_repo: UserShell) -> None:
    done = user_repo.run("offboard")
    assert done.returncode == 2
    assert "give at least one LOGIN, or --from-file FILE" in done.stderr


def test_plan_names_users_the_platform_no_longer_has(user_repo: UserShell) -> None:
    """HR deactivated bank.boris on the platform: plan names him and the command."""
    assert user_repo.run("plan").returncode == 0  # creates the sandbox
    with sqlite3.connect(user_repo.path(".reconciler/sandbox.db")) as db:
        db.execute("PRAGMA foreign_keys = ON")
        db.execute("DELETE FROM users WHERE login = 'bank.boris'")
    done = user_repo.run("plan", "--format", "json")
    assert done.returncode == 1
    data = json.loads(done.stdout)
    messages = [v["message"] for v in data["violations"] if v["code"] == "unknown_reference"]
    assert messages == [
        "project 'Bank Collections': user 'bank.boris' does not exist on the platform; "
        "did you mean 'bank.egor', 'bank.farida', 'bank.gleb'?; "
        "if they left, `reconciler offboard bank.boris` removes them from the files"
    ]
    assert (
        "1 user in the files no longer exists on the platform: bank.boris; if they left "
        "(deactivated), `reconciler offboard bank.boris` removes them from every project and "
        "role in the files"
    ) in data["notes"]
    assert user_repo.run("offboard", "bank.boris").returncode == 0
    assert user_repo.run("plan").returncode == 0
