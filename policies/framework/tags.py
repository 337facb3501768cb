"""Tags a resource will carry: the provider's `defaultTags.tags` overlaid by its own `tags`.

The taggable type list is generated from the pulumi-aws SDK into data/taggable_types.json (see
policies/tools/gen_taggable.py), so the pack needs no pulumi_aws at run time.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from policies.framework.sdk_data import family
from policies.framework.subjects import Subject
from policies.framework.values import Unknown, get, shallow

_DATA = Path(__file__).resolve().parent.parent / "data" / "taggable_types.json"
TAGGABLE_TYPES: tuple[str, ...] = family(*json.loads(_DATA.read_text(encoding="utf-8"))["types"])


def effective_tags(subject: Subject) -> dict[str, Any]:
    """Merged tags; values may be `Unknown` but the key sets must be known."""
    own = shallow(get(subject.props, "tags"), "the tags map") or {}
    return {**_default_tags(subject.provider_props), **own}


def _default_tags(provider_props: dict[str, Any] | None) -> dict[str, Any]:
    # Provider inputs reach the analyzer JSON-encoded (pulumi-aws applies to_json to them).
    raw = shallow(get(provider_props, "defaultTags"), "the provider's defaultTags")
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError:
            return {}
    tags = shallow(get(raw, "tags"), "the provider's defaultTags.tags")
    return tags if isinstance(tags, dict) and not isinstance(tags, Unknown) else {}
