"""Who sees what and who may do what in the sandbox: the platform's permission model.

Scope of each permission (security type ``advanced``):

* **Admin** (holders of the built-in role) sees and manages everything.
* ``view_all`` sees everything (every project with its members and objects, every user,
  group, object and change-log entry) but grants no write by itself.
* ``project_list`` adds the tile (id, name, description, version) of every project; the
  members and objects of a project stay hidden unless the user belongs to it.
* Everyone else sees the projects they belong to, directly or through a group, with
  their members and objects; the users and groups that are members of those projects
  (and themselves); the objects in those projects.
* ``access_management`` (member writes, creating users) and ``project_management``
  (project and object writes) act on the projects the user sees in full: every project
  for Admin and ``view_all`` holders, otherwise only the projects they belong to.
  Creating a project needs only ``project_management``.
* Company settings, groups and roles need Admin.

In ``simple`` there are no projects: every user sees every user, group and object.
Anything the caller may not see answers 404, exactly like what does not exist.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass

from reconciler.kinds import PERMISSIONS
from reconciler.sandbox.problems import forbidden, not_found
from reconciler.sandbox.store import column, scalar


@dataclass(frozen=True, slots=True)
class Actor:
    """The user a request acts as, with everything needed to decide what they see."""

    id: int
    login: str
    name: str
    is_admin: bool
    permissions: frozenset[str]
    member_projects: frozenset[int]
    advanced: bool

    def has(self, permission: str) -> bool:
        return self.is_admin or permission in self.permissions

    @property
    def sees_everything(self) -> bool:
        """Admin or ``view_all``: every project, entry and object, in full."""
        return self.is_admin or "view_all" in self.permissions

    @property
    def sees_directory(self) -> bool:
        """Sees every user, group and object (always so without projects)."""
        return self.sees_everything or not self.advanced

    def sees_project(self, project_id: int) -> bool:
        """Sees the project's members and objects (and may act on it, given the permission)."""
        return self.sees_everything or project_id in self.member_projects

    def sees_tile(self, project_id: int) -> bool:
        return self.sees_project(project_id) or "project_list" in self.permissions

    def effective_permissions(self) -> list[str]:
        return list(PERMISSIONS) if self.is_admin else sorted(self.permissions)


def member_project_ids(conn: sqlite3.Connection, user_id: int) -> frozenset[int]:
    """The projects a user belongs to, directly or through a group."""
    rows = conn.execute(
        "SELECT project_id FROM project_users WHERE user_id = ?1 "
        "UNION SELECT pg.project_id FROM project_groups pg "
        "JOIN group_members gm ON gm.group_id = pg.group_id WHERE gm.user_id = ?1",
        (user_id,),
    )
    return frozenset(r[0] for r in rows)


def load_actor(conn: sqlite3.Connection, token_hash: str) -> Actor | None:
    row = conn.execute(
        "SELECT u.id, u.login, u.name FROM tokens t JOIN users u ON u.id = t.user_id "
        "WHERE t.token_hash = ?",
        (token_hash,),
    ).fetchone()
    if row is None:
        return None
    return actor_for_user(conn, int(row[0]))


def actor_for_user(conn: sqlite3.Connection, user_id: int) -> Actor:
    login, name = conn.execute("SELECT login, name FROM users WHERE id = ?", (user_id,)).fetchone()
    is_admin = bool(
        scalar(
            conn,
            "SELECT 1 FROM role_holders h JOIN roles r ON r.id = h.role_id "
            "WHERE h.user_id = ? AND r.builtin = 1",
            (user_id,),
        )
    )
    permissions = frozenset(
        column(
            conn,
            "SELECT DISTINCT p.permission FROM role_holders h "
            "JOIN role_permissions p ON p.role_id = h.role_id WHERE h.user_id = ?",
            (user_id,),
        )
    )
    security = scalar(conn, "SELECT security_type FROM company WHERE id = 1")
    return Actor(
        id=user_id,
        login=login,
        name=name,
        is_admin=is_admin,
        permissions=permissions,
        member_projects=member_project_ids(conn, user_id),
        advanced=security == "advanced",
    )


def json_ids(ids: Iterable[int]) -> str:
    """A list of ids as one SQL parameter, read back with ``json_each``."""
    return json.dumps(sorted(ids))


def visible_users(conn: sqlite3.Connection, actor: Actor) -> set[int] | None:
    """Ids of the users the actor may see, or ``None`` for all of them."""
    if actor.sees_directory:
        return None
    projects = json_ids(actor.member_projects)
    ids = column(
        conn,
        "SELECT user_id FROM project_users WHERE project_id IN (SELECT value FROM json_each(?1)) "
        "UNION SELECT gm.user_id FROM project_groups pg "
        "JOIN group_members gm ON gm.group_id = pg.group_id "
        "WHERE pg.project_id IN (SELECT value FROM json_each(?1))",
        (projects,),
    )
    return {actor.id, *ids}


def visible_groups(conn: sqlite3.Connection, actor: Actor) -> set[int] | None:
    if actor.sees_directory:
        return None
    return set(
        column(
            conn,
            "SELECT group_id FROM project_groups "
            "WHERE project_id IN (SELECT value FROM json_each(?))",
            (json_ids(actor.member_projects),),
        )
    )


def visible_objects(conn: sqlite3.Connection, actor: Actor) -> set[int] | None:
    if actor.sees_directory:
        return None
    return set(
        column(
            conn,
            "SELECT object_id FROM project_objects "
            "WHERE project_id IN (SELECT value FROM json_each(?))",
            (json_ids(actor.member_projects),),
        )
    )


def require(actor: Actor, permission: str, doing: str) -> None:
    """403 unless the actor holds ``permission`` (Admin holds every permission)."""
    if not actor.has(permission):
        raise forbidden(
            f"{doing} needs the {permission} permission, which {actor.login} does not have",
            permission=permission,
        )


def require_admin(actor: Actor, doing: str) -> None:
    if not actor.is_admin:
        raise forbidden(f"{doing} needs the Admin role, which {actor.login} does not hold")


ProjectRow = tuple[int, str, str, int]


def project_row(conn: sqlite3.Connection, project_id: int) -> ProjectRow | None:
    row = conn.execute(
        "SELECT id, name, description, version FROM projects WHERE id = ?", (project_id,)
    ).fetchone()
    return None if row is None else (int(row[0]), str(row[1]), str(row[2]), int(row[3]))


def readable_project(conn: sqlite3.Connection, actor: Actor, project_id: int) -> ProjectRow:
    """The project if the actor sees at least its tile; 404 otherwise."""
    row = project_row(conn, project_id)
    if row is None or not actor.sees_tile(project_id):
        raise not_found("project", project_id)
    return row


def writable_project(conn: sqlite3.Connection, actor: Actor, project_id: int) -> ProjectRow:
    """The project if it is in the actor's scope: 404 if invisible, 403 if only its tile is."""
    row = readable_project(conn, actor, project_id)
    if not actor.sees_project(project_id):
        raise forbidden(
            f"project {row[1]!r} is outside the scope of {actor.login}: "
            "only projects they belong to can be changed",
            project_id=project_id,
        )
    return row
