"""The plan for machines: exactly ``Plan.to_data()``, canonical JSON.

The shape is versioned by ``format_version`` and described by
``schemas/plan.schema.json``; keys are sorted and indentation fixed, so the same plan
gives the same bytes.
"""

from __future__ import annotations

import json

from reconciler.plan.model import Plan


def render_json(plan: Plan) -> str:
    """``Plan.to_data()`` as indented JSON with sorted keys, ending with a newline."""
    return json.dumps(plan.to_data(), sort_keys=True, indent=2, ensure_ascii=False) + "\n"
