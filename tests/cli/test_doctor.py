"""``reconciler doctor`` as a user runs it first: against both faces of a served
sandbox, against a web app whose answers changed shape, and with a read-only user."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from usercli import UserShell

from reconciler.sandbox.demo import make_user

sys.path.insert(0, str(Path(__file__).parents[1] / "live" / "okitoki"))
from recorded_platform import served


@pytest.mark.parametrize("face", ["v1", "webapp"])
def test_doctor_says_plan_and_apply_can_work(
    user_shell: UserShell, served_sandbox: tuple[str, str], face: str
) -> None:
    url, token = served_sandbox
    target = url if face == "v1" else "okitoki:" + url.removesuffix("/api/v1")
    secret = token if face == "v1" else f"laravel_session={token}"
    done = user_shell.run("doctor", env={"RECONCILER_TARGET": target, "RECONCILER_TOKEN": secret})
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Signed in as reconciler (Admin)" in done.stdout
    assert "FAIL" not in done.stdout
    assert "Verdict: plan and apply can work." in done.stdout
    assert token not in done.stdout + done.stderr
    if face == "webapp":
        assert "  ok   GET /a/projects_new/get/list" in done.stdout
        assert "groups as project members: no" in done.stdout


def _string_id(data: Any) -> Any:
    data["project"]["objects"][1]["items"][0]["id"] = "1"
    return data


def test_doctor_quotes_the_answer_that_changed_shape(user_shell: UserShell) -> None:
    with served({"project": _string_id}) as root:
        done = user_shell.run(
            "doctor",
            env={"RECONCILER_TARGET": f"okitoki:{root}", "RECONCILER_TOKEN": "laravel_session=s3"},
        )
    assert done.returncode == 1
    (line,) = [ln for ln in done.stdout.splitlines() if ln.startswith("  FAIL")]
    assert "GET /a/projects_new/get/1 (one project and its lists)" in line
    assert "field 'project.objects.1.items.0.id': Input should be a valid integer" in line
    assert 'the answer had there: "1"' in line
    assert "did not answer as expected" in done.stdout
    assert "Traceback" not in done.stderr


def test_doctor_says_what_a_read_only_user_lacks(
    user_shell: UserShell, served_sandbox: tuple[str, str], sandbox_db: tuple[Path, str]
) -> None:
    url, _ = served_sandbox
    reader = make_user(sandbox_db[0], "auditor", roles=["view_all"])
    root = "okitoki:" + url.removesuffix("/api/v1")
    done = user_shell.run(
        "doctor", env={"RECONCILER_TARGET": root, "RECONCILER_TOKEN": f"laravel_session={reader}"}
    )
    assert done.returncode == 1
    assert "Signed in as auditor (view_all)" in done.stdout
    assert "Verdict: plan works; apply needs a user holding Admin" in done.stdout
