"""EventBridge wiring of the delivery machinery: what starts pipelines and builds, and which
failures reach the alert topic. Every target that needs a role gets one scoped to that target.
"""

import json
from typing import Any

import pulumi
import pulumi_aws as aws

from components.shared.aws_context import AwsEnv
from components.shared.iam import allow, service_role

# Pull-request events that should refresh the preview comment.
PULL_REQUEST_EVENTS = ["pullRequestCreated", "pullRequestSourceBranchUpdated"]


class EventWiring:
    """Creates rules and targets as children of one component, with common tags."""

    def __init__(self, env: AwsEnv, tags: dict[str, str], opts: pulumi.ResourceOptions) -> None:
        self._env, self._tags, self._opts = env, tags, opts

    def _rule(self, name: str, description: str, **source: Any) -> aws.cloudwatch.EventRule:
        return aws.cloudwatch.EventRule(
            name, description=description, tags=self._tags, opts=self._opts, **source
        )

    def _role(self, name: str, action: str, target_arn: pulumi.Input[str]) -> aws.iam.Role:
        return service_role(
            name,
            service="events.amazonaws.com",
            source_account=self._env.account_id,
            statements=[allow([action], [target_arn])],
            tags=self._tags,
            opts=self._opts,
        )

    def start_pipeline_on_push(
        self,
        name: str,
        *,
        repository_arn: pulumi.Input[str],
        branch: str,
        pipeline_arn: pulumi.Input[str],
    ) -> None:
        rule = self._rule(
            name,
            f"Start the delivery pipeline on pushes to {branch}",
            event_pattern=pulumi.Output.json_dumps(
                {
                    "source": ["aws.codecommit"],
                    "detail-type": ["CodeCommit Repository State Change"],
                    "resources": [repository_arn],
                    "detail": {
                        "event": ["referenceCreated", "referenceUpdated"],
                        "referenceType": ["branch"],
                        "referenceName": [branch],
                    },
                }
            ),
        )
        role = self._role(f"{name}-role", "codepipeline:StartPipelineExecution", pipeline_arn)
        aws.cloudwatch.EventTarget(
            f"{name}-target", rule=rule.name, arn=pipeline_arn, role_arn=role.arn, opts=self._opts
        )

    def preview_pull_requests(
        self,
        name: str,
        *,
        repository_arn: pulumi.Input[str],
        branch: str,
        project_arn: pulumi.Input[str],
    ) -> None:
        rule = self._rule(
            name,
            f"Preview pull requests into {branch}",
            event_pattern=pulumi.Output.json_dumps(
                {
                    "source": ["aws.codecommit"],
                    "detail-type": ["CodeCommit Pull Request State Change"],
                    "resources": [repository_arn],
                    "detail": {
                        "event": PULL_REQUEST_EVENTS,
                        "destinationReference": [f"refs/heads/{branch}"],
                    },
                }
            ),
        )
        role = self._role(f"{name}-role", "codebuild:StartBuild", project_arn)
        aws.cloudwatch.EventTarget(
            f"{name}-target",
            rule=rule.name,
            arn=project_arn,
            role_arn=role.arn,
            input_transformer=pull_request_build_input(),
            opts=self._opts,
        )

    def scheduled_build(self, name: str, *, schedule: str, project_arn: pulumi.Input[str]) -> None:
        rule = self._rule(name, "Scheduled drift check", schedule_expression=schedule)
        role = self._role(f"{name}-role", "codebuild:StartBuild", project_arn)
        aws.cloudwatch.EventTarget(
            f"{name}-target", rule=rule.name, arn=project_arn, role_arn=role.arn, opts=self._opts
        )

    def alert_on(
        self,
        name: str,
        *,
        description: str,
        pattern: dict[str, Any],
        topic_arn: pulumi.Input[str],
        advice: str | None = None,
    ) -> None:
        """Publish matching events to the topic as one line, with `advice` on what to do."""
        rule = self._rule(name, description, event_pattern=pulumi.Output.json_dumps(pattern))
        message = f"{description}: <type> at <time>: <detail>" + (f". {advice}" if advice else "")
        aws.cloudwatch.EventTarget(
            f"{name}-target",
            rule=rule.name,
            arn=topic_arn,
            input_transformer=aws.cloudwatch.EventTargetInputTransformerArgs(
                input_paths={"type": "$.detail-type", "detail": "$.detail", "time": "$.time"},
                input_template=json.dumps(message),
            ),
            opts=self._opts,
        )


def pull_request_build_input() -> aws.cloudwatch.EventTargetInputTransformerArgs:
    """StartBuild parameters for the preview project, taken from the pull-request event."""
    paths = {
        "pr": "$.detail.pullRequestId",
        "repo": "$.detail.repositoryNames[0]",
        "source": "$.detail.sourceCommit",
        "destination": "$.detail.destinationCommit",
    }
    variables = {
        "PULL_REQUEST_ID": "<pr>",
        "REPOSITORY_NAME": "<repo>",
        "SOURCE_COMMIT": "<source>",
        "DESTINATION_COMMIT": "<destination>",
    }
    template = {
        "sourceVersion": "<source>",
        "environmentVariablesOverride": [
            {"name": k, "value": v, "type": "PLAINTEXT"} for k, v in variables.items()
        ],
    }
    return aws.cloudwatch.EventTargetInputTransformerArgs(
        input_paths=paths, input_template=json.dumps(template)
    )
