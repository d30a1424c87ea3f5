"""A small Chrome DevTools Protocol client over ``--remote-debugging-pipe``.

Headless Chromium (Debian's ``chromium``) reads commands on its fd 3 and writes answers
and events on its fd 4, as JSON messages ending with a NUL byte: no port, no websocket
library. ``Browser.open(url)`` loads a page and records what a person would see go
wrong: uncaught exceptions, console errors, and every request it makes (a
self-contained page requests nothing but itself).
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import select
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: Seconds one protocol answer may take (a hang fails the test, never waits forever).
DEADLINE = 30.0


def chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


@dataclass
class Browser:
    proc: subprocess.Popen[bytes]
    commands: int
    answers: int
    events: list[dict[str, Any]] = field(default_factory=list)
    session: str | None = None
    _buffer: bytes = b""
    _next: int = 0

    @classmethod
    def start(cls, profile: Path) -> Browser:
        binary = chromium()
        assert binary is not None, "chromium is not installed (apt-get install -y chromium)"
        to_chrome, commands = os.pipe()
        answers, from_chrome = os.pipe()
        args = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--no-first-run",
            "--remote-debugging-pipe",
            f"--user-data-dir={profile}",
            "--window-size=1200,1400",
            "about:blank",
        ]
        # chromium wants the pipe on fds 3 and 4 exactly: a tiny trampoline puts it there
        trampoline = (
            "import os, sys; os.dup2(int(sys.argv[1]), 3); os.dup2(int(sys.argv[2]), 4); "
            "os.execv(sys.argv[3], sys.argv[3:])"
        )
        proc = subprocess.Popen(
            [sys.executable, "-c", trampoline, str(to_chrome), str(from_chrome), binary, *args],
            pass_fds=(to_chrome, from_chrome),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(to_chrome)
        os.close(from_chrome)
        return cls(proc, commands, answers)

    def close(self) -> None:
        with contextlib.suppress(AssertionError, OSError):
            self.call("Browser.close", session=False)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self.commands)
        os.close(self.answers)

    def _read(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            assert left > 0, "chromium did not answer in time"
            ready, _, _ = select.select([self.answers], [], [], left)
            if ready:
                chunk = os.read(self.answers, 1 << 20)
                assert chunk, "chromium closed its debugging pipe"
                self._buffer += chunk
        message, _, self._buffer = self._buffer.partition(b"\0")
        found: dict[str, Any] = json.loads(message)
        return found

    def call(self, method: str, session: bool = True, **params: Any) -> dict[str, Any]:
        self._next += 1
        message: dict[str, Any] = {"id": self._next, "method": method, "params": params}
        if session and self.session:
            message["sessionId"] = self.session
        os.write(self.commands, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + DEADLINE
        while True:
            found = self._read(deadline)
            if found.get("id") == self._next:
                assert "error" not in found, found["error"]
                result: dict[str, Any] = found.get("result", {})
                return result
            self.events.append(found)

    def wait_for(self, method: str) -> dict[str, Any]:
        deadline = time.monotonic() + DEADLINE
        for event in self.events:
            if event.get("method") == method:
                return event
        while True:
            found = self._read(deadline)
            self.events.append(found)
            if found.get("method") == method:
                return found

    def open(self, url: str) -> None:
        target = self.call("Target.createTarget", session=False, url="about:blank")["targetId"]
        attached = self.call("Target.attachToTarget", session=False, targetId=target, flatten=True)
        self.session = attached["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.call(f"{domain}.enable")
        self.call("Page.navigate", url=url)
        self.wait_for("Page.loadEventFired")

    def evaluate(self, expression: str) -> Any:
        found = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        assert "exceptionDetails" not in found, found["exceptionDetails"]
        return found["result"].get("value")

    def poll(self, expression: str, expected: Any) -> None:
        """Until ``expression`` evaluates to ``expected`` (a deadline, not a sleep)."""
        deadline = time.monotonic() + DEADLINE
        while self.evaluate(expression) != expected:
            assert time.monotonic() < deadline, f"{expression} never became {expected!r}"

    def type_text(self, selector: str, text: str) -> None:
        """Focus ``selector`` and type ``text`` as a keyboard would (an ``input`` event)."""
        self.evaluate(f"document.querySelector({json.dumps(selector)}).focus()")
        self.call("Input.insertText", text=text)

    def errors(self) -> list[str]:
        """Uncaught exceptions and console or log errors the page produced."""
        found = []
        for event in self.events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.exceptionThrown":
                found.append(json.dumps(params["exceptionDetails"]))
            elif method == "Runtime.consoleAPICalled" and params.get("type") == "error":
                found.append(json.dumps(params.get("args")))
            elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
                found.append(str(params["entry"].get("text")))
        return found

    def requests(self) -> list[str]:
        return [
            str(e["params"]["request"]["url"])
            for e in self.events
            if e.get("method") == "Network.requestWillBeSent"
        ]

    def screenshot(self, path: Path) -> bytes:
        data = base64.b64decode(self.call("Page.captureScreenshot", format="png")["data"])
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return data

    def pdf(self) -> bytes:
        return base64.b64decode(self.call("Page.printToPDF")["data"])
