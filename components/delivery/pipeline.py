"""The delivery's CodePipeline V2 pipelines: their stages, their Git triggers, and a service role
per pipeline that may start only that pipeline's build projects. All share one KMS-encrypted
artifact store.
"""

import json

import pulumi
import pulumi_aws as aws

from components.delivery.access import artifact_statements
from components.delivery.build_project import BuildProject
from components.delivery.source import SOURCE_ACTION, SOURCE_OUTPUT, CodeSource
from components.shared.aws_context import AwsEnv
from components.shared.iam import allow, service_role
from components.shared.topic import NotificationTopic
from stack_config.delivery import CodeCommitSource, DeliverySettings

# Changes to documentation alone do not need a deployment.
DOCS_ONLY = ["docs/**", "**/*.md"]

SOURCE_VARIABLES = "SourceVariables"
Stage = aws.codepipeline.PipelineStageArgs
Trigger = aws.codepipeline.PipelineTriggerArgs


def source_stage(source: CodeSource) -> Stage:
    return aws.codepipeline.PipelineStageArgs(
        name="Source",
        actions=[
            aws.codepipeline.PipelineStageActionArgs(
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


def _build_action(
    name: str, project: BuildProject, environment: dict[str, str] | None = None
) -> aws.codepipeline.PipelineStageActionArgs:
    configuration: dict[str, pulumi.Input[str]] = {"ProjectName": project.project.name}
    if environment:
        configuration["EnvironmentVariables"] = json.dumps(
            [{"name": k, "value": v, "type": "PLAINTEXT"} for k, v in environment.items()]
        )
    return aws.codepipeline.PipelineStageActionArgs(
        name=name,
        category="Build",
        owner="AWS",
        provider="CodeBuild",
        version="1",
        input_artifacts=[SOURCE_OUTPUT],
        configuration=configuration,
    )


def build_stage(
    name: str, project: BuildProject, environment: dict[str, str] | None = None
) -> Stage:
    """A stage of one CodeBuild action, both called `name`, on the source artifact."""
    return aws.codepipeline.PipelineStageArgs(
        name=name, actions=[_build_action(name, project, environment)]
    )


def deploy_stage(project: BuildProject) -> Stage:
    return aws.codepipeline.PipelineStageArgs(
        name="Deploy",
        actions=[_build_action("Deploy", project)],
        # Re-run the last successful execution's artifacts: `pulumi up` on that commit.
        on_failure=aws.codepipeline.PipelineStageOnFailureArgs(result="ROLLBACK"),
    )


def approval_stage(topic: NotificationTopic, stack: str) -> Stage:
    return aws.codepipeline.PipelineStageArgs(
        name="Approve",
        actions=[
            aws.codepipeline.PipelineStageActionArgs(
                name="Approve",
                category="Approval",
                owner="AWS",
                provider="Manual",
                version="1",
                configuration={
                    "NotificationArn": topic.arn,
                    "CustomData": f"Approve deploying the tested commit to stack {stack}.",
                },
            )
        ],
    )


def push_triggers(settings: DeliverySettings) -> list[Trigger]:
    """Run on pushes to the branch that change more than documentation."""
    # Trigger filters exist only for CodeConnections sources; CodeCommit uses EventBridge.
    if isinstance(settings.source, CodeCommitSource):
        return []
    return [
        aws.codepipeline.PipelineTriggerArgs(
            provider_type="CodeStarSourceConnection",
            git_configuration=aws.codepipeline.PipelineTriggerGitConfigurationArgs(
                source_action_name=SOURCE_ACTION,
                pushes=[
                    aws.codepipeline.PipelineTriggerGitConfigurationPushArgs(
                        branches=aws.codepipeline.PipelineTriggerGitConfigurationPushBranchesArgs(
                            includes=[settings.branch]
                        ),
                        file_paths=aws.codepipeline.PipelineTriggerGitConfigurationPushFilePathsArgs(
                            excludes=DOCS_ONLY
                        ),
                    )
                ],
            ),
        )
    ]


def pull_request_trigger(branch: str) -> Trigger:
    """Run when a pull request into branch that changes more than documentation opens or moves."""
    return aws.codepipeline.PipelineTriggerArgs(
        provider_type="CodeStarSourceConnection",
        git_configuration=aws.codepipeline.PipelineTriggerGitConfigurationArgs(
            source_action_name=SOURCE_ACTION,
            pull_requests=[
                aws.codepipeline.PipelineTriggerGitConfigurationPullRequestArgs(
                    events=["OPEN", "UPDATED"],
                    branches=aws.codepipeline.PipelineTriggerGitConfigurationPullRequestBranchesArgs(
                        includes=[branch]
                    ),
                    file_paths=aws.codepipeline.PipelineTriggerGitConfigurationPullRequestFilePathsArgs(
                        excludes=DOCS_ONLY
                    ),
                )
            ],
        ),
    )


class PipelineFactory:
    """Creates pipelines and their roles as children of one component, over one artifact store."""

    def __init__(
        self,
        name: str,
        *,
        env: AwsEnv,
        name_prefix: str,
        kms_key_arn: pulumi.Input[str],
        artifacts_bucket: pulumi.Input[str],
        source: CodeSource,
        tags: dict[str, str],
        opts: pulumi.ResourceOptions,
    ) -> None:
        self._name, self._env, self._prefix, self._key = name, env, name_prefix, kms_key_arn
        self._artifacts, self._source, self._tags, self._opts = artifacts_bucket, source, tags, opts

    def delivery_pipeline(
        self,
        settings: DeliverySettings,
        projects: dict[str, BuildProject],
        approvals: NotificationTopic | None,
        stack: str,
    ) -> aws.codepipeline.Pipeline:
        """Source, Test, Approve (when approvals has a topic), Deploy with rollback."""
        stages = [source_stage(self._source), build_stage("Test", projects["test"])]
        if approvals is not None:
            stages.append(approval_stage(approvals, stack))
        stages.append(deploy_stage(projects["deploy"]))
        role = self._role(["test", "deploy"], approvals)
        triggers = push_triggers(settings)
        return self._pipeline(
            f"{self._name}-pipeline", f"{self._prefix}-delivery", role, stages, triggers
        )

    def preview_pipeline(self, project: BuildProject, branch: str) -> aws.codepipeline.Pipeline:
        """For GitHub: a pipeline whose V2 trigger runs the preview on pull requests into branch."""
        # The pull request's head commit, by which post_comment finds the pull request.
        commit = {"SOURCE_COMMIT": f"#{{{SOURCE_VARIABLES}.CommitId}}"}
        stages = [source_stage(self._source), build_stage("Preview", project, commit)]
        role = self._role(["preview"], None)
        return self._pipeline(
            f"{self._name}-preview-pipeline",
            f"{self._prefix}-preview",
            role,
            stages,
            [pull_request_trigger(branch)],
        )

    def _role(self, projects: list[str], topic: NotificationTopic | None) -> aws.iam.Role:
        """A role that may start only `projects` and publish only to `topic`."""
        project_arns = [self._env.arn("codebuild", f"project/{self._prefix}-{p}") for p in projects]
        return service_role(
            f"{self._name}-{'-'.join(projects)}-pipeline-role",
            service="codepipeline.amazonaws.com",
            source_account=self._env.account_id,
            statements=[
                *artifact_statements(self._env, self._artifacts),
                allow(["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*"], [self._key]),
                allow(["codebuild:StartBuild", "codebuild:BatchGetBuilds"], project_arns),
                *self._source.pipeline_statements,
                *([allow(["sns:Publish"], [topic.arn])] if topic is not None else []),
            ],
            tags=self._tags,
            opts=self._opts,
        )

    def _pipeline(
        self,
        resource_name: str,
        pipeline_name: str,
        role: aws.iam.Role,
        stages: list[Stage],
        triggers: list[Trigger],
    ) -> aws.codepipeline.Pipeline:
        return aws.codepipeline.Pipeline(
            resource_name,
            name=pipeline_name,
            pipeline_type="V2",
            # Deployments run one after another, never superseding one that is half done.
            execution_mode="QUEUED",
            role_arn=role.arn,
            artifact_stores=[
                aws.codepipeline.PipelineArtifactStoreArgs(
                    location=self._artifacts,
                    type="S3",
                    encryption_key=aws.codepipeline.PipelineArtifactStoreEncryptionKeyArgs(
                        id=self._key, type="KMS"
                    ),
                )
            ],
            stages=stages,
            triggers=triggers or None,
            tags=self._tags,
            opts=self._opts,
        )
