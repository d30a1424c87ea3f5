"""``reconciler apply`` at a real terminal (a pseudo-terminal): the confirmation
prompt, the progress bar, and a terminal left as it was found."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from apply_helpers import PROMPT, Terminal

HIDE_CURSOR, SHOW_CURSOR = "\x1b[?25l", "\x1b[?25h"


def at_terminal(repo: Path, args: list[str], answer: bytes | None) -> tuple[int, str]:
    """Run ``reconciler ARGS`` with stdin, stdout and stderr on a pseudo-terminal,
    typing ``answer`` at the confirmation prompt; answers the exit code and the screen."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECONCILER_")}
    command = [sys.executable, "-m", "reconciler", *args]
    terminal = Terminal(command, repo, {**env, "NO_COLOR": "1", "COLUMNS": "100"})
    try:
        if answer is not None:
            terminal.wait_for(PROMPT)
            terminal.type(answer)
        return terminal.finish()
    finally:
        terminal.close()


def test_yes_applies_with_a_progress_bar_and_restores_the_cursor(config_repo: Path) -> None:
    code, screen = at_terminal(config_repo, ["apply"], b"yes\n")
    assert code == 0, screen
    assert "Changes by project (in each, the order apply makes them):" in screen  # the plan first
    assert "Applying  [" in screen and "100%" in screen
    assert "[1/" not in screen  # no plain progress lines at a terminal
    assert "Apply complete: 125 change(s) applied" in screen
    assert screen.count(HIDE_CURSOR) > 0
    assert screen.rfind(SHOW_CURSOR) > screen.rfind(HIDE_CURSOR), "cursor left hidden"


def test_anything_but_yes_changes_nothing(config_repo: Path) -> None:
    code, screen = at_terminal(config_repo, ["apply"], b"y\n")
    assert code == 1, screen
    assert "apply cancelled; nothing was changed" in screen
    assert not (config_repo / ".reconciler" / "audit.jsonl").exists()
    code, screen = at_terminal(config_repo, ["plan", "--detailed-exitcode"], None)
    assert code == 2, screen  # everything is still to do
