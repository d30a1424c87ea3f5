"""A flaky platform: reads survive 500s and 429s, and the user is told how hard the run
fought (one line at the end; every retry with -v). Through the real CLI against the
sandbox served on a loopback port, with faults injected at a fixed seed."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from usercli import UserShell

SUMMARY = re.compile(r"^note: the platform needed (\d+) retr(?:y|ies) \((.*)\)(; -v shows each)?$")


def inject(base_url: str, token: str, **faults: Any) -> None:
    answer = httpx.put(
        f"{base_url}/admin/faults",
        json=faults,
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    answer.raise_for_status()


@pytest.fixture
def flaky(served_sandbox: tuple[str, str]) -> dict[str, str]:
    """The served sandbox answering 20% of requests 500 and 20% 429 (seed 7); the
    environment for the CLI to reach it. Ten attempts make giving up negligible."""
    url, token = served_sandbox
    inject(url, token, error_rate=0.2, error_status=500, throttle_rate=0.2, retry_after=0, seed=7)
    return {"RECONCILER_TARGET": url, "RECONCILER_TOKEN": token, "RECONCILER_MAX_ATTEMPTS": "10"}


def summary(stderr: str) -> re.Match[str]:
    lines = [m for m in map(SUMMARY.match, stderr.splitlines()) if m]
    assert len(lines) == 1, stderr
    assert stderr.rstrip().splitlines()[-1] == lines[0].group(0), "the last line of the run"
    return lines[0]


def test_reads_answered_500_are_retried_and_the_run_says_so(
    user_repo: UserShell, flaky: dict[str, str]
) -> None:
    done = user_repo.run("plan", env=flaky)
    assert done.returncode == 0, done.stderr
    found = summary(done.stderr)
    assert "after HTTP 500" in found.group(2) and "after HTTP 429" in found.group(2)
    assert found.group(3) == "; -v shows each"
    assert "; retry " not in done.stderr, "each retry only with -v"


@pytest.mark.parametrize(
    ("args", "env"),
    [(("-v", "plan"), {}), (("plan",), {"RECONCILER_VERBOSE": "1"})],
    ids=["-v", "RECONCILER_VERBOSE"],
)
def test_verbose_shows_every_retry(
    user_repo: UserShell, flaky: dict[str, str], args: tuple[str, ...], env: dict[str, str]
) -> None:
    done = user_repo.run(*args, env={**flaky, **env})
    assert done.returncode == 0, done.stderr
    found = summary(done.stderr)
    shown = [line for line in done.stderr.splitlines() if "; retry " in line]
    assert len(shown) == int(found.group(1))
    assert all(line.startswith("reconciler.live: GET /") for line in shown), shown
    assert found.group(3) is None


def test_a_run_that_gives_up_still_counts_its_retries(
    user_repo: UserShell, served_sandbox: tuple[str, str]
) -> None:
    url, token = served_sandbox
    inject(url, token, error_rate=1.0, error_status=503)
    env = {"RECONCILER_TARGET": url, "RECONCILER_TOKEN": token, "RECONCILER_MAX_ATTEMPTS": "2"}
    done = user_repo.run("drift", env=env)
    assert done.returncode == 1
    assert "GET /whoami: HTTP 503" in done.stderr and "(after 2 attempts)" in done.stderr
    assert summary(done.stderr).group(0) == (
        "note: the platform needed 1 retry (1 after HTTP 503); -v shows each"
    )


def test_a_calm_run_says_nothing_about_retries(
    user_repo: UserShell, served_sandbox: tuple[str, str]
) -> None:
    url, token = served_sandbox
    done = user_repo.run("plan", env={"RECONCILER_TARGET": url, "RECONCILER_TOKEN": token})
    assert done.returncode == 0, done.stderr
    assert "retr" not in done.stderr
