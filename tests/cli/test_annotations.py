"""GitHub annotations (``validate --format github``, ``show PLAN --format github``): one
workflow command per problem, on the file and line it names, with the path GitHub knows
(relative to the repository, wherever it was checked out), and nothing a name can turn
into a second command."""

from __future__ import annotations

import json
import re

from usercli import UserShell

BANK = "projects.d/projects/bank-collections.yaml"
HOSTILE = "evil\\n::set-output name=exit_code::0\\r%0A,x:y"
COMMAND = re.compile(r"^::(error|warning|notice) ([a-z]+=[^,:]*)(,[a-z]+=[^,:]*)*::.*$")


def test_validate_annotates_each_problem_on_its_line(user_repo: UserShell) -> None:
    user_repo.edit(BANK, lambda t: t + f'"{HOSTILE}": 1\n')
    user_repo.write("projects.d/empty.yaml", "")
    done = user_repo.run("validate", "--format", "github")
    assert done.returncode == 1
    found = json.loads(user_repo.run("validate", "--format", "json").stdout)
    lines = done.stdout.splitlines()
    assert len(lines) == len(found) == 2, done.stdout
    assert all(COMMAND.match(line) for line in lines), lines
    unknown = next(line for line in lines if "evil" in line)
    position = next(p for p in found if "evil" in p["message"])
    assert unknown.startswith(
        f"::error file={BANK},line={position['line']},col={position['column']},title="
    )
    assert "%0A::set-output name=exit_code::0%0D%250A,x:y" in unknown
    empty = next(line for line in lines if "empty.yaml" in line)
    assert empty.startswith("::error file=projects.d/empty.yaml,title=")  # no line: the file


def test_paths_are_the_repositorys_wherever_it_is_checked_out(user_repo: UserShell) -> None:
    """plan.yml checks the pull request out into pr/: annotations still name
    projects.d/... as the pull request's diff does."""
    user_repo.edit(BANK, lambda t: t.replace("    - bank.anna\n", "    - bank.anna\n" * 2))
    parent = UserShell(user_repo.cwd.parent, user_repo.env)
    done = parent.run("validate", "--format", "github", "--config-dir", "repo/projects.d")
    assert done.returncode == 1
    (line,) = done.stdout.splitlines()
    assert line.startswith(f"::error file={BANK},line=16,col=7,"), line


def test_show_annotates_plan_violations_and_changes_needing_approval(
    user_repo: UserShell,
) -> None:
    user_repo.edit(BANK, lambda t: t.replace("    - bank.anna\n", "    - no.such.user\n"))
    planned = user_repo.run("plan", "--out", "plan.json")
    assert planned.returncode == 1  # not applicable: an unknown user
    done = user_repo.run("show", "plan.json", "--format", "github")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert all(COMMAND.match(line) for line in lines), lines
    unknown = [line for line in lines if "unknown_reference" in line]
    assert unknown and unknown[0].startswith(f"::error file={BANK},line=15,col=7,"), unknown
    assert any(
        line.startswith("::warning title=reconciler%3A grants_view_all::needs an approval")
        for line in lines
    )
    text = user_repo.run("show", "plan.json")
    assert "NOT APPLICABLE" in text.stdout
