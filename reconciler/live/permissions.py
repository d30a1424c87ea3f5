"""What a token's user must be allowed to do before a plan reads or an apply writes.

Reading the whole company needs the Admin role or ``view_all``. Writing needs, per
change: ``access_management`` for members, ``project_management`` for projects and
their objects, and the Admin role for roles and the security type.
"""

from __future__ import annotations

from collections.abc import Iterable

from reconciler.errors import AuthError, LiveError
from reconciler.live.protocol import Identity
from reconciler.plan.changes import (
    Change,
    MemberAdd,
    MemberRemove,
    ObjectAdd,
    ObjectMove,
    ObjectRemove,
    ProjectCreate,
    ProjectDelete,
    ProjectRename,
    ProjectUpdate,
)

#: Pseudo-permission: only holders of the built-in Admin role have it.
ADMIN = "admin"

_PROJECT_CHANGES = (
    ObjectAdd,
    ObjectRemove,
    ObjectMove,
    ProjectCreate,
    ProjectRename,
    ProjectUpdate,
    ProjectDelete,
)


class MissingPermissionError(AuthError):
    """The token's user lacks a permission the command needs (found via ``GET /whoami``)."""

    def __init__(self, message: str) -> None:
        LiveError.__init__(self, message)
        self.method, self.path, self.status = "GET", "/whoami", 403
        self.code, self.detail = "missing_permission", message


def required_permissions(changes: Iterable[Change]) -> frozenset[str]:
    """The permissions writing ``changes`` needs (``"admin"`` for the Admin role)."""
    needed: set[str] = set()
    for change in changes:
        if isinstance(change, MemberAdd | MemberRemove):
            needed.add("access_management")
        elif isinstance(change, _PROJECT_CHANGES):
            needed.add("project_management")
        else:
            needed.add(ADMIN)
    return frozenset(needed)


def missing_permissions(identity: Identity, needed: Iterable[str]) -> list[str]:
    if identity.is_admin:
        return []
    return sorted(p for p in needed if p == ADMIN or p not in identity.permissions)


def check_permissions(
    identity: Identity, changes: Iterable[Change] = (), *, need_write: bool = False
) -> None:
    """Raise ``MissingPermissionError`` naming what ``identity`` lacks to read the whole
    company and, with ``need_write``, to write ``changes``."""
    if not identity.has("view_all"):
        raise MissingPermissionError(
            f"the token's user {identity.login!r} cannot read the whole company: it needs "
            "the Admin role or the view_all permission"
        )
    if not need_write:
        return
    missing = missing_permissions(identity, required_permissions(changes))
    if missing:
        names = ", ".join("the Admin role" if p == ADMIN else p for p in missing)
        raise MissingPermissionError(
            f"the token's user {identity.login!r} cannot apply this plan: it needs {names}"
        )
