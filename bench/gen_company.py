"""Generate a synthetic company for benchmarks: N project files plus company, roles, policies.

    python bench/gen_company.py OUT_DIR [--projects 1000]

Each project file holds one Project document with 20 users, 2 groups and 22 objects
(44 list entries), so the default 1,000 projects make 20,000 users and ~44,000 entries.
The result is a valid config directory.
"""

from __future__ import annotations

import argparse
from pathlib import Path

USERS_PER_PROJECT = 20
GROUPS_PER_PROJECT = 2
OBJECTS = {
    "queues": 4,
    "call_scripts": 3,
    "auto_dialers": 2,
    "crm_forms": 2,
    "schedules": 2,
    "sip_providers": 1,
    "lists": 2,
    "notification_templates": 2,
    "contact_fields": 3,
    "ip_phones": 1,
}
SHARED_KINDS = {"schedules", "sip_providers", "lists", "notification_templates", "contact_fields"}

HEADER = "# yaml-language-server: $schema=../schemas/projects.schema.json\n"


def project_yaml(index: int) -> str:
    """One project document; single-project objects carry the project's index."""
    name = f"Client {index:04d}"
    lines = [
        HEADER.rstrip("\n"),
        "apiVersion: reconciler/v1",
        "kind: Project",
        f"name: {name}",
        f"description: Synthetic line of business number {index}",
        "members:",
        "  users:",
    ]
    lines += [f"    - agent.{index:04d}.{u:02d}" for u in range(USERS_PER_PROJECT)]
    lines.append("  groups:")
    lines += [f"    - team-{index:04d}-{g}" for g in range(GROUPS_PER_PROJECT)]
    lines.append("objects:")
    for kind, count in OBJECTS.items():
        lines.append(f"  {kind}:")
        for n in range(count):
            owner = f"{index % 7}" if kind in SHARED_KINDS else f"{index:04d}"
            lines.append(f"    - {kind.replace('_', ' ').title()} {owner}-{n}")
    return "\n".join(lines) + "\n"


def company_yaml() -> str:
    return (
        HEADER
        + "apiVersion: reconciler/v1\nkind: Company\nsecurity_type: advanced\nprune: false\n"
        + "---\napiVersion: reconciler/v1\nkind: Role\nname: Admin\nusers: [agent.0000.00]\n"
        + "---\napiVersion: reconciler/v1\nkind: Role\nname: Supervisor\n"
        + "permissions: [project_list, access_management]\nusers: [agent.0000.01]\n"
        + "---\napiVersion: reconciler/v1\nkind: Policy\nname: isolate-first\n"
        + "isolate: [Client 0000, Client 0001]\nmax_view_all_users: 5\n"
    )


def generate(out: Path, projects: int = 1000) -> list[Path]:
    """Write the company into ``out`` (created); return the files written."""
    (out / "projects").mkdir(parents=True, exist_ok=True)
    written = [out / "company.yaml"]
    written[0].write_text(company_yaml(), encoding="utf-8")
    for index in range(projects):
        path = out / "projects" / f"client-{index:04d}.yaml"
        path.write_text(project_yaml(index), encoding="utf-8")
        written.append(path)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--projects", type=int, default=1000)
    args = parser.parse_args()
    files = generate(args.out, args.projects)
    print(f"wrote {len(files)} files under {args.out}")


if __name__ == "__main__":
    main()
