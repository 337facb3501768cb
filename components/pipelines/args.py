"""The slice every part of a pipeline receives: its config entry plus stack-level naming,
log retention, the account key and tags."""

from stack_config.base import StrictModel
from stack_config.pipelines import PipelineSettings


class PipelineArgs(StrictModel):
    """One pipeline's settings and what the stack gives all of its parts."""

    pipeline: PipelineSettings
    name_prefix: str
    log_retention_days: int
    account_key_alias: str
    tags: dict[str, str]

    @property
    def qualified_name(self) -> str:
        """`<project>-<environment>-<pipeline>`: the base of the pipeline's AWS resource names."""
        return f"{self.name_prefix}-{self.pipeline.name}"

    @property
    def orchestrator_role_name(self) -> str:
        """The state machine's IAM role. Fixed, not generated: the warehouse knows it by name
        (`IAMR:<name>` is the database user its loads run as, and holds their grants)."""
        return f"{self.qualified_name}-orchestrator"
