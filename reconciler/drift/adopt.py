"""``drift --adopt``: write live values back into the YAML files.

Files are edited in ruamel.yaml's round-trip mode (``yamledit``), so comments, key
order, quoting and flow/block style of everything not touched stay as they were.
What changes:

* a declared project found live (by its name, a previous name, or a rename by hand)
  gets live's name (the old one joins ``previous_names`` for a hand rename), its
  description, and its member and object lists edited in place: entries live does not
  have are dropped, live extras are appended (sorted) at the end of each list;
* a declared project that no longer exists live loses its document;
* policies (``isolate``), reviews (``projects``) and the Company's
  ``default_project.name`` follow those renames, and a policy or review stops naming a
  project that is gone (a review also a role that is gone; one naming nothing goes); a
  previous name that is now the name of a live project is dropped (every live project
  ends up declared);
* a declared role gets live's permissions and holders; one gone live loses its document;
* the Company document gets live's security type;
* a live project no file declares gets a new file ``projects/<slug>.yaml`` (Default
  included), and a live role no file declares a new document in the roles file.

Live memberships no valid file can declare (``unexpressed``) are left out and listed.
``adopt`` renders every new text first, checks the whole resulting directory with the
loader and its rules (and the caller's ``check``), and writes only when all of it
passes: a refusal leaves every file as it was. After adopting, a plan against the same
live state holds exactly the removals of the memberships left out.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from reconciler.config.loaded import LoadedConfig
from reconciler.config.loader import discover_files, load_texts
from reconciler.drift.documents import (
    declared_members,
    file_rules,
    kind_of,
    live_name_of,
    previous_names_of,
    rename,
    sync_project,
    sync_role,
)
from reconciler.drift.unexpressed import LeftOut, Members, left_out, without
from reconciler.drift.yamledit import (
    YamlFile,
    dump_file,
    load_file,
    new_yaml,
    scalar,
)
from reconciler.errors import ConfigError, ReconcilerError, printable
from reconciler.fsutil import write_text_atomic
from reconciler.importer.documents import FileSpec, project_doc, project_slugs
from reconciler.importer.expressible import unwritable
from reconciler.importer.writer import render_file
from reconciler.kinds import DEFAULT_PROJECT
from reconciler.state.snapshot import Snapshot

Check = Callable[[LoadedConfig, "AdoptResult"], None]


@dataclass(slots=True)
class AdoptResult:
    """What adopting changes: files (paths under the config directory as given), the
    new texts, remarks, and the live memberships left out."""

    config_dir: Path
    changed: list[Path] = field(default_factory=list)
    created: list[Path] = field(default_factory=list)
    removed: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    left_out: list[LeftOut] = field(default_factory=list)
    #: new texts of the changed and created files; texts of the files left as they are
    texts: dict[Path, str] = field(default_factory=dict)
    kept: dict[Path, str] = field(default_factory=dict)

    def config_texts(self) -> dict[str, str]:
        """The whole config directory after adopting: relative POSIX path -> text."""
        files = {**self.kept, **self.texts}
        return {p.relative_to(self.config_dir).as_posix(): t for p, t in files.items()}


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
        for review in [d for d in file.documents if _names_nothing(d)]:
            file.documents.remove(review)
            file.changed = True
            run.result.notes.append(
                f"review of {review.get('reviewed_on')} names nothing live any more: removed"
            )


def _follow_projects(doc: Any, run: _Adoption) -> bool:
    """Rename (or drop) the project names a Policy, a Review or the Company refers to."""
    if kind_of(doc) == "Policy" and isinstance(doc.get("isolate"), list):
        return _follow_list(doc, run, "isolate")
    if kind_of(doc) == "Review":
        return _follow_review(doc, run)
    if kind_of(doc) == "Company":
        default = doc.get("default_project")
        current = default.get("name", DEFAULT_PROJECT) if isinstance(default, dict) else None
        if str(current or DEFAULT_PROJECT) not in run.renamed:
            return False
        new = scalar(run.renamed[str(current or DEFAULT_PROJECT)])
        if isinstance(default, dict):
            default["name"] = new
        else:
            doc["default_project"] = CommentedMap(name=new)
        return True
    return False


def _follow_list(doc: Any, run: _Adoption, key: str) -> bool:
    """The project list ``key`` of a Policy (``isolate``) or a Review (``projects``)."""
    isolate, changed = doc[key], False
    label = (
        f"policy {doc.get('name')}" if key == "isolate" else f"review of {doc.get('reviewed_on')}"
    )
    for index in reversed(range(len(isolate))):
        name = str(isolate[index])
        if name in run.gone:
            del isolate[index]
            run.result.notes.append(f"{label}: dropped project {name}")
            changed = True
        elif name in run.renamed:
            isolate[index] = scalar(run.renamed[name])
            changed = True
    return changed


def _follow_review(doc: Any, run: _Adoption) -> bool:
    """A Review follows renamed projects and stops naming projects and roles gone live."""
    changed = isinstance(doc.get("projects"), list) and _follow_list(doc, run, "projects")
    roles = doc.get("roles")
    if isinstance(roles, list):
        for index in reversed(range(len(roles))):
            if str(roles[index]) not in run.live.roles:
                run.result.notes.append(
                    f"review of {doc.get('reviewed_on')}: dropped role {roles[index]}"
                )
                del roles[index]
                changed = True
    return changed


def _names_nothing(doc: Any) -> bool:
    """A Review left naming no project and no role (its projects are gone live)."""
    return kind_of(doc) == "Review" and not doc.get("projects") and not doc.get("roles")


def _adopt_one(doc: Any, run: _Adoption) -> tuple[bool, bool]:
    """``(keep the document, it changed)``."""
    kind, live = kind_of(doc), run.live
    if kind == "Company" and live.security_type and doc.get("security_type") != live.security_type:
        doc["security_type"] = live.security_type
        return True, True
    if kind == "Project":
        name = str(doc["name"])
        target = live_name_of(doc, live, run.hand)
        if target is None:
            run.result.notes.append(f"project {name} no longer exists live: removed")
            run.gone.add(name)
            return False, True
        changed = target != name
        if changed:
            run.renamed[name] = target
            rename(doc, target, keep_old=name in run.hand)
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


def leave_out(files: list[YamlFile], run: _Adoption, before: dict[str, Members]) -> Snapshot:
    """Drop from the adopted documents what the files cannot declare; answers the
    state the files then declare."""
    renamed = {run.renamed.get(n, n): m for n, m in before.items() if n not in run.gone}
    run.result.left_out = left_out(run.live, file_rules(files), renamed)
    written = without(run.live, run.result.left_out)
    touched = {item.project for item in run.result.left_out}
    names = set(written.projects)
    for file in files:
        for doc in file.documents:
            if kind_of(doc) != "Project":
                continue
            if str(doc["name"]) in touched:
                file.changed |= sync_project(doc, written.projects[str(doc["name"])])
            file.changed |= _drop_taken_names(doc, names - {str(doc["name"])}, run.result)
    return written


def _drop_taken_names(doc: CommentedMap, taken: set[str], result: AdoptResult) -> bool:
    """Previous names that are now another declared project's name cannot stay."""
    previous = previous_names_of(doc)
    dropped = [str(n) for n in previous if str(n) in taken]
    for name in dropped:
        previous.remove(name)
        result.notes.append(
            f"project {doc['name']}: dropped previous name {name}, the name of another live project"
        )
    if dropped and not previous:
        del doc["previous_names"]
    return bool(dropped)


