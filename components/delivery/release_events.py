"""The release's EventBridge wiring: pushes start it, pull requests start the previews of every
stage, a schedule starts each stage's drift check, and a failed release, a failed Deploy,
Verify or Confirm and detected drift reach the alert topic, each message saying what to do.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi

from components.delivery.events import EventWiring
from components.delivery.stages import CONFIRM_ACTION

DEPLOY_FAILED_ADVICE = (
    "The stage rolls back to the last commit that passed it and no later stage runs "
    "(docs/delivery.md, Rollback). If the Deploy log shows AccessDenied for the role "
    "data-platform-release-deploy, the change needs a permission that role lacks: an "
    "administrator applies bootstrap/ first (docs/delivery.md, Changing the deploy role's "
    "permissions). If Confirm failed, its log lists what a refresh read back differently from "
    "what was just deployed (docs/delivery.md, Confirm)"
)


PREVIEW_FAILED_ADVICE = (
    "No later stage runs. If the Preview log lists permission broadening in a stage without an "
    "approval, review it and start the release again for that commit with "
    "BROADENING_APPROVED (docs/delivery.md, Permission broadening)"
)


@dataclass(frozen=True)
class AlertRule:
    """Events that reach the alert topic, as one line with `advice`."""

    name: str
    description: str
    pattern: dict[str, Any]
    advice: str | None = None


def _pipeline_events(pipeline_arn: pulumi.Input[str], kind: str, **detail: list[str]) -> Any:
    return {
        "source": ["aws.codepipeline"],
        "detail-type": [f"CodePipeline {kind} State Change"],
        "resources": [pipeline_arn],
        "detail": detail,
    }


def alert_rules(pipeline_arn: pulumi.Input[str], drift_projects: Sequence[str]) -> list[AlertRule]:
    """The release's alerts: the execution failed, a Deploy, Verify or Confirm failed, drift
    found."""
    return [
        AlertRule(
            "pipeline-failed",
            "The release failed",
            _pipeline_events(pipeline_arn, "Pipeline Execution", state=["FAILED"]),
        ),
        AlertRule(
            "deploy-failed",
            "A deploy, its verification or its confirmation failed",
            _pipeline_events(
                pipeline_arn,
                "Action Execution",
                action=["Deploy", "Verify", CONFIRM_ACTION],
                state=["FAILED"],
            ),
            DEPLOY_FAILED_ADVICE,
        ),
        AlertRule(
            "preview-failed",
            "A stage's preview failed or found permission broadening",
            _pipeline_events(
                pipeline_arn, "Action Execution", action=["Preview"], state=["FAILED"]
            ),
            PREVIEW_FAILED_ADVICE,
        ),
        AlertRule(
            "drift-detected",
            "Drift detected in a released stack",
            {
                "source": ["aws.codebuild"],
                "detail-type": ["CodeBuild Build State Change"],
                "detail": {"build-status": ["FAILED"], "project-name": list(drift_projects)},
            },
        ),
    ]


def wire_alerts(
    events: EventWiring, prefix: str, rules: Sequence[AlertRule], topic_arn: pulumi.Input[str]
) -> None:
    for rule in rules:
        events.alert_on(
            f"{prefix}-{rule.name}",
            description=rule.description,
            pattern=rule.pattern,
            topic_arn=topic_arn,
            advice=rule.advice,
        )
