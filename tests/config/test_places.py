"""The planner's ``locate`` answers as the loaded documents do, without keeping them:
a plan frees the validated models before it reads the live state."""

from __future__ import annotations

import gc
import weakref
from pathlib import Path

from config_helpers import EXAMPLES

from reconciler.config.loader import load_config
from reconciler.config.places import locator
from reconciler.kinds import OBJECT_KINDS


def test_locate_answers_as_the_loaded_documents() -> None:
    loaded = load_config(EXAMPLES, use_cache=False)
    locate = locator(loaded)
    assert locate(("company",)) == loaded.position_of("Company")
    for project in loaded.projects:
        name = project.name
        assert locate(("project", name)) == loaded.project_position(name)
        for user in [*project.members.logins, "nobody"]:
            assert locate(("project", name, "users", user)) == loaded.member_position(name, user)
        for group in [*project.members.group_names, "nobody"]:
            where = loaded.member_position(name, group, group=True)
            assert locate(("project", name, "groups", group)) == where
        for kind in OBJECT_KINDS:
            for item in [*getattr(project.objects, kind), "nothing"]:
                where = loaded.object_position(name, kind, item)
                assert locate(("project", name, "objects", kind, item)) == where
    for role in loaded.roles:
        for user in [*role.logins, "nobody"]:
            where = loaded.role_user_position(role.name, user)
            assert locate(("role", role.name, "users", user)) == where
    for policy in loaded.policies:
        for project_name in [*policy.isolate, "Nope"]:
            where = loaded.isolate_position(policy.name, project_name)
            assert locate(("policy", policy.name, "isolate", project_name)) == where
    assert locate(("project", "Nope", "users", "x")) is None


def test_locate_keeps_no_model_alive() -> None:
    loaded = load_config(EXAMPLES, use_cache=False)
    models = [weakref.ref(d.model) for d in loaded.documents]
    locate = locator(loaded)
    del loaded
    gc.collect()
    assert [ref for ref in models if ref() is not None] == []
    assert locate(("company",)) is not None


def test_a_name_is_looked_up_in_its_own_list_only(tmp_path: Path) -> None:
    """The lists of a place sit end to end: a name of the next list is not found in this
    one, and the index is counted within the list."""
    (tmp_path / "p.yaml").write_text(
        "apiVersion: reconciler/v1\nkind: Project\nname: P\n"
        "members:\n  users: [a, b]\n  groups: [c, a]\n"
        "objects:\n  queues: [q]\n  lists: [b, x]\n"
    )
    loaded = load_config(tmp_path, use_cache=False)
    locate = locator(loaded)
    assert locate(("project", "P", "groups", "a")) == loaded.member_position("P", "a", group=True)
    assert locate(("project", "P", "groups", "a")).column == 15
    assert locate(("project", "P", "groups", "b")) == loaded.position_of(
        "Project", "P", ("members", "groups")
    )
    assert locate(("project", "P", "objects", "lists", "x")).column == 14
    assert locate(("project", "P", "objects", "queues", "b")).line == 8
