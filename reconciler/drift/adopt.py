"""``drift --adopt``: write live values back into the YAML files.

Files are edited with ruamel.yaml's round-trip mode, so comments, key order, quoting and
flow/block style of everything not touched stay as they were. What changes:

* a declared project found live (by its name, a previous name, or a rename by hand)
  gets live's name (the old one joins ``previous_names`` for a hand rename), its
  description, and its member and object lists edited in place: entries live does not
  have are dropped, live extras are appended (sorted) at the end of each list;
* a declared project that no longer exists live loses its document;
* policies (``isolate``) and the Company's ``default_project.name`` follow those renames,
  and a policy stops naming a project that is gone;
* a declared role gets live's permissions and holders; one gone live loses its document;
* the Company document gets live's security type;
* a live project no file declares gets a new file ``projects/<slug>.yaml`` (Default
  included), and a live role no file declares a new document in the roles file.

After adopting, a plan against the same live state is empty.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path, PurePosixPath
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError

from reconciler.errors import ConfigError, Position, Problem, ReconcilerError
from reconciler.fsutil import write_text_atomic
from reconciler.importer.documents import FileSpec, project_doc, project_slugs
from reconciler.importer.writer import render_file
from reconciler.kinds import ADMIN_ROLE, OBJECT_KINDS
from reconciler.state.snapshot import ProjectState, RoleState, Snapshot

_DASH = re.compile(r"^( *)- ")
_KEY = re.compile(r"^( *)[^\s#-][^:]*:\s*(#.*)?$")


@dataclass(slots=True)
class YamlFile:
    """One config file, loaded for round-trip editing."""

    path: Path
    yaml: YAML
    documents: list[Any]
    changed: bool = False


@dataclass(slots=True)
class AdoptResult:
    changed: list[Path] = field(default_factory=list)
    created: list[Path] = field(default_factory=list)
    removed: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def guess_indent(text: str) -> tuple[int, int]:
    """``(mapping indent, dash offset)`` of block sequences in ``text`` (default 2, 2)."""
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    offset, mapping = None, None
    for prev, line in pairwise(lines):
        key, dash = _KEY.match(prev), _DASH.match(line)
        if key and dash and offset is None:
            offset = len(dash.group(1)) - len(key.group(1))
        elif key and mapping is None and not dash:
            grow = (len(line) - len(line.lstrip(" "))) - len(key.group(1))
            if grow > 0:
                mapping = grow
    return (mapping or 2), max(offset if offset is not None else 2, 0)


def load_file(path: Path) -> YamlFile:
    text = path.read_text(encoding="utf-8")
    mapping, offset = guess_indent(text)
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=mapping, sequence=offset + 2, offset=offset)
    yaml.explicit_start = text.lstrip().startswith("---")
    try:
        documents = [d for d in yaml.load_all(text) if d is not None]
    except YAMLError as exc:
        raise ConfigError([Problem(Position(str(path)), f"cannot read YAML: {exc}")]) from exc
    return YamlFile(path, yaml, documents)


def dump_file(file: YamlFile) -> str:
    stream = io.StringIO()
    file.yaml.dump_all(file.documents, stream)
    return stream.getvalue()


def sync_list(parent: CommentedMap, key: str, wanted: Iterable[str]) -> bool:
    """Make ``parent[key]`` hold exactly ``wanted``: drop what is not wanted, append
    the rest sorted; a missing list is created only when something is wanted."""
    want = set(wanted)
    seq = parent.get(key)
    if not isinstance(seq, list):
        if not want:
            return False
        parent[key] = CommentedSeq(sorted(want))
        return True
    changed = False
    for index in reversed(range(len(seq))):
        if seq[index] not in want:
            del seq[index]
            changed = True
    for name in sorted(want - set(seq)):
        seq.append(name)
        changed = True
    return changed


def _section(doc: CommentedMap, key: str, needed: bool, before: str | None) -> Any:
    section = doc.get(key)
    if isinstance(section, dict) or not needed:
        return section
    section = CommentedMap()
    keys = list(doc.keys())
    doc.insert(keys.index(before) if before in keys else len(keys), key, section)
    return section


def sync_project(doc: CommentedMap, live: ProjectState) -> bool:
    """Members, objects and description of one Project document from live."""
    changed = False
    if str(doc.get("description", "")) != live.description:
        if live.description:
            doc["description"] = live.description
        else:
            del doc["description"]
        changed = True
    members = _section(doc, "members", bool(live.users or live.groups), "objects")
    if members is not None:
        changed |= sync_list(members, "users", live.users)
        changed |= sync_list(members, "groups", live.groups)
    objects = _section(doc, "objects", bool(live.objects), None)
    if objects is not None:
        for kind in OBJECT_KINDS:
            changed |= sync_list(objects, kind, (n for k, n in live.objects if k == kind))
    return changed


def rename(doc: CommentedMap, live_name: str, *, keep_old: bool) -> None:
    """Give ``doc`` live's name; with ``keep_old`` the declared name becomes a previous one."""
    old = str(doc["name"])
    doc["name"] = live_name
    previous = doc.get("previous_names")
    if isinstance(previous, list) and live_name in previous:
        previous.remove(live_name)
    if keep_old:
        if not isinstance(previous, list):
            previous = CommentedSeq()
            keys = list(doc.keys())
            doc.insert(keys.index("name") + 1, "previous_names", previous)
        if old not in previous:
            previous.append(old)
    if isinstance(previous, list) and not previous:
        del doc["previous_names"]


