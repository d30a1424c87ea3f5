"""``reconciler review`` on a real git history: several commits by several authors, a
merged pull request, a squashed one, applies from CI, a hand edit on the platform and a
Review record. Every format runs through the installed CLI; HTML in headless Chromium."""

from __future__ import annotations

import csv
import io
import subprocess
from pathlib import Path

import pytest
from browser import Dom, chromium_dom, pdf_pages
from handedit import hand_in
from usercli import UserShell

BANK = "projects.d/projects/bank-collections.yaml"
ROLES = "projects.d/roles.yaml"
ZOE = '    - {login: trainee.zoe, until: 2026-12-31, reason: "holiday cover"}\n'
REVIEW = """\
apiVersion: reconciler/v1
kind: Review
reviewed_on: 2000-01-01
reviewer: auditor.kim
projects: [Bank Collections]
note: "Q4 access review: every member confirmed"
"""
CI = {"GITHUB_ACTIONS": "true", "GITHUB_ACTOR": "mila"}


def git_as(shell: UserShell, who: str, *args: str) -> str:
    """``git ARGS`` with ``who`` (``Name <email>``) as author and committer."""
    name, email = who.removesuffix(">").split(" <")
    env = {**shell.env, "GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email}
    env.update(GIT_COMMITTER_NAME=name, GIT_COMMITTER_EMAIL=email)
    done = subprocess.run(
        ["git", *args], cwd=shell.cwd, env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def head(shell: UserShell, rev: str = "HEAD") -> str:
    return shell.git("rev-parse", rev)


@pytest.fixture
def history(user_repo: UserShell) -> dict[str, str]:
    """Olga's initial commit (applied); Boris's holiday cover merged by Mila as PR #7;
    Chen's squashed PR #8 making qa.lead a Supervisor; both applied from CI as mila;
    olga.admin adding herself to Bank Collections by hand; Kim's review record, PR #9."""
    shell = user_repo
    commits = {"initial": head(shell)}
    assert shell.run("apply", "--auto-approve").returncode == 0
    shell.git("checkout", "-q", "-b", "holiday-cover")
    shell.edit(BANK, lambda t: t.replace("    - bank.hana\n", "    - bank.hana\n" + ZOE))
    shell.edit(
        "projects.d/projects/default.yaml",
        lambda t: t.replace("    - trainee.zoe   # trainees answer the front desk", "    #"),
    )
    git_as(shell, "Boris Dev <boris@example.com>", "commit", "-qam", "Holiday cover for the bank")
    commits["boris"] = head(shell)
    shell.git("checkout", "-q", "-")
    message = "Merge pull request #7 from northwind/holiday-cover"
    git_as(
        shell,
        "Mila Merger <mila@example.com>",
        "merge",
        "-q",
        "--no-ff",
        "-m",
        message,
        "holiday-cover",
    )
    commits["merge"] = head(shell)
    shell.edit(ROLES, lambda t: t.replace("  - sv.delivery\n", "  - sv.delivery\n  - qa.lead\n"))
    git_as(shell, "Chen Author <chen@example.com>", "commit", "-qam", "Supervisor for QA (#8)")
    commits["squash"] = head(shell)
    assert shell.run("apply", "--auto-approve", env=CI).returncode == 0
    with hand_in(shell.path(".reconciler/sandbox.db")) as hand:
        hand.add_user("Bank Collections", "olga.admin")
    shell.write("projects.d/reviews.yaml", REVIEW)
    git_as(shell, "Kim Auditor <kim@example.com>", "add", "-A")
    git_as(shell, "Kim Auditor <kim@example.com>", "commit", "-qm", "Access review Q4 (#9)")
    commits["review"] = head(shell)
    return commits


def review_csv(shell: UserShell, *args: str) -> dict[tuple[str, str], dict[str, str]]:
    done = shell.run("review", "--format", "csv", "--now", "2026-12-20", *args)
    assert done.returncode == 0, done.stderr
    rows = csv.DictReader(io.StringIO(done.stdout))
    return {(r["scope"], r["member"]): r for r in rows}


def test_each_access_names_the_commit_pull_request_author_and_merger(
    user_repo: UserShell, history: dict[str, str]
) -> None:
    rows = review_csv(user_repo)
    zoe = rows[("Bank Collections", "trainee.zoe")]
    assert (zoe["status"], zoe["commit"], zoe["subject"], zoe["pr_number"]) == (
        "granted",
        history["boris"][:12],
        "Holiday cover for the bank",
        "7",
    )
    assert zoe["author"] == "Boris Dev <boris@example.com>"
    assert zoe["merged_by"] == "Mila Merger <mila@example.com>"
    assert zoe["expires"] == "expires in 11 days (2026-12-31)"
    assert zoe["reason"] == "holiday cover"
    assert zoe["since_source"] == "platform change log" and zoe["by_hand"] == ""

    qa = rows[("Supervisor", "qa.lead")]
    assert (qa["member_type"], qa["commit"], qa["pr_number"]) == (
        "holder",
        history["squash"][:12],
        "8",
    )
    assert qa["author"] == "Chen Author <chen@example.com>"
    assert qa["merged_by"] == "applied by github:mila"

    anna = rows[("Bank Collections", "bank.anna")]
    assert (anna["commit"], anna["author"]) == (
        history["initial"][:12],
        "Olga Admin <olga@example.com>",
    )
    assert anna["expires"] == "" and anna["status"] == "granted"

    olga = rows[("Bank Collections", "olga.admin")]
    assert olga["status"] == "by hand, not in the files"
    assert olga["by_hand"].startswith("by olga.admin at ")
    assert olga["commit"] == ""


def test_a_review_record_shows_as_last_reviewed(
    user_repo: UserShell, history: dict[str, str]
) -> None:
    done = user_repo.run("review", "--project", "Bank Collections", "--now", "2026-12-20")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[2:4] == [
        "== Project Bank Collections ==",
        f"Last reviewed 2000-01-01 by auditor.kim (commit {history['review'][:12]}, PR #9): "
        "Q4 access review: every member confirmed",
    ]
    assert "      granted by hand on the platform by olga.admin at " in done.stdout
    assert "== Roles that see everything ==" in lines
    assert "== Project FitLife Clubs ==" not in lines
    fitlife = user_repo.run("review", "--project", "FitLife Clubs", "--format", "markdown")
    assert "Never reviewed (no Review record names it)." in fitlife.stdout


def test_the_markdown_review_is_one_table_per_page(
    user_repo: UserShell, history: dict[str, str]
) -> None:
    done = user_repo.run("review", "--format", "markdown", "--now", "2026-12-20")
    assert done.returncode == 0, done.stderr
    headings = [ln for ln in done.stdout.splitlines() if ln.startswith("## ")]
    assert headings == [
        "## Project Bank Collections",
        "## Project Default",
        "## Project FitLife Clubs",
        "## Project QuickDelivery",
        "## Role holdings",
    ]
    assert "| Member | Status | Since | Granted by | Author | Merged by | Expires | Notes |" in (
        done.stdout
    )


def test_the_html_review_prints_one_page_per_project_in_chromium(
    user_repo: UserShell, history: dict[str, str], tmp_path: Path
) -> None:
    out = tmp_path / "review.html"
    evil = 'Evil <img src=x onerror="alert(1)"> & </table>'
    user_repo.write(
        "projects.d/projects/evil.yaml",
        f"apiVersion: reconciler/v1\nkind: Project\nname: '{evil}'\n",
    )
    done = user_repo.run("review", "--format", "html", "--now", "2026-12-20")
    assert done.returncode == 0, done.stderr
    out.write_text(done.stdout, encoding="utf-8")
    dom: Dom = chromium_dom(out)
    sections = dom.find_all("section")
    assert [s.first("h2").text for s in sections] == [
        "Project Bank Collections",
        "Project Default",
        f"Project {evil}",
        "Project FitLife Clubs",
        "Project QuickDelivery",
        "Role holdings",
    ]
    assert dom.find_all("img") == [] and len(dom.find_all("table")) == len(sections)
    bank = sections[0]
    assert bank.first("p").text.startswith("Last reviewed 2000-01-01 by auditor.kim")
    cells = {row.cells()[0]: row.cells() for row in bank.find_all("tr")[1:]}
    assert cells["user trainee.zoe"][1] == "granted"
    assert cells["user trainee.zoe"][6] == "expires in 11 days (2026-12-31)"
    assert cells["user olga.admin"][1] == "by hand, not in the files"
    one = tmp_path / "bank.html"
    single = user_repo.run("review", "--format", "html", "--project", "Bank Collections")
    one.write_text(single.stdout, encoding="utf-8")
    assert pdf_pages(one, tmp_path / "bank.pdf") == len(chromium_dom(one).find_all("section"))


def test_an_unknown_project_is_a_usage_error(user_repo: UserShell) -> None:
    done = user_repo.run("review", "--project", "Bank Colections")
    assert done.returncode == 2
    assert "no project 'Bank Colections' in the files or live; did you mean Bank Collections?" in (
        done.stderr
    )
