"""Every route, field name and type mapping of the platform's web app, in one place.

The ``/a/...`` routes are the platform's own web front end's, not a published API: a
platform update may rename one. When ``reconciler doctor`` shows a mismatch on a real
account, the fix is a line here (a path, a field name, a type name), and the recorded
answers in ``tests/live/okitoki/recorded/`` with it.

``seen`` says whether a route was seen in a public copy of the front end (its path and
the fields it sends are then known) or is an assumption this adapter makes for what the
front end copy did not show (marked ``seen=False``; ``doctor`` checks each one).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from reconciler.kinds import PERMISSIONS


@dataclass(frozen=True, slots=True)
class Route:
    method: str
    path: str
    seen: bool
    what: str

    def url(self, **parts: object) -> str:
        return self.path.format(**{k: str(v) for k, v in parts.items()})


PROJECTS: Final = Route("GET", "/a/projects_new/get/list", True, "every project: id, name")
PROJECT: Final = Route("GET", "/a/projects_new/get/{id}", True, "one project and its lists")
CANDIDATES: Final = Route(
    "GET", "/a/projects_new/get/{id}/{type}", True, "every candidate of one type"
)
PROJECT_CREATE: Final = Route("POST", "/a/projects_new/set/create", True, "create a project")
PROJECT_UPDATE: Final = Route("POST", "/a/projects_new/set/{id}", True, "rename, describe")
PROJECT_REMOVE: Final = Route("POST", "/a/projects_new/set/{id}/remove", True, "delete")
PROJECT_ITEMS: Final = Route(
    "POST", "/a/projects_new/set/{id}/{type}", True, "set one type's whole list"
)
OBJECT_PROJECTS: Final = Route("GET", "/a/projects/access/get", True, "the projects of an object")
OBJECT_PROJECTS_SET: Final = Route(
    "POST", "/a/projects/access/set", True, "set the projects of an object"
)
ROLES: Final = Route("GET", "/a/roles/list", True, "every role")
ROLE: Final = Route("GET", "/a/roles/{id}/edit", True, "one role")
ROLE_CREATE: Final = Route("POST", "/a/roles/create", False, "create a role")
ROLE_UPDATE: Final = Route("POST", "/a/roles/{id}/update", True, "rename a role")
ROLE_REMOVE: Final = Route("POST", "/a/roles/{id}/remove", True, "delete a role")
PERMISSION_ROLES: Final = Route(
    "GET", "/a/roles/page/get", True, "the roles holding one permission"
)
PERMISSION_ROLES_SET: Final = Route(
    "POST", "/a/roles/page/set", True, "set the roles holding one permission"
)
USER_ROLES: Final = Route("GET", "/a/roles/user/{id}/get", True, "one user's roles")
USER_ROLES_SET: Final = Route("POST", "/a/roles/user/{id}/set", True, "set one user's roles")
USERS: Final = Route("GET", "/a/users/list/{mode}", True, "every user, with group and roles")
WHOAMI: Final = Route("GET", "/a/users/current", False, "the logged-in user")

ALL_ROUTES: Final[tuple[Route, ...]] = (
    WHOAMI,
    PROJECTS,
    PROJECT,
    CANDIDATES,
    OBJECT_PROJECTS,
    ROLES,
    ROLE,
    PERMISSION_ROLES,
    USER_ROLES,
    USERS,
    PROJECT_CREATE,
    PROJECT_UPDATE,
    PROJECT_REMOVE,
    PROJECT_ITEMS,
    OBJECT_PROJECTS_SET,
    ROLE_CREATE,
    ROLE_UPDATE,
    ROLE_REMOVE,
    PERMISSION_ROLES_SET,
    USER_ROLES_SET,
)

#: ``USERS``'s ``{mode}``: every user (assumed; the front end copy names the route only).
USERS_MODE: Final = "all"

#: The platform's kinds -> the web app's type names. IP phones did not appear in it.
TYPE_NAMES: Final[dict[str, str]] = {
    "queues": "queues",
    "call_scripts": "call_scripts",
    "auto_dialers": "dialers",
    "crm_forms": "interview",
    "schedules": "schedules",
    "sip_providers": "post_companies",
    "lists": "lists",
    "notification_templates": "notify_templates",
    "contact_fields": "contact_field",
}
#: The type name of project members (users; groups are not members in the web app).
USERS_TYPE: Final = "users"
KINDS_BY_TYPE: Final[dict[str, str]] = {v: k for k, v in TYPE_NAMES.items()}

#: Permission names as the web app's role pages take them (assumed equal to ours).
PERMISSION_NAMES: Final[dict[str, str]] = {p: p for p in PERMISSIONS}

#: Form fields the front end sends.
F_NAME: Final = "name"
F_DESCRIPTION: Final = "description"
F_ITEMS: Final = "objects_str"  # a JSON array of ids: the whole list of one type
F_OBJECT_ID: Final = "id"
F_OBJECT_TYPE: Final = "type"
F_PROJECTS: Final = "projects"  # a JSON array of project ids (assumed encoding)
F_PERMISSION: Final = "permission"
F_ROLES: Final = "roles"  # a JSON array of role ids (assumed encoding)

#: Authentication: the session cookie's name (Laravel's default; assumed), the CSRF
#: cookie the server sets and the header that echoes it on every POST, and the
#: parameter the public API takes a token in.
SESSION_COOKIE: Final = "laravel_session"
XSRF_COOKIE: Final = "XSRF-TOKEN"
XSRF_HEADER: Final = "X-XSRF-TOKEN"
TOKEN_PARAM: Final = "api_token"  # noqa: S105 -- a parameter name
#: Answers meaning "log in again": 401 (no session), 419 (CSRF token expired).
STATUS_LOGIN: Final = 401
STATUS_CSRF: Final = 419
