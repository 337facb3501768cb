"""The stages of the release pipeline: Source and Test once, then for each environment in
promotion order Preview, Approve (where configured, linking to that preview), and Deploy followed
by Verify and Confirm in one stage that rolls back as a whole. Confirm refreshes the stack just
deployed as the drift role and fails when the refresh finds any change: what AWS and the
warehouse's catalog read back must be what the deploy declared.

Every build action reads the one artifact Source produced, so every environment deploys the very
commit the environments before it verified; Verify also reads the stack outputs its Deploy wrote.
"""

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.delivery.build_project import BuildProject
from components.delivery.source import SOURCE_ACTION, SOURCE_OUTPUT, CodeSource

SOURCE_VARIABLES = "SourceVariables"
# A pipeline variable: the commit whose permission broadening a person approved by starting the
# release with it (docs/delivery.md, Permission broadening); "none" otherwise.
BROADENING_APPROVED = "BROADENING_APPROVED"
CONFIRM_ACTION = "Confirm"
"""The action after Verify that refreshes the deployed stack as the drift role."""
PREVIEW_URL = "PREVIEW_URL"
"""The variable the Preview action exports: the build's console page (its log has the preview)."""
Stage = aws.codepipeline.PipelineStageArgs
Action = aws.codepipeline.PipelineStageActionArgs


@dataclass(frozen=True)
class StageProjects:
    """One environment of the promotion: its stack, approval, and build projects."""

    stack: str
    approval: bool
    preview: BuildProject
    deploy: BuildProject
    verify: BuildProject
    confirm: BuildProject


def preview_artifact(stack: str) -> str:
    return f"preview_{stack.replace('-', '_')}"


def outputs_artifact(stack: str) -> str:
    return f"outputs_{stack.replace('-', '_')}"


def source_stage(source: CodeSource) -> Stage:
    return Stage(
        name="Source",
        actions=[
            Action(
                name=SOURCE_ACTION,
                category="Source",
                owner="AWS",
                provider=source.provider,
                version="1",
                output_artifacts=[SOURCE_OUTPUT],
                configuration=source.action_configuration,
                # Later actions read the commit as #{SourceVariables.CommitId}.
                namespace=SOURCE_VARIABLES,
            )
        ],
    )


def build_action(
    name: str,
    project: BuildProject,
    *,
    environment: Mapping[str, str] | None = None,
    inputs: Sequence[str] = (),
    outputs: Sequence[str] = (),
    namespace: str | None = None,
    run_order: int | None = None,
) -> Action:
    """A CodeBuild action on the source artifact (first, its primary source) and `inputs`."""
    configuration: dict[str, pulumi.Input[str]] = {"ProjectName": project.project.name}
    if inputs:
        configuration["PrimarySource"] = SOURCE_OUTPUT
    if environment:
        configuration["EnvironmentVariables"] = json.dumps(
            [{"name": k, "value": v, "type": "PLAINTEXT"} for k, v in environment.items()]
        )
    return Action(
        name=name,
        category="Build",
        owner="AWS",
        provider="CodeBuild",
        version="1",
        input_artifacts=[SOURCE_OUTPUT, *inputs],
        output_artifacts=list(outputs) or None,
        configuration=configuration,
        namespace=namespace,
        run_order=run_order,
    )


def build_stage(name: str, project: BuildProject, environment: Mapping[str, str]) -> Stage:
    """A stage of one CodeBuild action, both called `name`, on the source artifact."""
    return Stage(name=name, actions=[build_action(name, project, environment=environment)])


def approval_stage(stack: str, topic_arn: pulumi.Input[str]) -> Stage:
    """A manual approval, notified to `topic_arn`, that links to the stack's preview."""
    namespace = f"Preview-{stack}"
    return Stage(
        name=f"Approve-{stack}",
        actions=[
            Action(
                name="Approve",
                category="Approval",
                owner="AWS",
                provider="Manual",
                version="1",
                configuration={
                    "NotificationArn": topic_arn,
                    "ExternalEntityLink": f"#{{{namespace}.{PREVIEW_URL}}}",
                    "CustomData": (
                        f"Approve deploying commit #{{{SOURCE_VARIABLES}.CommitId}} to stack "
                        f"{stack}: the link shows its preview (artifact {preview_artifact(stack)})."
                    ),
                },
            )
        ],
    )


def environment_stages(stage: StageProjects, approvals: pulumi.Input[str]) -> list[Stage]:
    """Preview, [Approve], then Deploy, Verify and Confirm of one environment."""
    stack = stage.stack
    preview = Stage(
        name=f"Preview-{stack}",
        actions=[
            build_action(
                "Preview",
                stage.preview,
                environment={BROADENING_APPROVED: f"#{{variables.{BROADENING_APPROVED}}}"},
                outputs=[preview_artifact(stack)],
                namespace=f"Preview-{stack}",
            )
        ],
    )
    deploy = Stage(
        name=f"Deploy-{stack}",
        actions=[
            # The deploy compares its own plan with this preview, the one approved.
            build_action(
                "Deploy",
                stage.deploy,
                inputs=[preview_artifact(stack)],
                outputs=[outputs_artifact(stack)],
                run_order=1,
            ),
            build_action("Verify", stage.verify, inputs=[outputs_artifact(stack)], run_order=2),
            # The deployed stack refreshed: the warehouse objects' reads of the catalog (and every
            # other resource's read) against what was just deployed, expecting no change.
            build_action(CONFIRM_ACTION, stage.confirm, run_order=3),
        ],
        # A failed Deploy, Verify or Confirm re-runs this stage on the last execution that
        # succeeded in it: `pulumi up` of that commit, then its verification and confirmation.
        on_failure=aws.codepipeline.PipelineStageOnFailureArgs(result="ROLLBACK"),
    )
    approve = [approval_stage(stack, approvals)] if stage.approval else []
    return [preview, *approve, deploy]