def _roles_file(files: list[YamlFile], root: Path) -> YamlFile:
    """The file new Role documents go to: the first holding a Role, else roles.yaml."""
    path = root / "roles.yaml"
    for file in files:
        if any(kind_of(d) == "Role" for d in file.documents):
            return file
    for file in files:
        if file.path == path:
            return file
    fresh = YamlFile(path, "", new_yaml(), [], changed=True, new=True)
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
        doc = CommentedMap(apiVersion="reconciler/v1", kind="Role", name=scalar(name))
        if not role.builtin and role.permissions:
            doc["permissions"] = CommentedSeq(sorted(role.permissions))
        if role.users:
            doc["users"] = CommentedSeq(scalar(u) for u in sorted(role.users))
        target.documents.append(doc)
        target.changed = True
        result.notes.append(f"role {name} was not declared: added to {target.path.name}")


def add_unmanaged_projects(
    root: Path, live: Snapshot, declared: set[str], result: AdoptResult
) -> None:
    """New files (texts, not written yet) for live projects no file declares."""
    missing = sorted(n for n in live.projects if n not in declared)
    slugs = project_slugs(missing)
    for name in missing:
        stem = slugs[name]
        path, n = root / "projects" / f"{stem}.yaml", 2
        while path.exists() or path in result.texts:
            path, n = root / "projects" / f"{stem}-{n}.yaml", n + 1
        spec = FileSpec(PurePosixPath("projects") / path.name, (project_doc(live.projects[name]),))
        result.texts[path] = render_file(spec)
        result.created.append(path)
        result.notes.append(f"project {name} was not declared: wrote {path.relative_to(root)}")


