"""A plan file that is not one gets one clear line from ``show`` and ``apply``, never a
traceback, and apply writes nothing."""

from __future__ import annotations

import pytest
from usercli import UserShell

HOSTILE = {
    "deep.json": ("[" * 100_000, "is not a saved plan: nested too deeply"),
    "broken.json": ('{"plan":', "is not a saved plan: invalid JSON at line 1 column 9"),
    "list.json": ("[1, 2]", "is not a saved plan: expected a JSON object"),
    "nosum.json": ("{}", "is not a saved plan: it has no checksum"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
@pytest.mark.parametrize("command", ["show", "apply"])
def test_a_hostile_plan_file_is_one_message(user_repo: UserShell, command: str, name: str) -> None:
    text, message = HOSTILE[name]
    user_repo.write(name, text)
    done = user_repo.run(command, name)
    assert done.returncode == 1, done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert errors == [f"error: {name} {message}"]
    assert "Traceback" not in done.stderr
    assert not user_repo.path(".reconciler/audit.jsonl").exists()
