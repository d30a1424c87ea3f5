"""``reconciler drift`` and ``reconciler import`` end to end, over the served sandbox."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from drift_helpers import HAND_USER, Hand, Managed, Webhook, hand_client

from reconciler.cli.main import cli


def invoke(managed: Managed, *args: str) -> Result:
    env = {"RECONCILER_TOKEN": managed.token, "RECONCILER_TARGET": managed.url}
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def drift(managed: Managed, *args: str) -> Result:
    return invoke(managed, "drift", "--config-dir", str(managed.config_dir), *args)


def hand_add(managed: Managed) -> None:
    with hand_client(managed.url, managed.hand_token) as http:
        Hand(http).add_user("Bank", "trainee.zoe")


def test_in_sync_exits_0(managed: Managed) -> None:
    result = drift(managed)
    assert result.exit_code == 0, result.output
    assert result.stdout == "No drift: live matches the files.\n"


def test_drift_exits_2_with_a_json_report(managed: Managed) -> None:
    hand_add(managed)
    result = drift(managed, "--format", "json")
    assert result.exit_code == 2, result.stderr
    data = json.loads(result.stdout)
    (item,) = data["items"]
    assert (item["project"], item["subject"]) == ("Bank", "user trainee.zoe")
    assert item["attribution"]["actor"] == HAND_USER
    assert item["attribution"]["by_reconciler"] is False
    assert managed.token not in result.output


def test_notify_posts_a_slack_payload_only_on_drift(managed: Managed) -> None:
    with Webhook() as hook:
        assert drift(managed, "--notify", hook.url).exit_code == 0
        assert hook.received == []
        hand_add(managed)
        result = drift(managed, "--notify", hook.url, "--format", "markdown")
    assert result.exit_code == 2
    (payload,) = hook.received
    assert payload["mrkdwn"] is False and set(payload) == {"text", "mrkdwn"}
    assert payload["text"].startswith("Drift: 1 difference(s) (1 member); 1 made by hand.")
    bank = managed.config_dir / "projects" / "bank.yaml"
    assert (
        "Bank: user trainee.zoe: live member, files not a member (not in members.users of "
        f"project Bank ({bank}:9)) (by hand: {HAND_USER}"
    ) in payload["text"]
    assert "Sent the drift summary" in result.stderr


@pytest.mark.parametrize("status", [500, None])
def test_a_failing_webhook_keeps_exit_2_and_hides_the_url(
    managed: Managed, status: int | None
) -> None:
    hand_add(managed)
    with Webhook(status or 200) as hook:
        url = hook.url
        if status is None:
            hook.server.shutdown()
            hook.server.server_close()
        result = drift(managed, "--notify", url)
    assert result.exit_code == 2
    assert "warning: notify http://127.0.0.1" in result.stderr
    assert "s3cr3tpath" not in result.output
    assert "user trainee.zoe" in result.stdout


def test_adopt_rewrites_the_files_then_drift_is_gone(managed: Managed) -> None:
    hand_add(managed)
    result = drift(managed, "--adopt")
    assert result.exit_code == 2
    bank_path = managed.config_dir / "projects" / "bank.yaml"
    assert f"Adopted the live values into {managed.config_dir}:\n  changed {bank_path}\n" in (
        result.stderr
    )
    assert result.stderr.endswith("A plan is now empty.\n")
    bank = (managed.config_dir / "projects" / "bank.yaml").read_text(encoding="utf-8")
    assert "    - trainee.zoe\n" in bank
    assert drift(managed).exit_code == 0


def test_invalid_files_exit_1(managed: Managed) -> None:
    (managed.config_dir / "projects" / "bank.yaml").write_text("kind: [\n", encoding="utf-8")
    result = drift(managed)
    assert result.exit_code == 1
    assert "bank.yaml" in result.stderr
    assert "Traceback" not in result.output


def test_import_then_drift_and_plan_are_empty(managed: Managed, tmp_path: Path) -> None:
    out = tmp_path / "imported"
    result = invoke(managed, "import", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert result.stderr.startswith("Wrote 5 files to")
    assert invoke(managed, "validate", str(out)).exit_code == 0
    plan = invoke(managed, "plan", "--config-dir", str(out), "--detailed-exitcode")
    assert plan.exit_code == 0, plan.output
    assert invoke(managed, "drift", "--config-dir", str(out)).exit_code == 0
    again = invoke(managed, "import", "--out", str(out))
    assert again.exit_code == 2
    assert "is not empty" in again.stderr
    assert invoke(managed, "import", "--out", str(out), "--force").exit_code == 0
