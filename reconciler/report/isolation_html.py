"""The isolation report as one self-contained HTML page: no external script, style, font
or image, so it can be mailed, archived, opened offline and printed to PDF.

Written for a reader who has never seen the YAML (a client's auditor): plain words,
the verdict first, then per project who can see its data and why. A search box filters
people and projects as one types (``#q=bank.anna`` in the address fills it); printing
hides the search and keeps each project on one page where it fits. Every name is
escaped (``html.escape`` after ``clean``): a name cannot add markup or script.
"""

from __future__ import annotations

import html

from reconciler.render.describe import clean
from reconciler.report.isolation import IsolationReport, PolicyCheck, ProjectAccess
from reconciler.report.isolation_render import policy_verdict, stamp_lines

_STYLE = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:#1d2330;
margin:0 auto;max-width:1100px;padding:24px}
h1{font-size:26px;margin:0 0 8px}
h2{font-size:20px;margin:28px 0 8px;border-bottom:2px solid #dde2ea}
h3{font-size:16px;margin:0 0 4px}.lead{color:#3b4456;max-width:850px}
.stamp{font:12px/1.5 ui-monospace,Menlo,Consolas,monospace;background:#f4f6f9;padding:10px 14px;
border-radius:6px;overflow-wrap:anywhere}
.verdict{display:inline-block;padding:2px 10px;border-radius:12px;font-weight:600}
.ok{background:#dff5e3;color:#14622a}.bad{background:#fde2e1;color:#a11d16}
.none{background:#eceff3;color:#4a5365}
.search{position:sticky;top:0;background:#fff;padding:10px 0;border-bottom:1px solid #dde2ea;
display:flex;gap:12px;align-items:center}
.search input{font-size:15px;padding:6px 10px;width:320px;border:1px solid #b8c0cc;
border-radius:6px}
table{border-collapse:collapse;width:100%;margin:6px 0 4px}
th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #e7eaf0;vertical-align:top}
th{background:#f4f6f9;font-weight:600}.project{margin:18px 0;page-break-inside:avoid}
.muted{color:#5d6678}[hidden]{display:none!important}
@media print{.search{display:none}body{padding:0;max-width:none}h2{page-break-after:avoid}}
"""

_SCRIPT = """
(function () {
  var input = document.getElementById("q");
  var count = document.getElementById("count");
  var projects = Array.prototype.slice.call(document.querySelectorAll(".project"));
  var everyone = Array.prototype.slice.call(document.querySelectorAll("#everything tbody tr"));
  function matches(node, q) { return node.textContent.toLowerCase().indexOf(q) !== -1; }
  function filter() {
    var q = input.value.trim().toLowerCase();
    var shownProjects = 0, shownRows = 0;
    projects.forEach(function (project) {
      var title = project.querySelector("h3");
      var all = !q || matches(title, q);
      var rows = project.querySelectorAll("tbody tr");
      var any = false;
      Array.prototype.forEach.call(rows, function (row) {
        var show = all || matches(row, q);
        row.hidden = !show;
        if (show) { any = true; shownRows += 1; }
      });
      project.hidden = !(all || any);
      if (!project.hidden) { shownProjects += 1; }
    });
    everyone.forEach(function (row) { row.hidden = !!q && !matches(row, q); });
    count.textContent = q ? shownProjects + " project(s), " + shownRows + " row(s) match" : "";
  }
  input.addEventListener("input", filter);
  var hash = /^#q=(.*)$/.exec(window.location.hash);
  if (hash) { input.value = decodeURIComponent(hash[1]); }
  filter();
  document.body.setAttribute("data-ready", "1");
})();
"""


#: Object kinds as a reader who never saw the files calls them.
KIND_LABELS = {
    "queues": "queues",
    "call_scripts": "call scripts",
    "auto_dialers": "auto-dialers",
    "crm_forms": "CRM forms",
    "schedules": "schedules",
    "sip_providers": "SIP carriers",
    "lists": "number lists",
    "notification_templates": "email and SMS templates",
    "contact_fields": "customer data fields",
    "ip_phones": "desk phones",
}


def _objects(project: ProjectAccess) -> str:
    if not project.objects:
        return "No objects"
    kinds = ", ".join(f"{KIND_LABELS.get(kind, clean(kind))}: {n}" for kind, n in project.objects)
    return f"{project.object_count} objects ({kinds})"


def esc(text: str) -> str:
    return html.escape(clean(text), quote=True)


def _policy(policy: PolicyCheck) -> str:
    badge = "none" if not policy.pairs else "ok" if policy.holds else "bad"
    rows = []
    for pair in policy.pairs:
        both = f"{esc(pair.first)} and {esc(pair.second)}"
        if not pair.shared:
            rows.append(f"<tr><td>{both}</td><td>nobody is in both</td></tr>")
        for user, first, second in pair.shared:
            first_paths, second_paths = esc(", ".join(first)), esc(", ".join(second))
            rows.append(
                f"<tr><td>{both}</td><td><b>{esc(user)}</b>: {esc(pair.first)} "
                f"({first_paths}), {esc(pair.second)} ({second_paths})</td></tr>"
            )
    absent = (
        f"<p class='muted'>Not in this state: {esc(', '.join(policy.absent))}</p>"
        if policy.absent
        else ""
    )
    table = (
        f"<table><thead><tr><th>Projects</th><th>Who could see both</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
        if rows
        else ""
    )
    return (
        f"<div class='policy'><h3>{esc(policy.name)}: "
        f"<span class='verdict {badge}'>{esc(policy_verdict(policy))}</span></h3>"
        f"<p>Kept apart: {esc(', '.join(policy.isolate))}.</p>{table}{absent}</div>"
    )


def _project(project: ProjectAccess, everyone: int) -> str:
    rows = "".join(
        f"<tr><td>{esc(v.user)}</td><td>{esc(', '.join(v.paths))}</td></tr>"
        for v in project.members
    )
    body = (
        f"<table><thead><tr><th>Person</th><th>Why they see it</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
        if rows
        else "<p class='muted'>No members.</p>"
    )
    return (
        f"<article class='project'><h3>{esc(project.project)}</h3>"
        f"<p class='muted'>{esc(_objects(project))}. Seen by {len(project.members)} "
        f"member(s), and by the {everyone} people who see everything.</p>{body}</article>"
    )


def render_html(report: IsolationReport) -> str:
    """The whole page, ending with a newline."""
    verdict = (
        "<span class='verdict ok'>Every policy holds</span>"
        if report.holds
        else "<span class='verdict bad'>A policy is broken</span>"
    )
    stamp = "<br>".join(esc(line) for line in stamp_lines(report.stamp, report.checksum()))
    policies = (
        "".join(_policy(p) for p in report.policies) or "<p>No Policy keeps projects apart.</p>"
    )
    everyone = "".join(
        f"<tr><td>{esc(v.user)}</td><td>{esc(', '.join(v.paths))}</td></tr>"
        for v in report.everything
    )
    projects = "".join(_project(p, len(report.everything)) for p in report.projects)
    narrowed = (
        f"<p class='muted'>{report.hidden_projects} other project(s) not shown.</p>"
        if report.selection
        else ""
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Isolation report: {esc(report.stamp.target)}</title>
<style>{_STYLE}</style>
</head>
<body>
<header>
<h1>Who can see each project's data {verdict}</h1>
<p class="lead">A project is one line of business, usually one client. This report lists,
for every project, each person who can open its calls, queues, scripts, forms and other
objects, and why: as a member of the project, through a team (a group) that is a member,
or because their role lets them see everything. It also checks that the projects which
must be kept apart share nobody.</p>
<p class="stamp">{stamp}</p>
</header>
<div class="search"><label for="q">Search people or projects</label>
<input id="q" type="search" placeholder="a login or a project" autocomplete="off">
<span id="count" class="muted"></span></div>
<h2>Projects kept apart</h2>
{policies}
<h2>People who see everything</h2>
<section id="everything"><table><thead><tr><th>Person</th><th>Why</th></tr></thead>
<tbody>{everyone}</tbody></table></section>
<h2>Projects ({len(report.projects)})</h2>
<section id="projects">{projects}</section>
{narrowed}
<script>{_SCRIPT}</script>
</body>
</html>
"""
