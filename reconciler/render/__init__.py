"""Renderings of a Plan: pure functions ``Plan -> str``.

``text`` (terminal), ``json`` (machines; ``schemas/plan.schema.json``) and ``markdown``
(pull-request comments). How each change type reads is registered in ``describe.py``;
what a person reads (sections, folded changes, access groups, the headline) is computed
once in ``view.py`` and ``headline.py`` for both text and markdown.
"""

from __future__ import annotations

from typing import Final

from reconciler.plan.model import Plan
from reconciler.render.json import render_json
from reconciler.render.markdown import render_markdown
from reconciler.render.text import render_text
from reconciler.render.view import RenderContext

FORMATS: Final[tuple[str, ...]] = ("text", "json", "markdown")


def render(
    plan: Plan,
    output_format: str,
    *,
    color: bool = False,
    context: RenderContext | None = None,
) -> str:
    """``plan`` in ``output_format`` (one of ``FORMATS``); ``color`` applies to text only.
    ``context`` (live groups, ``--project``) serves text and markdown; JSON is always
    the whole plan."""
    if output_format == "json":
        return render_json(plan)
    if output_format == "markdown":
        return render_markdown(plan, context=context)
    if output_format == "text":
        return render_text(plan, color=color, context=context)
    raise ValueError(f"unknown format {output_format!r}; expected one of {', '.join(FORMATS)}")
