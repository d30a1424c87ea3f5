"""Saved plans: the file ``reconciler plan --out`` writes and ``apply`` reads.

A saved plan binds the reviewed plan to what it was made from::

    {
      "format_version": 1,
      "plan": {... Plan.to_data() ...},
      "files_digest": "sha256:...",      # the desired files (projects.d/) it was planned from
      "git_commit": "0a1b..." | null,    # the commit checked out then
      "target": "https://host/api/v1",   # the live system, credentials stripped
      "created_by": "reconciler 1.0.0",
      "created_at": "2024-05-01T12:00:00Z",
      "sensitive": [{"code": ..., "message": ...}],   # changes that need an approval
      "checksum": "sha256:..."           # over every other key, canonical JSON
    }

``created_at`` is inside the file's checksum but not inside the plan's, so the same
change set always has the same ``plan.checksum``. ``load_saved_plan`` refuses a file whose
checksum does not match (it was edited) and rebuilds the ``Plan``;
``verify_saved_plan`` refuses a plan whose live state or desired files have changed since.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit, urlunsplit

from reconciler import __version__
from reconciler.errors import Position, StalePlanError, UsageError, printable
from reconciler.fsutil import NotRegularFileError, TooLargeError, open_regular, write_text_atomic
from reconciler.plan.changes import change_from_dict
from reconciler.plan.model import FORMAT_VERSION, AccessDelta, Plan, Sight, Unplaced, Violation
from reconciler.plan.sensitive import Sensitive

SAVED_FORMAT_VERSION = 1
_RERUN = "run `reconciler plan --out FILE` again"


@dataclass(frozen=True, slots=True)
class SavedPlan:
    """A plan read back from a file, with what it was made from."""

    plan: Plan
    files_digest: str
    git_commit: str | None
    target: str
    created_by: str
    created_at: str
    checksum: str
    sensitive: tuple[Sensitive, ...] = ()


def file_checksum(data: dict[str, Any]) -> str:
    """The checksum of a saved plan's body (every key but ``checksum``)."""
    blob = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(blob.encode("utf-8")).hexdigest()