def prepare(
    config_dir: Path,
    live: Snapshot,
    hand_renames: Mapping[str, str],
    expired: Sequence[LeftOut] = (),
) -> AdoptResult:
    """Every new text, rendered in memory (nothing is written)."""
    problems = unwritable(live)
    if problems:
        lines = "".join(f"\n  {p}" for p in problems)
        raise ReconcilerError(
            f"drift --adopt wrote nothing: live holds values no file can hold:{lines}\n"
            "change them live, then adopt again"
        )
    result = AdoptResult(config_dir)
    files = [load_file(config_dir / rel) for rel in discover_files(config_dir)]
    before = declared_members(files)
    run = _Adoption(live, hand_renames, result)
    adopt_documents(files, run)
    written = leave_out(files, run, before)
    result.left_out = sorted([*result.left_out, *expired], key=_left_out_order)
    add_unmanaged_roles(files, live, run.roles, config_dir, result)
    for file in files:
        text = dump_file(file) if file.changed and file.documents else file.text
        if not file.documents and not file.new:
            result.removed.append(file.path)
        elif text == file.text:  # untouched, or edits that cancel out
            result.kept[file.path] = file.text
        else:
            result.texts[file.path] = text
            (result.created if file.new else result.changed).append(file.path)
    add_unmanaged_projects(config_dir, written, run.projects, result)
    return result


def _left_out_order(item: LeftOut) -> tuple[str, str, str, str]:
    return (item.role or "", item.project, item.member_type, item.member)


def adopt(
    config_dir: Path,
    live: Snapshot,
    hand_renames: Mapping[str, str],
    *,
    check: Check | None = None,
    expired: Sequence[LeftOut] = (),
) -> AdoptResult:
    """Rewrite the files under ``config_dir`` so that they declare ``live``, except
    the ``expired`` access, whose entries stay as they are (the next apply removes it).

    The resulting directory is loaded and checked (``load_texts``, then ``check`` on
    it) before the first file is touched; each file is replaced atomically."""
    try:
        result = prepare(config_dir, live, hand_renames, expired)
        try:
            loaded = load_texts(config_dir, result.config_texts())
        except ConfigError as exc:
            lines = "".join(f"\n  {p}" for p in exc.problems)
            raise ReconcilerError(
                f"drift --adopt wrote nothing: the adopted files would not validate:{lines}"
            ) from exc
        if check is not None:
            check(loaded, result)
        for path, text in result.texts.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            write_text_atomic(path, text)
        for path in result.removed:
            path.unlink()
    except OSError as exc:
        shown = printable(str(config_dir))
        raise ReconcilerError(f"cannot rewrite {shown}: {exc.strerror or exc}") from exc
    return result
