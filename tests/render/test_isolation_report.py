"""``reconciler report isolation`` as a user runs it, and its HTML page in a real
headless Chromium (Debian's ``chromium``; ``.ci/run`` installs it): it loads without an
error, requests nothing but itself, its search filters as one types, it prints to PDF,
and a screenshot is kept in ``build/test-artifacts/`` for a person to look at."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from cdp import Browser, chromium
from usercli import REPO_ROOT, UserShell

from reconciler.plan.settings import PolicySpec
from reconciler.report.isolation import Stamp, isolation_report
from reconciler.report.isolation_html import render_html
from reconciler.state.snapshot import ProjectState, RoleState, Snapshot

ARTIFACTS = REPO_ROOT / "build" / "test-artifacts"
STAMP_LINE = re.compile(
    r"^Made at: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ from commit [0-9a-f]{40} \(clean\)$"
)


def _applied(user_repo: UserShell) -> UserShell:
    done = user_repo.run("apply", "--auto-approve")
    assert done.returncode == 0, done.stderr
    return user_repo


def test_the_applied_example_holds_and_is_stamped(user_repo: UserShell) -> None:
    shell = _applied(user_repo)
    done = shell.run("report", "isolation")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[1] == "Target: sandbox:.reconciler/sandbox.db"
    assert lines[2] == "State: live"
    assert any(STAMP_LINE.match(line) for line in lines), lines[:8]
    assert "  client-isolation (Bank Collections, FitLife Clubs, QuickDelivery): holds" in lines
    assert (
        "    Bank Collections / FitLife Clubs: nobody is in both (directly or via a group)" in lines
    )
    assert "  qa.lead: view_all (role QA Lead)" in lines
    bank = lines.index(next(line for line in lines if line.startswith("  Bank Collections: ")))
    assert lines[bank + 1] == "    bank.anna: member, via group bank-collectors"
    again = shell.run("report", "isolation", "--format", "json")
    data = json.loads(again.stdout)
    assert data["holds"] is True
    assert data["stamp"]["commit"] == shell.git("rev-parse", "HEAD")
    assert data["stamp"]["live_fingerprint"].startswith("sha256:")
    # the same state and commit, made again later: the same checksum
    checksum = next(line for line in lines if line.startswith("Report checksum: "))
    assert data["checksum"] in checksum
    viewers = {v["user"]: v["paths"] for p in data["projects"] for v in p["viewers"]
               if p["project"] == "Default"}  # fmt: skip
    assert viewers["olga.admin"] == ["Admin"] and viewers["trainee.zoe"] == ["member"]


def test_a_user_in_two_isolated_projects_breaks_the_policy(user_repo: UserShell) -> None:
    shell = _applied(user_repo)
    joined = shell.run(
        "sandbox", "user", "--db", ".reconciler/sandbox.db", "mole", "--project",
        "Bank Collections", "--group", "fitness-sales", "--token-file", ".reconciler/mole.token",
    )  # fmt: skip
    assert joined.returncode == 0, joined.stderr
    done = shell.run("report", "isolation", "--format", "markdown")
    assert done.returncode == 1
    assert done.stdout.startswith("## Isolation report: :x: a policy is broken\n")
    assert (
        "  - Bank Collections / FitLife Clubs: **mole** (Bank Collections: member; "
        "FitLife Clubs: via group fitness-sales)"
    ) in done.stdout
    assert "  - Bank Collections / QuickDelivery: nobody is in both" in done.stdout


def test_before_apply_the_files_say_what_will_hold(user_repo: UserShell) -> None:
    live = user_repo.run("report", "isolation")
    assert live.returncode == 0
    assert "nothing to check (fewer than two of its projects exist)" in live.stdout
    desired = user_repo.run("report", "isolation", "--state", "desired", "--project", "Bank*")
    assert desired.returncode == 0, desired.stderr
    assert "State: desired (the files merged over live)" in desired.stdout
    assert "Desired fingerprint: sha256:" in desired.stdout
    assert re.findall(r"^  (\S[^:]*): \d+ objects", desired.stdout, flags=re.M) == [
        "Bank Collections"
    ]
    assert "3 other project(s) not shown." in desired.stdout
    assert "Bank Collections / FitLife Clubs: nobody is in both" in desired.stdout
    assert "FitLife Clubs / QuickDelivery" not in desired.stdout  # no side shown
    assert user_repo.run("report", "isolation", "--project", "Nope").returncode == 2


def test_desired_leaves_out_access_expired_by_then(user_repo: UserShell) -> None:
    """trainee.zoe covers in Bank Collections until the end of 2026: the desired state
    lists her while the cover lasts, and not after (as apply would make it, as of --now)."""
    cover = '    - {login: trainee.zoe, until: 2026-12-31, reason: "holiday cover"}\n'
    path = "projects.d/projects/bank-collections.yaml"
    user_repo.edit(path, lambda t: t.replace("    - bank.hana\n", "    - bank.hana\n" + cover))
    user_repo.edit(
        "projects.d/projects/default.yaml",
        lambda t: t.replace("    - trainee.zoe   # trainees answer the front desk", "    #"),
    )
    user_repo.commit_all("Holiday cover")
    args = ("report", "isolation", "--state", "desired", "--project", "Bank*", "--now")
    during = user_repo.run(*args, "2026-12-15")
    assert during.returncode == 0, during.stderr
    assert "    trainee.zoe: member\n" in during.stdout
    after = user_repo.run(*args, "2027-01-01")
    assert after.returncode == 0, after.stderr
    assert "trainee.zoe" not in after.stdout
    assert "seen by 9 member(s)" in after.stdout


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Browser]:
    if chromium() is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is missing: .ci/run installs it (apt-get install -y chromium)")
        pytest.skip("chromium is not installed")
    opened = Browser.start(tmp_path / "profile")
    try:
        yield opened
    finally:
        opened.close()


_VISIBLE_PROJECTS = (
    "Array.from(document.querySelectorAll('.project')).filter(p => !p.hidden)"
    ".map(p => p.querySelector('h3').textContent)"
)
_VISIBLE_ROWS = (
    "Array.from(document.querySelectorAll('.project tbody tr')).filter(r => !r.hidden"
    " && !r.closest('.project').hidden).map(r => r.cells[0].textContent)"
)


def test_the_html_report_loads_searches_prints_in_chromium(
    user_repo: UserShell, browser: Browser
) -> None:
    shell = _applied(user_repo)
    done = shell.run("report", "isolation", "--format", "html", "--out", "isolation.html")
    assert done.returncode == 0, done.stderr
    page = shell.path("isolation.html")
    browser.open(page.as_uri())
    browser.poll("document.body.getAttribute('data-ready')", "1")
    assert browser.errors() == []
    assert {url for url in browser.requests()} == {page.as_uri()}  # nothing from outside
    assert browser.evaluate(_VISIBLE_PROJECTS) == [
        "Bank Collections", "Default", "FitLife Clubs", "QuickDelivery"
    ]  # fmt: skip
    browser.type_text("#q", "bank.anna")
    browser.poll(_VISIBLE_PROJECTS, ["Bank Collections"])
    assert browser.evaluate(_VISIBLE_ROWS) == ["bank.anna"]
    assert browser.evaluate("document.getElementById('count').textContent") == (
        "1 project(s), 1 row(s) match"
    )
    shot = browser.screenshot(ARTIFACTS / "isolation-report-search.png")
    assert shot.startswith(b"\x89PNG")
    browser.evaluate("document.getElementById('q').value = ''")
    browser.type_text("#q", "QuickDel")
    browser.poll(_VISIBLE_PROJECTS, ["QuickDelivery"])
    assert len(browser.evaluate(_VISIBLE_ROWS)) == 10  # every member of the project shown
    assert browser.pdf().startswith(b"%PDF")
    assert browser.errors() == []


def test_the_html_report_opens_filtered_from_its_address(
    user_repo: UserShell, browser: Browser
) -> None:
    shell = _applied(user_repo)
    shell.run("report", "isolation", "--format", "html", "--out", "isolation.html")
    browser.open(shell.path("isolation.html").as_uri() + "#q=trainee")
    browser.poll("document.body.getAttribute('data-ready')", "1")
    assert browser.evaluate(_VISIBLE_PROJECTS) == ["Default"]
    assert browser.evaluate("document.getElementById('q').value") == "trainee"
    browser.evaluate("window.scrollTo(0, 0)")
    browser.screenshot(ARTIFACTS / "isolation-report.png")


HOSTILE = "<img src=x onerror=alert(1)><script>alert(2)</script>&amp;\u202e\n"


def test_names_are_text_in_the_page(tmp_path: Path, browser: Browser) -> None:
    project = ProjectState(HOSTILE, users=frozenset({HOSTILE, "ann"}), groups=frozenset({HOSTILE}))
    other = ProjectState("Other", users=frozenset({HOSTILE}))
    snapshot = Snapshot(
        projects={HOSTILE: project, "Other": other},
        roles={"Admin": RoleState("Admin", users=frozenset({HOSTILE}), builtin=True)},
        groups={HOSTILE: frozenset({"ann"})},
    )
    stamp = Stamp(HOSTILE, "live", "sha256:" + "0" * 64, HOSTILE, HOSTILE, True)
    report = isolation_report(snapshot, [PolicySpec(HOSTILE, (HOSTILE, "Other"))], stamp)
    page = tmp_path / "hostile.html"
    page.write_text(render_html(report), encoding="utf-8")
    browser.open(page.as_uri())
    browser.poll("document.body.getAttribute('data-ready')", "1")
    assert browser.errors() == []
    assert browser.evaluate("document.querySelectorAll('img').length") == 0
    assert browser.evaluate("document.querySelectorAll('script').length") == 1
    shown = browser.evaluate("document.querySelector('.project h3').textContent")
    assert shown == "<img src=x onerror=alert(1)><script>alert(2)</script>&amp;\\u202e\\n"
    assert browser.evaluate("document.querySelector('.verdict.bad') !== null") is True