def redact_target(label: str) -> str:
    """``label`` without URL credentials, query or fragment (where tokens may hide)."""
    parts = urlsplit(label)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return label
    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def save_plan(
    path: Path,
    plan: Plan,
    *,
    files_digest: str,
    git_commit: str | None,
    target_label: str,
    sensitive: tuple[Sensitive, ...] = (),
    now: datetime | None = None,
) -> str:
    """Write ``plan`` to ``path`` atomically; returns the file's checksum."""
    body: dict[str, Any] = {
        "format_version": SAVED_FORMAT_VERSION,
        "plan": json.loads(json.dumps(plan.to_data())),
        "files_digest": files_digest,
        "git_commit": git_commit,
        "target": redact_target(target_label),
        "created_by": f"reconciler {__version__}",
        "created_at": (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "sensitive": [item.to_dict() for item in sensitive],
    }
    checksum = file_checksum(body)
    text = json.dumps({**body, "checksum": checksum}, sort_keys=True, indent=2) + "\n"
    _write_atomically(Path(path), text)
    return checksum


def _write_atomically(path: Path, text: str) -> None:
    try:
        write_text_atomic(path, text)
    except OSError as exc:
        shown = printable(str(path))
        raise UsageError(f"cannot write plan file {shown}: {exc.strerror or exc}") from exc


def load_saved_plan(path: Path) -> SavedPlan:
    """Read, check and rebuild a saved plan.

    Raises ``UsageError`` when the file cannot be read and ``StalePlanError`` when it is
    not a saved plan, was altered, or was written by an incompatible version.
    """
    try:
        return _load(Path(path))
    except RecursionError as exc:  # a hostile file: arrays nested thousands deep
        shown = printable(str(path))
        raise StalePlanError(f"{shown} is not a saved plan: nested too deeply") from exc


def _load(path: Path) -> SavedPlan:
    shown = printable(str(path))
    data = _read_json(path)
    checksum = data.pop("checksum", None)
    if not isinstance(checksum, str):
        raise StalePlanError(f"{shown} is not a saved plan: it has no checksum")
    if data.get("format_version") != SAVED_FORMAT_VERSION:
        raise StalePlanError(
            f"{shown} has saved-plan format {data.get('format_version')!r}; this reconciler "
            f"reads format {SAVED_FORMAT_VERSION}: {_RERUN}"
        )
    if file_checksum(data) != checksum:
        raise StalePlanError(f"plan file was altered: {shown} does not match its checksum")
    try:
        saved = _rebuild(data, checksum)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise StalePlanError(
            f"{shown} holds a plan this reconciler cannot read "
            f"({type(exc).__name__}: {printable(str(exc))}): "
            f"{_RERUN}"
        ) from exc
    if saved.plan.checksum() != data["plan"].get("checksum"):
        raise StalePlanError(
            f"{shown} holds a plan that does not rebuild to its own checksum "
            f"(written by {saved.created_by}?): {_RERUN}"
        )
    return saved


def _read_json(path: Path) -> dict[str, Any]:
    shown = printable(str(path))
    try:
        with open_regular(path, MAX_PLAN_BYTES) as handle:
            text = handle.read().decode("utf-8")
    except NotRegularFileError as exc:  # as the config's files: refused before a read
        raise UsageError(f"plan file {shown} is not a regular file") from exc
    except TooLargeError as exc:
        limit = MAX_PLAN_BYTES >> 20
        raise StalePlanError(f"{shown} is not a saved plan: over {limit} MiB") from exc
    except OSError as exc:
        raise UsageError(f"cannot read plan file {shown}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise StalePlanError(f"{shown} is not a saved plan: not UTF-8 text") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise StalePlanError(
            f"{shown} is not a saved plan: invalid JSON at line {exc.lineno} column {exc.colno}"
        ) from exc
    if not isinstance(data, dict):
        raise StalePlanError(f"{shown} is not a saved plan: expected a JSON object")
    return data


#: A file larger than this is not a saved plan (a 10,000-project plan is a few MB).
MAX_PLAN_BYTES: Final = 1 << 30


def _rebuild(data: dict[str, Any], checksum: str) -> SavedPlan:
    return SavedPlan(
        plan=plan_from_data(data["plan"]),
        files_digest=str(data["files_digest"]),
        git_commit=None if data["git_commit"] is None else str(data["git_commit"]),
        target=str(data["target"]),
        created_by=str(data["created_by"]),
        created_at=str(data["created_at"]),
        checksum=checksum,
        sensitive=tuple(
            Sensitive(str(i["code"]), str(i["message"])) for i in data.get("sensitive", ())
        ),
    )


def plan_from_data(data: dict[str, Any]) -> Plan:
    """Inverse of ``Plan.to_data()``. Raises KeyError/TypeError/ValueError on junk."""
    if data["format_version"] != FORMAT_VERSION:
        raise ValueError(f"plan format {data['format_version']!r}, expected {FORMAT_VERSION}")
    return Plan(
        changes=tuple(change_from_dict(c) for c in data["changes"]),
        live_fingerprint=str(data["live_fingerprint"]),
        desired_fingerprint=str(data["desired_fingerprint"]),
        violations=tuple(
            Violation(
                code=str(v["code"]),
                message=str(v["message"]),
                position=parse_position(v["position"]),
                blocking=bool(v["blocking"]),
            )
            for v in data["violations"]
        ),
        access_impact=tuple(
            AccessDelta(
                user=str(d["user"]),
                gained=tuple(Sight(*map(str, s)) for s in d["gained"]),
                lost=tuple(Sight(*map(str, s)) for s in d["lost"]),
            )
            for d in data["access_impact"]
        ),
        unmanaged_projects=tuple(map(str, data["unmanaged"]["projects"])),
        unmanaged_roles=tuple(map(str, data["unmanaged"]["roles"])),
        notes=tuple(map(str, data["notes"])),
        allow_delete=tuple(map(str, data.get("allow_delete", ()))),
        as_of=None if data.get("as_of") is None else str(data["as_of"]),
        unplaced=tuple(
            Unplaced(str(u["user"]), tuple(map(str, u["leaves"]))) for u in data["unplaced"]
        ),
    )


def parse_position(text: str | None) -> Position | None:
    """Inverse of ``str(Position)``: ``path`` or ``path:line:column``."""
    if text is None:
        return None
    head, _, column = text.rpartition(":")
    path, _, line = head.rpartition(":")
    if path and line.isdigit() and column.isdigit():
        return Position(path, int(line), int(column))
    return Position(text)


def verify_saved_plan(
    saved: SavedPlan,
    *,
    live_fingerprint: str,
    files_digest: str,
    target_label: str | None = None,
) -> None:
    """Raise ``StalePlanError`` naming everything that changed since the plan was made."""
    reasons = staleness(
        saved,
        live_fingerprint=live_fingerprint,
        files_digest=files_digest,
        target_label=target_label,
    )
    if reasons:
        raise StalePlanError(f"saved plan is stale: {'; '.join(reasons)}; {_RERUN}")


def staleness(
    saved: SavedPlan,
    *,
    live_fingerprint: str,
    files_digest: str,
    target_label: str | None = None,
) -> list[str]:
    """What changed since ``saved`` was made: the target (when given), live, the files."""
    reasons: list[str] = []
    if target_label is not None and redact_target(target_label) != saved.target:
        made_for, now = printable(saved.target), printable(redact_target(target_label))
        reasons.append(f"it was made for target {made_for}, not {now}")
    if live_fingerprint != saved.plan.live_fingerprint:
        reasons.append(
            f"the live platform changed since the plan was made (live state "
            f"{_short(saved.plan.live_fingerprint)}, now {_short(live_fingerprint)})"
        )
    if files_digest != saved.files_digest:
        reasons.append(
            f"the desired files changed since the plan was made (files "
            f"{_short(saved.files_digest)}, now {_short(files_digest)})"
        )
    return reasons


def _short(digest: str) -> str:
    return digest.removeprefix("sha256:")[:12]
