"""What a command imports: ``validate`` (run on every commit, in pre-commit hooks) never
loads the network client or the sandbox's web framework, which cost more to import than
validating a small company."""

from __future__ import annotations

import re

from usercli import UserShell

#: Never imported by ``validate``: the HTTP client and the in-process sandbox (FastAPI).
HEAVY = ("httpx", "fastapi", "starlette", "uvicorn", "reconciler.sandbox", "reconciler.live")


def imported(stderr: str) -> set[str]:
    """The modules ``PYTHONPROFILEIMPORTTIME`` (``-X importtime``) lists on stderr."""
    return set(re.findall(r"^import time:\s+\d+ \|\s+\d+ \|\s+(\S+)$", stderr, re.MULTILINE))


def test_validate_imports_neither_the_http_client_nor_the_sandbox(user_repo: UserShell) -> None:
    done = user_repo.run("validate", env={"PYTHONPROFILEIMPORTTIME": "1"})
    assert done.returncode == 0, done.stderr
    modules = imported(done.stderr)
    assert "reconciler.config.loader" in modules  # the listing is there to be read
    heavy = sorted(m for m in modules if m.split(".")[0] in HEAVY or m.startswith(HEAVY))
    assert heavy == []


def test_plan_against_the_sandbox_imports_the_client_but_not_the_web_app(
    user_repo: UserShell,
) -> None:
    """The in-process sandbox answers a plan's reads without FastAPI (``inprocess``)."""
    done = user_repo.run("plan", env={"PYTHONPROFILEIMPORTTIME": "1"})
    assert done.returncode in (0, 2), done.stderr
    modules = imported(done.stderr)
    assert {"httpx", "reconciler.sandbox.inprocess", "reconciler.live.client"} <= modules
    web = ("fastapi", "starlette", "uvicorn", "reconciler.sandbox.app")
    assert sorted(m for m in modules if m.split(".")[0] in web or m.startswith(web)) == []
    assert {"reconciler.live.writes", "reconciler.live.doctor_v1"}.isdisjoint(modules)
    # nor what httpx's own command line loads where installed (the test extras install
    # both: this test sees what it looks for); ``httpx._main`` is listed as the attempt
    cli = ("rich", "pygments")
    assert sorted(m for m in modules if m.split(".")[0] in cli or m.startswith(cli)) == []


def test_apply_against_the_sandbox_loads_the_web_app_for_its_writes(user_repo: UserShell) -> None:
    """The same check, seeing what it looks for where it is: writes go through the app."""
    done = user_repo.run("apply", "--auto-approve", env={"PYTHONPROFILEIMPORTTIME": "1"})
    assert done.returncode == 0, done.stderr
    assert {"fastapi", "reconciler.sandbox.app", "reconciler.live.writes"} <= imported(done.stderr)
