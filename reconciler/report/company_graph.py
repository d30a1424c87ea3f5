"""The company as a picture: projects (with their objects by kind), groups, users (or
counts when large), who sees everything, and the isolation boundaries of each Policy.

``company_graph`` builds one neutral ``Graph``; ``to_mermaid`` (GitHub draws it in a
comment or a README) and ``to_dot`` (Graphviz) only write it out. Ids are generated
(``p3``, ``g1``, ``u12``), names only ever appear as escaped labels.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from reconciler.kinds import OBJECT_KINDS
from reconciler.plan.settings import PolicySpec
from reconciler.render.diagram import dot_label, mermaid_label
from reconciler.render.selection import Selection
from reconciler.report.isolation import everything_viewers
from reconciler.state.snapshot import Snapshot

#: Users are drawn one by one up to this many; above it, as a count per project.
MAX_USERS = 40


@dataclass(frozen=True, slots=True)
class Edge:
    source: str
    target: str
    label: str = ""
    kind: str = "member"  # member | isolated


@dataclass
class Graph:
    #: project id -> (name, the label of its objects by kind)
    projects: dict[str, tuple[str, str]] = field(default_factory=dict)
    #: node id -> label, outside any project (groups, users, counts)
    nodes: dict[str, str] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)


def _kind_counts(snapshot: Snapshot, name: str) -> list[tuple[str, int]]:
    counts: dict[str, int] = {}
    for kind, _ in snapshot.projects[name].objects:
        counts[kind] = counts.get(kind, 0) + 1
    return [(k, counts[k]) for k in (*OBJECT_KINDS, *sorted(set(counts) - set(OBJECT_KINDS)))
            if k in counts]  # fmt: skip


def company_graph(
    snapshot: Snapshot, policies: Iterable[PolicySpec], chosen: Selection | None = None
) -> Graph:
    graph = Graph()
    names = [n for n in sorted(snapshot.projects) if chosen is None or chosen.matches(n)]
    ids = {name: f"p{i}" for i, name in enumerate(names)}
    for name, pid in ids.items():
        kinds = ", ".join(f"{n} {kind}" for kind, n in _kind_counts(snapshot, name))
        graph.projects[pid] = (name, kinds or "no objects")
    groups = sorted({g for n in names for g in snapshot.projects[n].groups})
    gids = {g: f"g{i}" for i, g in enumerate(groups)}
    for group, gid in gids.items():
        size = len(snapshot.groups.get(group, frozenset()))
        graph.nodes[gid] = f"group {group} ({size} users)"
        graph.edges += [Edge(gid, ids[n]) for n in names if group in snapshot.projects[n].groups]
    direct = {u for n in names for u in snapshot.projects[n].users}
    drawn = direct | {u for g in groups for u in snapshot.groups.get(g, frozenset())}
    if len(drawn) <= MAX_USERS:
        _users(graph, snapshot, sorted(drawn), ids, gids)
    else:
        for name, pid in ids.items():
            count = len(snapshot.projects[name].users)
            if count:
                graph.nodes[f"{pid}u"] = f"{count} users directly"
                graph.edges.append(Edge(f"{pid}u", pid))
    everyone = everything_viewers(snapshot)
    if everyone:
        who = (
            ", ".join(v.user for v in everyone) if len(everyone) <= 8 else f"{len(everyone)} users"
        )
        graph.nodes["everyone"] = f"see everything (Admin, view_all): {who}"
    for policy in policies:
        isolated = [ids[p] for p in policy.isolate if p in ids]
        graph.edges += [
            Edge(a, b, f"isolated: {policy.name}", "isolated")
            for i, a in enumerate(isolated)
            for b in isolated[i + 1 :]
        ]
    return graph


def _users(
    graph: Graph,
    snapshot: Snapshot,
    users: list[str],
    ids: dict[str, str],
    gids: dict[str, str],
) -> None:
    for i, user in enumerate(users):
        uid = f"u{i}"
        graph.nodes[uid] = user
        graph.edges += [
            Edge(uid, pid) for n, pid in ids.items() if user in snapshot.projects[n].users
        ]
        graph.edges += [
            Edge(uid, gid) for g, gid in gids.items() if user in snapshot.groups.get(g, frozenset())
        ]


def to_mermaid(graph: Graph) -> str:
    lines = ["flowchart LR"]
    for pid, (name, kinds) in graph.projects.items():
        lines.append(f"  subgraph {pid}[{mermaid_label('project ' + name)}]")
        lines.append(f"    {pid}o[{mermaid_label(kinds)}]")
        lines.append("  end")
    lines += [f"  {nid}([{mermaid_label(label)}])" for nid, label in graph.nodes.items()]
    for edge in graph.edges:
        if edge.kind == "isolated":
            lines.append(f"  {edge.source} x-. {mermaid_label(edge.label)} .-x {edge.target}")
        else:
            lines.append(f"  {edge.source} --> {edge.target}")
    return "\n".join(lines) + "\n"


def to_dot(graph: Graph) -> str:
    lines = ["digraph company {", "  rankdir=LR;", "  node [shape=box, fontname=Helvetica];"]
    for pid, (name, kinds) in graph.projects.items():
        lines.append(f"  subgraph cluster_{pid} {{")
        lines.append(f"    label={dot_label('project ' + name)}; style=rounded;")
        lines.append(f"    {pid} [label={dot_label(name)}, shape=folder];")
        lines.append(f"    {pid}o [label={dot_label(kinds)}, shape=note];")
        lines.append("  }")
    lines += [
        f"  {nid} [label={dot_label(label)}, shape=ellipse];" for nid, label in graph.nodes.items()
    ]
    for edge in graph.edges:
        if edge.kind == "isolated":
            lines.append(
                f"  {edge.source} -> {edge.target} [label={dot_label(edge.label)}, "
                "style=dashed, color=red, dir=both, arrowhead=tee, arrowtail=tee];"
            )
        else:
            lines.append(f"  {edge.source} -> {edge.target};")
    return "\n".join([*lines, "}"]) + "\n"
