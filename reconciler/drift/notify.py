"""Post a drift summary to a chat webhook (Slack-compatible ``{"text": ...}``).

Webhook URLs are secrets (the path carries the key), so no message ever shows more of
the URL than its scheme and host.

Names come from the live platform and the files, so the message cannot carry markup:
``&``, ``<`` and ``>`` are escaped as Slack requires (``<!channel>`` and ``<@U123>`` are
mentions only when unescaped), a zero-width space follows each ``@``, ``#`` and URL start
(``defuse``: Slack-compatible servers such as Mattermost mention on a plain ``@channel``),
and ``mrkdwn: false`` shows ``*``, ``_`` and backticks as typed.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx

from reconciler.drift.render import summary_line, who
from reconciler.drift.report import DriftReport
from reconciler.errors import LiveError
from reconciler.render.describe import clean
from reconciler.render.markdown import defuse

#: Items listed in the message before "... and N more".
MAX_LINES = 20
TIMEOUT_SECONDS = 10.0


class NotifyError(LiveError):
    """The webhook could not be reached or refused the message."""


def shown(url: str) -> str:
    """The part of a webhook URL that is safe to show: scheme and host."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}" if parts.hostname else "the webhook"


def slack_text(text: str) -> str:
    """``text`` as Slack message text that reads the same and mentions or links nothing."""
    defused = defuse(clean(text))
    return defused.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def payload(report: DriftReport, source: str = "") -> dict[str, str | bool]:
    """The message: a summary line, then one line per drifted item (bounded)."""
    head = summary_line(report) + (f" ({clean(source)})" if source else "")
    lines = [head]
    for item in report.items[:MAX_LINES]:
        where = f"{clean(item.project)}: " if item.project else ""
        lines.append(
            f"• {where}{clean(item.subject)}: live {clean(item.live)}, files "
            f"{clean(item.files)} ({who(item.attribution)})"
        )
    if len(report.items) > MAX_LINES:
        lines.append(f"... and {len(report.items) - MAX_LINES} more")
    return {"text": "\n".join(slack_text(line) for line in lines), "mrkdwn": False}


def notify(
    url: str,
    report: DriftReport,
    *,
    source: str = "",
    transport: httpx.BaseTransport | None = None,
) -> None:
    """POST the summary to ``url``; raises ``NotifyError`` on any failure."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise NotifyError("--notify needs an http(s) URL")
    try:
        with httpx.Client(timeout=TIMEOUT_SECONDS, transport=transport) as client:
            response = client.post(url, json=payload(report, source))
    except httpx.HTTPError as exc:
        raise NotifyError(f"notify {shown(url)}: {type(exc).__name__}") from exc
    if response.status_code >= 300:
        raise NotifyError(f"notify {shown(url)}: HTTP {response.status_code}")
