"""Job: `commit()` records what the run's sources read as processed (job bookmarks)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from awsglue import local


class Job:
    def __init__(self, glue_context: Any) -> None:
        self.glue_context = glue_context

    def init(self, job_name: str, args: Mapping[str, str] | None = None) -> None:
        local.current().started(job_name)

    def commit(self) -> None:
        local.current().commit()
