"""Turn a capture of this platform into the console summary of the offline check; its JSON
records come from `offline.records` (re-exported here)."""

from collections import Counter

from offline.capture import Capture, ReleaseCapture
from offline.mocks import Registration
from offline.records import to_json_resource, to_json_resources
from stack_config import StackConfig

__all__ = ["summary", "to_json_resource", "to_json_resources", "top_level_component"]


def top_level_component(resource: Registration, by_urn: dict[str, Registration]) -> str:
    """The name of the outermost component a resource belongs to (itself if top-level)."""
    current = resource
    while current.parent in by_urn:
        current = by_urn[current.parent]
    return f"{current.name} ({current.type})"


def summary(capture: Capture | ReleaseCapture) -> str:
    """Resources per top-level component and per type, with totals."""
    config = capture.config
    environment = (
        config.platform.environment
        if isinstance(config, StackConfig)
        else config.release.environment
    )
    by_urn = {r.urn: r for r in capture.resources}
    custom = [r for r in capture.resources if r.custom]
    per_component = Counter(top_level_component(r, by_urn) for r in custom)
    per_type = Counter(r.type for r in custom)
    components = len(capture.resources) - len(custom)
    lines = [
        f"Offline check of stack '{capture.stack}' (project {capture.project},"
        f" region {config.region}, environment {environment})",
        "",
        "Resources per component:",
        *_table(per_component),
        "",
        "Resources per type:",
        *_table(per_type),
        "",
        f"Total: {len(custom)} resources in {components} components",
    ]
    return "\n".join(lines)


def _table(counts: Counter[str]) -> list[str]:
    return [f"  {count:>5}  {key}" for key, count in sorted(counts.items())]
