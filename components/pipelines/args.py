"""The slice every part of a pipeline receives: its config entry plus stack-level naming,
log retention, the account key and tags."""

from pydantic import Field

from stack_config.base import StrictModel
from stack_config.pipelines import PipelineSettings
from stack_config.warehouse import Migration


class PipelineArgs(StrictModel):
    """One pipeline's settings and what the stack gives all of its parts."""

    pipeline: PipelineSettings
    name_prefix: str
    log_retention_days: int
    account_key_alias: str
    tags: dict[str, str]
    migrations: list[Migration] = Field(default_factory=list)
    """The warehouse's declared migrations of this pipeline's table, in version order: its Glue
    job applies them to the curated files and the catalog table too."""

    @property
    def qualified_name(self) -> str:
        """`<project>-<environment>-<pipeline>`: the base of the pipeline's AWS resource names."""
        return f"{self.name_prefix}-{self.pipeline.name}"

    @property
    def orchestrator_role_name(self) -> str:
        """The state machine's IAM role. Fixed, not generated: the warehouse knows it by name
        (`IAMR:<name>` is the database user its loads run as, and holds their grants)."""
        return f"{self.qualified_name}-orchestrator"