def live_name_of(doc: Mapping[str, Any], live: Snapshot, hand: Mapping[str, str]) -> str | None:
    name = str(doc["name"])
    if name in live.projects:
        return name
    if name in hand:
        return hand[name]
    for old in doc.get("previous_names") or []:
        if str(old) in live.projects:
            return str(old)
    return None


def sync_role(doc: CommentedMap, live: RoleState) -> bool:
    changed = sync_list(doc, "users", live.users)
    if not live.builtin and str(doc.get("name")) != ADMIN_ROLE:
        changed |= sync_list(doc, "permissions", live.permissions)
    return changed


def _kind(doc: Any) -> str | None:
    return str(doc.get("kind")) if isinstance(doc, dict) else None


@dataclass(slots=True)
class _Adoption:
    """One adopt run: the live state, the hand renames, and what has been declared."""

    live: Snapshot
    hand: Mapping[str, str]
    result: AdoptResult
    projects: set[str] = field(default_factory=set)
    roles: set[str] = field(default_factory=set)
    #: declared project name -> live name, and declared projects gone live
    renamed: dict[str, str] = field(default_factory=dict)
    gone: set[str] = field(default_factory=set)


def adopt_documents(files: list[YamlFile], run: _Adoption) -> None:
    """Edit every document in place, dropping those live no longer has; then point
    the references to renamed or removed projects (policies, the Default policy) at
    what live holds."""
    for file in files:
        kept: list[Any] = []
        for doc in file.documents:
            keep, changed = _adopt_one(doc, run)
            file.changed |= changed or not keep
            if keep:
                kept.append(doc)
        file.documents = kept
    for file in files:
        for doc in file.documents:
            file.changed |= _follow_projects(doc, run)


def _follow_projects(doc: Any, run: _Adoption) -> bool:
    """Rename (or drop) the project names a Policy or the Company refers to."""
    changed = False
    if _kind(doc) == "Policy" and isinstance(doc.get("isolate"), list):
        isolate = doc["isolate"]
        for index in reversed(range(len(isolate))):
            name = str(isolate[index])
            if name in run.gone:
                del isolate[index]
                run.result.notes.append(f"policy {doc.get('name')}: dropped project {name}")
                changed = True
            elif name in run.renamed:
                isolate[index] = run.renamed[name]
                changed = True
    if _kind(doc) == "Company" and isinstance(doc.get("default_project"), dict):
        default = doc["default_project"]
        name = default.get("name")
        if name is not None and str(name) in run.renamed:
            default["name"] = run.renamed[str(name)]
            changed = True
    return changed


