"""``reconciler drift --adopt`` as a user runs it: in a git repository holding the bundled
``projects.d/``, against the default embedded sandbox, after someone edited the platform
by hand. Adopt must leave files that validate, list every file it touched, and name each
live fact it could not write."""

from __future__ import annotations

import json
import re
import subprocess

import pytest
from handedit import hand_in
from usercli import UserShell

SANDBOX = ".reconciler/sandbox.db"


@pytest.fixture
def applied(user_repo: UserShell) -> UserShell:
    """The bundled company applied to the default sandbox: files and live agree."""
    done = user_repo.run("apply", "--auto-approve")
    assert done.returncode == 0, done.stderr
    assert user_repo.run("drift").returncode == 0
    return user_repo


def adopt(shell: UserShell) -> subprocess.CompletedProcess[str]:
    done = shell.run("drift", "--adopt")
    assert "Traceback" not in done.stderr
    return done


def listed(stderr: str) -> dict[str, str]:
    """``path -> verb`` of the files adopt says it changed, created or removed."""
    return dict(
        (m.group(2), m.group(1))
        for m in re.finditer(r"^  (changed|created|removed) (\S.*)$", stderr, re.M)
    )


def git_changes(shell: UserShell) -> dict[str, str]:
    """``path -> verb`` from git: what really changed in the working tree."""
    verbs = {"M": "changed", "??": "created", "D": "removed"}
    out = shell.git("status", "--porcelain", "--untracked-files=all", "--", "projects.d")
    return {
        path: verbs[code] for code, path in (line.split(maxsplit=1) for line in out.splitlines())
    }


def planned_changes(shell: UserShell) -> list[dict[str, object]]:
    done = shell.run("plan", "--format", "json")
    assert done.returncode in (0, 1), done.stderr
    changes: list[dict[str, object]] = json.loads(done.stdout)["changes"]
    return [{k: v for k, v in c.items() if k != "reason"} for c in changes]


def removal(project: str, member: str) -> dict[str, object]:
    return {
        "type": "member_remove",
        "action": "remove",
        "project": project,
        "member_type": "user",
        "member": member,
    }


def assert_valid(shell: UserShell) -> None:
    done = shell.run("validate")
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_member_placed_by_hand_while_still_in_default(applied: UserShell) -> None:
    with hand_in(applied.path(SANDBOX)) as hand:
        hand.add_user("Bank Collections", "trainee.zoe")
    done = adopt(applied)
    assert done.returncode == 2, done.stderr
    assert_valid(applied)
    assert (
        listed(done.stderr)
        == git_changes(applied)
        == {
            "projects.d/projects/bank-collections.yaml": "changed",
            "projects.d/projects/default.yaml": "changed",
        }
    )
    assert (
        "  user 'trainee.zoe' in project 'Default': also live in project 'Bank Collections', "
        "and company default_project.remove_placed_members takes placed members out of "
        "'Default', so the files cannot list it there; the next apply removes it from 'Default'\n"
    ) in done.stderr
    assert planned_changes(applied) == [removal("Default", "trainee.zoe")]
    assert "- trainee.zoe" in applied.read("projects.d/projects/bank-collections.yaml")
    assert "trainee.zoe" not in applied.read("projects.d/projects/default.yaml")


def test_default_not_declared_is_written_without_its_placed_members(
    user_repo: UserShell,
) -> None:
    user_repo.path("projects.d/projects/default.yaml").unlink()
    user_repo.commit_all("Default is left to the platform")
    assert user_repo.run("apply", "--auto-approve").returncode == 0
    with hand_in(user_repo.path(SANDBOX)) as hand:
        hand.add_user("Bank Collections", "trainee.zoe")
    done = adopt(user_repo)
    assert done.returncode == 2, done.stderr
    assert_valid(user_repo)
    assert (
        listed(done.stderr)
        == git_changes(user_repo)
        == {
            "projects.d/projects/bank-collections.yaml": "changed",
            "projects.d/projects/default.yaml": "created",
        }
    )
    assert "user 'trainee.zoe' in project 'Default'" in done.stderr
    assert planned_changes(user_repo) == [removal("Default", "trainee.zoe")]


def test_a_member_added_to_an_isolated_project_keeps_the_declared_one(
    applied: UserShell,
) -> None:
    with hand_in(applied.path(SANDBOX)) as hand:
        hand.add_user("FitLife Clubs", "bank.anna")
    done = adopt(applied)
    assert done.returncode == 2, done.stderr
    assert_valid(applied)
    assert listed(done.stderr) == git_changes(applied) == {}
    assert "no file needed a change" in done.stderr
    assert (
        "  user 'bank.anna' in project 'FitLife Clubs': also live in project 'Bank Collections', "
        "which policy 'client-isolation' isolates from it"
    ) in done.stderr
    assert planned_changes(applied) == [removal("FitLife Clubs", "bank.anna")]


def test_a_previous_name_taken_by_a_new_live_project_is_dropped(user_repo: UserShell) -> None:
    user_repo.edit(
        "projects.d/projects/bank-collections.yaml",
        lambda t: t.replace(
            "name: Bank Collections\n", "name: Bank Collections\nprevious_names: [Bank]\n"
        ),
    )
    user_repo.commit_all("Bank Collections was called Bank once")
    assert user_repo.run("apply", "--auto-approve").returncode == 0
    with hand_in(user_repo.path(SANDBOX)) as hand:
        hand.create_project("Bank")
    done = adopt(user_repo)
    assert done.returncode == 0, done.stderr  # an undeclared project is not drift
    assert_valid(user_repo)
    assert (
        listed(done.stderr)
        == git_changes(user_repo)
        == {
            "projects.d/projects/bank-collections.yaml": "changed",
            "projects.d/projects/bank.yaml": "created",
        }
    )
    assert "dropped previous name Bank, the name of another live project" in done.stderr
    assert planned_changes(user_repo) == []


def test_hidden_files_the_loader_skips_are_left_alone(applied: UserShell) -> None:
    draft = "projects.d/.drafts/pilot.yaml"
    text = "apiVersion: reconciler/v1\nkind: Project\nname: Pilot\n"
    applied.write(draft, text)
    with hand_in(applied.path(SANDBOX)) as hand:
        hand.add_user("Bank Collections", "olga.admin")
    done = adopt(applied)
    assert done.returncode == 2, done.stderr
    assert applied.read(draft) == text
    assert listed(done.stderr) == {"projects.d/projects/bank-collections.yaml": "changed"}


@pytest.mark.parametrize(
    ("edit", "said"),
    [
        (
            lambda hand: hand.create_project("Night Desk "),
            "project 'Night Desk ': name 'Night Desk ' is not a valid name in the files",
        ),
        (
            lambda hand: hand.create_role("admin", ["view_all"]),
            "role 'admin': a custom role cannot be named like 'Admin'",
        ),
    ],
)
def test_live_values_no_file_can_hold_write_nothing(
    applied: UserShell, edit: object, said: str
) -> None:
    with hand_in(applied.path(SANDBOX)) as hand:
        hand.add_user("Bank Collections", "olga.admin")
        edit(hand)  # type: ignore[operator]
    done = adopt(applied)
    assert done.returncode == 1, done.stderr
    assert "error: drift --adopt wrote nothing: live holds values no file can hold:" in done.stderr
    assert said in done.stderr
    assert git_changes(applied) == {}
