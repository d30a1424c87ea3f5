"""What no file can hold: live names and values the config models would refuse (pure).

``reconciler import`` and ``reconciler drift --adopt`` write live values into files; a
value the files cannot hold (a name with a space at either end or a line break, or over
200 characters; a description over 2,000; a permission the files do not know; a custom
role named like ``Admin``) would make them write a directory ``validate`` rejects. Both
check ``unwritable`` first and write nothing when it finds anything.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from pydantic import TypeAdapter, ValidationError

from reconciler.config.models import Name
from reconciler.kinds import ADMIN_ROLE, PERMISSIONS
from reconciler.state.snapshot import Snapshot

_NAME: TypeAdapter[str] = TypeAdapter(Name)
MAX_DESCRIPTION = 2000


def unwritable(live: Snapshot) -> list[str]:
    """Every live name or value that adopting ``live`` would have to write and that no
    valid file can hold, as ``what: why`` lines (empty when everything fits)."""
    problems: list[str] = []
    for name, project in sorted(live.projects.items()):
        problems += _names(f"project {name!r}", "name", [name])
        if len(project.description) > MAX_DESCRIPTION:
            problems.append(
                f"project {name!r}: its description is longer than {MAX_DESCRIPTION} characters"
            )
        problems += _names(f"project {name!r}", "user", project.users)
        problems += _names(f"project {name!r}", "group", project.groups)
        problems += _names(f"project {name!r}", "object", (o for _, o in project.objects))
    for name, role in sorted(live.roles.items()):
        problems += _names(f"role {name!r}", "name", [name])
        problems += _names(f"role {name!r}", "holder", role.users)
        if role.builtin or name == ADMIN_ROLE:
            continue
        if name.casefold() == ADMIN_ROLE.casefold():
            problems.append(f"role {name!r}: a custom role cannot be named like {ADMIN_ROLE!r}")
        unknown = sorted(p for p in role.permissions if p not in PERMISSIONS)
        if unknown:
            problems.append(
                f"role {name!r}: permissions {', '.join(map(repr, unknown))} are not among "
                f"those the files know ({', '.join(PERMISSIONS)})"
            )
    return problems


def _names(where: str, what: str, names: Iterable[str]) -> Iterator[str]:
    for name in sorted(names):
        try:
            _NAME.validate_python(name)
        except ValidationError:
            yield (
                f"{where}: {what} {name!r} is not a valid name in the files (1 to 200 "
                "characters, no line break, no space at either end)"
            )