def _adopt_one(doc: Any, run: _Adoption) -> tuple[bool, bool]:
    """``(keep the document, it changed)``."""
    kind, live = _kind(doc), run.live
    if kind == "Company" and live.security_type and doc.get("security_type") != live.security_type:
        doc["security_type"] = live.security_type
        return True, True
    if kind == "Project":
        target = live_name_of(doc, live, run.hand)
        if target is None:
            run.result.notes.append(f"project {doc['name']} no longer exists live: removed")
            run.gone.add(str(doc["name"]))
            return False, True
        changed = target != doc["name"]
        if changed:
            run.renamed[str(doc["name"])] = target
            rename(doc, target, keep_old=str(doc["name"]) in run.hand)
        run.projects.add(target)
        return True, sync_project(doc, live.projects[target]) or changed
    if kind == "Role":
        name = str(doc.get("name"))
        if name not in live.roles:
            run.result.notes.append(f"role {name} no longer exists live: removed")
            return False, True
        run.roles.add(name)
        return True, sync_role(doc, live.roles[name])
    return True, False


def _roles_file(files: list[YamlFile], root: Path) -> YamlFile:
    """The file new Role documents go to: the first holding a Role, else roles.yaml."""
    path = root / "roles.yaml"
    for file in files:
        if any(_kind(d) == "Role" for d in file.documents):
            return file
    for file in files:
        if file.path == path:
            return file
    yaml = YAML(typ="rt")
    yaml.indent(mapping=2, sequence=4, offset=2)
    fresh = YamlFile(path, yaml, [], changed=True)
    files.append(fresh)
    return fresh


def add_unmanaged_roles(
    files: list[YamlFile], live: Snapshot, declared: set[str], root: Path, result: AdoptResult
) -> None:
    missing = sorted(n for n, r in live.roles.items() if n not in declared)
    if not missing:
        return
    target = _roles_file(files, root)
    for name in missing:
        role = live.roles[name]
        doc = CommentedMap(apiVersion="reconciler/v1", kind="Role", name=name)
        if not role.builtin and role.permissions:
            doc["permissions"] = CommentedSeq(sorted(role.permissions))
        if role.users:
            doc["users"] = CommentedSeq(sorted(role.users))
        target.documents.append(doc)
        target.changed = True
        result.notes.append(f"role {name} was not declared: added to {target.path.name}")


def add_unmanaged_projects(
    root: Path, live: Snapshot, declared: set[str], result: AdoptResult
) -> dict[Path, str]:
    """New files for live projects no file declares: path -> text (not written yet)."""
    missing = sorted(n for n in live.projects if n not in declared)
    slugs = project_slugs(missing)
    new: dict[Path, str] = {}
    for name in missing:
        stem = slugs[name]
        path, n = root / "projects" / f"{stem}.yaml", 2
        while path.exists() or path in new:
            path, n = root / "projects" / f"{stem}-{n}.yaml", n + 1
        spec = FileSpec(PurePosixPath("projects") / path.name, (project_doc(live.projects[name]),))
        new[path] = render_file(spec)
        result.created.append(path)
        result.notes.append(f"project {name} was not declared: wrote {path.relative_to(root)}")
    return new


def config_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in (".yaml", ".yml"))


def adopt(config_dir: Path, live: Snapshot, hand_renames: Mapping[str, str]) -> AdoptResult:
    """Rewrite the files under ``config_dir`` so that they declare ``live``.

    Every new text is rendered before the first file is touched, and each file is
    replaced atomically, so a failure leaves no file half-written."""
    result = AdoptResult()
    try:
        files = [load_file(p) for p in config_files(config_dir)]
        run = _Adoption(live, hand_renames, result)
        adopt_documents(files, run)
        add_unmanaged_roles(files, live, run.roles, config_dir, result)
        texts: dict[Path, str] = {}
        for file in files:
            if not file.changed:
                continue
            if file.documents:
                texts[file.path] = dump_file(file)
                result.changed.append(file.path)
            else:
                result.removed.append(file.path)
        texts.update(add_unmanaged_projects(config_dir, live, run.projects, result))
        for path, text in texts.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            write_text_atomic(path, text)
        for path in result.removed:
            path.unlink()
    except OSError as exc:
        raise ReconcilerError(f"cannot rewrite {config_dir}: {exc.strerror or exc}") from exc
    return result
