"""The access review as text, markdown, CSV or HTML (pure: the same report, the same bytes).

Every format holds the same facts. Names are shown, never obeyed: text escapes control
characters, markdown uses the plan comment's escaping (no markup, mention or link), CSV
cells that a spreadsheet would read as a formula (``=``, ``+``, ``-``, ``@``) start with
``'``, and HTML escapes everything; each project is one printed page.
"""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Callable, Iterator

from reconciler.render.describe import clean
from reconciler.render.markdown import md
from reconciler.review.report import LastReview, Page, ReviewReport, Row

COLUMNS = (
    "Member",
    "Status",
    "Since",
    "Granted by",
    "Author",
    "Merged by",
    "Expires",
    "Notes",
)
CSV_FIELDS = (
    "page",
    "scope",
    "member_type",
    "member",
    "status",
    "since",
    "since_source",
    "commit",
    "subject",
    "pr_number",
    "author",
    "merged_by",
    "expires",
    "reason",
    "by_hand",
    "new_since_review",
    "last_reviewed",
)


def heading(page: Page) -> str:
    return f"Project {page.title}" if page.kind == "project" else page.title


def last_reviewed(last: LastReview | None) -> str:
    if last is None:
        return "Never reviewed (no Review record names it)."
    where = f"commit {last.commit}" if last.commit else "not committed yet"
    if last.pr_number is not None:
        where += f", PR #{last.pr_number}"
    note = f": {last.note}" if last.note else ""
    return f"Last reviewed {last.reviewed_on} by {last.reviewer} ({where}){note}"


def granted_by(row: Row) -> str:
    if not row.commit:
        return ""
    pr = f" (PR #{row.pr_number})" if row.pr_number is not None else ""
    return f"{row.commit} {row.subject}{pr}"


def notes(row: Row) -> str:
    parts = [row.reason]
    if row.by_hand:
        parts.append(f"granted by hand on the platform {row.by_hand}")
    if row.new_since_review:
        parts.append("new since the last review")
    return "; ".join(p for p in parts if p)


def since(row: Row) -> str:
    return f"{row.since} ({row.since_source})" if row.since else ""


def cells(row: Row) -> tuple[str, ...]:
    member = f"{row.member_type} {row.member}"
    if row.member_type == "holder":
        member = f"{row.member} (role {row.scope})"
    return (
        member,
        row.status,
        since(row),
        granted_by(row),
        row.author,
        row.merged_by,
        row.expires,
        notes(row),
    )


def render_text(report: ReviewReport) -> str:
    lines = [f"Access review as of {report.as_of} ({clean(report.target)})"]
    for page in report.pages:
        lines += ["", f"== {clean(heading(page))} ==", clean(last_reviewed(page.last_review))]
        if not page.rows:
            lines.append("  (no members)")
        for row in page.rows:
            lines.extend(_text_row(row))
    lines += [f"note: {clean(n)}" for n in report.notes]
    return "\n".join(lines) + "\n"


def _text_row(row: Row) -> Iterator[str]:
    member, status, when, grant, author, merged, expires, remarks = map(clean, cells(row))
    yield f"  {member}: {status}" + (f", since {when}" if when else "")
    if grant:
        who = f", author {author}" if author else ""
        by = merged if merged.startswith("applied by") else f"merged by {merged}"
        yield f"      granted by {grant}{who}" + (f", {by}" if merged else "")
    if expires:
        yield f"      {expires}"
    if remarks:
        yield f"      {remarks}"


def render_markdown(report: ReviewReport) -> str:
    parts = [f"# Access review as of {md(report.as_of)}", f"Target: {md(report.target)}"]
    for page in report.pages:
        parts += [f"## {md(heading(page))}", md(last_reviewed(page.last_review))]
        if not page.rows:
            parts.append("No members.")
            continue
        table = ["| " + " | ".join(COLUMNS) + " |", "|" + " --- |" * len(COLUMNS)]
        table += ["| " + " | ".join(md(c) for c in cells(row)) + " |" for row in page.rows]
        parts.append("\n".join(table))
    parts += [f"> {md(n)}" for n in report.notes]
    return "\n\n".join(parts) + "\n"


def _inert(value: object) -> str:
    """A CSV cell a spreadsheet shows as text, never runs as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def render_csv(report: ReviewReport) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_FIELDS)
    for page in report.pages:
        reviewed = page.last_review.reviewed_on if page.last_review else ""
        for row in page.rows:
            data = row.to_dict()
            values = [heading(page), *(data[f] for f in CSV_FIELDS[1:-1]), reviewed]
            writer.writerow([_inert(v) for v in values])
    return out.getvalue()


_STYLE = """
@page { size: A4 landscape; margin: 1cm; }
body { font-family: sans-serif; font-size: 9px; margin: 0; }
section.page { break-before: page; }
section.page:first-of-type { break-before: auto; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid #999; padding: 2px 4px; text-align: left; vertical-align: top; }
th { background: #eee; }
tr.new td { background: #fff6d5; }
td.status-expired, td.status-hand { color: #a00; font-weight: bold; }
"""


def _h(text: str) -> str:
    return html.escape(clean(text), quote=True)


def render_html(report: ReviewReport) -> str:
    title = f"Access review as of {report.as_of}"
    body = [f"<h1>{_h(title)}</h1>", f"<p class='target'>Target: {_h(report.target)}</p>"]
    for page in report.pages:
        body.append(_html_page(page))
    body += [f"<p class='note'>{_h(n)}</p>" for n in report.notes]
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        f"<title>{_h(title)}</title><style>{_STYLE}</style></head>\n<body>\n"
        + "\n".join(body)
        + "\n</body></html>\n"
    )


def _html_page(page: Page) -> str:
    rows = [
        "<tr><th>" + "</th><th>".join(_h(c) for c in COLUMNS) + "</th></tr>",
        *(_html_row(row) for row in page.rows),
    ]
    return (
        f"<section class='page' data-kind='{page.kind}'>"
        f"<h2>{_h(heading(page))}</h2>"
        f"<p class='last-review'>{_h(last_reviewed(page.last_review))}</p>"
        f"<table>{''.join(rows)}</table></section>"
    )


def _html_row(row: Row) -> str:
    status = "expired" if "expired" in row.status else "hand" if "hand" in row.status else "ok"
    values = cells(row)
    tds = "".join(
        f"<td class='status-{status}'>{_h(v)}</td>" if i == 1 else f"<td>{_h(v)}</td>"
        for i, v in enumerate(values)
    )
    return f"<tr class='{'new' if row.new_since_review else 'row'}'>{tds}</tr>"


RENDERERS: dict[str, Callable[[ReviewReport], str]] = {
    "text": render_text,
    "markdown": render_markdown,
    "csv": render_csv,
    "html": render_html,
}
