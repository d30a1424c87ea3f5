"""A real browser for HTML tests: headless Chromium parses the page (``--dump-dom``: the
DOM as Chromium built it, after its own error recovery) and prints it (``--print-to-pdf``).

``.ci/run`` installs Debian's ``chromium`` when it is missing; outside CI a machine
without it skips these tests.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest

FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking")
TIMEOUT = 120.0
_VOID = frozenset({"meta", "br", "hr", "img", "input", "link", "col", "wbr"})


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed (.ci/run installs it)")
        pytest.skip("chromium is not installed")
    return found


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [chromium(), *FLAGS, *args],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=True,
        env={**os.environ, "HOME": os.environ.get("HOME", "/tmp")},
    )


@dataclass
class Dom:
    """One element of the DOM Chromium dumped: its tag, attributes, children, text."""

    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    children: list[Dom] = field(default_factory=list)
    parts: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(self.parts).strip()

    def find_all(self, tag: str) -> list[Dom]:
        found = []
        for child in self.children:
            if child.tag == tag:
                found.append(child)
            found += child.find_all(tag)
        return found

    def first(self, tag: str) -> Dom:
        return self.find_all(tag)[0]

    def cells(self) -> list[str]:
        return [c.text for c in self.children if c.tag in ("td", "th")]


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Dom("#document")
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Dom(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(element)
        if tag not in _VOID:
            self.stack.append(element)

    def handle_endtag(self, tag: str) -> None:
        while len(self.stack) > 1:
            if self.stack.pop().tag == tag:
                break

    def handle_data(self, data: str) -> None:
        for element in self.stack[1:]:
            element.parts.append(data)


def chromium_dom(page: Path) -> Dom:
    """The DOM of ``page`` as headless Chromium builds it."""
    builder = _Builder()
    builder.feed(_run("--dump-dom", page.resolve().as_uri()).stdout)
    return builder.root


def pdf_pages(page: Path, pdf: Path) -> int:
    """How many pages ``page`` prints to (Chromium's print to PDF)."""
    _run(f"--print-to-pdf={pdf}", "--no-pdf-header-footer", page.resolve().as_uri())
    return len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf.read_bytes()))
