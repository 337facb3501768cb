"""The release's CodePipeline V2 pipelines, their Git triggers, and a service role per pipeline that
may start only that pipeline's build projects. Both share one KMS-encrypted artifact store.
"""

from collections.abc import Sequence

import pulumi
import pulumi_aws as aws

from components.delivery.access import artifact_statements
from components.delivery.build_project import BuildProject
from components.delivery.source import SOURCE_ACTION, CodeSource
from components.delivery.stages import (
    BROADENING_APPROVED,
    SOURCE_VARIABLES,
    Stage,
    StageProjects,
    build_stage,
    environment_stages,
    source_stage,
)
from components.shared.aws_context import AwsEnv
from components.shared.iam import allow, service_role
from stack_config.release import CodeCommitSource, ReleaseSettings

# Changes to documentation alone do not need a release.
DOCS_ONLY = ["docs/**", "**/*.md"]
Trigger = aws.codepipeline.PipelineTriggerArgs
Git = aws.codepipeline.PipelineTriggerGitConfigurationArgs


def push_triggers(settings: ReleaseSettings) -> list[Trigger]:
    """Run on pushes to the branch that change more than documentation."""
    # Trigger filters exist only for CodeConnections sources; CodeCommit uses EventBridge.
    if isinstance(settings.source, CodeCommitSource):
        return []
    push = aws.codepipeline.PipelineTriggerGitConfigurationPushArgs(
        branches=aws.codepipeline.PipelineTriggerGitConfigurationPushBranchesArgs(
            includes=[settings.branch]
        ),
        file_paths=aws.codepipeline.PipelineTriggerGitConfigurationPushFilePathsArgs(
            excludes=DOCS_ONLY
        ),
    )
    git = Git(source_action_name=SOURCE_ACTION, pushes=[push])
    return [Trigger(provider_type="CodeStarSourceConnection", git_configuration=git)]


def pull_request_trigger(branch: str) -> Trigger:
    """Run when a pull request into branch that changes more than documentation opens or moves."""
    pull = aws.codepipeline.PipelineTriggerGitConfigurationPullRequestArgs(
        events=["OPEN", "UPDATED"],
        branches=aws.codepipeline.PipelineTriggerGitConfigurationPullRequestBranchesArgs(
            includes=[branch]
        ),
        file_paths=aws.codepipeline.PipelineTriggerGitConfigurationPullRequestFilePathsArgs(
            excludes=DOCS_ONLY
        ),
    )
    git = Git(source_action_name=SOURCE_ACTION, pull_requests=[pull])
    return Trigger(provider_type="CodeStarSourceConnection", git_configuration=git)


class PipelineFactory:
    """Creates pipelines and their roles as children of one component, over one artifact store."""

    def __init__(
        self,
        name: str,
        *,
        env: AwsEnv,
        kms_key_arn: pulumi.Input[str],
        artifacts_bucket: pulumi.Input[str],
        source: CodeSource,
        tags: dict[str, str],
        opts: pulumi.ResourceOptions,
    ) -> None:
        self._name, self._env, self._key = name, env, kms_key_arn
        self._artifacts, self._source, self._tags, self._opts = artifacts_bucket, source, tags, opts

    def release_pipeline(
        self,
        pipeline_name: str,
        *,
        settings: ReleaseSettings,
        test: BuildProject,
        stages: Sequence[StageProjects],
        approvals: pulumi.Input[str],
        test_stacks: Sequence[str],
    ) -> aws.codepipeline.Pipeline:
        """Source, Test, then each environment's Preview, [Approve], Deploy, Verify and
        Confirm."""
        declared = [
            source_stage(self._source),
            build_stage("Test", test, {"STACKS": " ".join(test_stacks)}),
        ]
        for stage in stages:
            declared += environment_stages(stage, approvals)
        projects = [test] + [p for s in stages for p in (s.preview, s.deploy, s.verify, s.confirm)]
        role = self._role("release", projects, approvals)
        return self._pipeline(
            f"{self._name}-pipeline",
            pipeline_name,
            role,
            declared,
            push_triggers(settings),
            variables=[
                aws.codepipeline.PipelineVariableArgs(
                    name=BROADENING_APPROVED,
                    default_value="none",
                    description="The commit whose permission broadening a person approved.",
                )
            ],
        )

    def pull_request_pipeline(
        self, pipeline_name: str, project: BuildProject, branch: str
    ) -> aws.codepipeline.Pipeline:
        """For GitHub: a pipeline whose V2 trigger runs the previews on pull requests."""
        # The pull request's head commit, by which post_comment finds the pull request.
        commit = {"SOURCE_COMMIT": f"#{{{SOURCE_VARIABLES}.CommitId}}"}
        stages = [source_stage(self._source), build_stage("Preview", project, commit)]
        role = self._role("pull-requests", [project], None)
        return self._pipeline(
            f"{self._name}-pull-request-pipeline",
            pipeline_name,
            role,
            stages,
            [pull_request_trigger(branch)],
        )

    def _role(
        self, kind: str, projects: Sequence[BuildProject], topic_arn: pulumi.Input[str] | None
    ) -> aws.iam.Role:
        """A role that may start only `projects` and publish only to `topic_arn`."""
        return service_role(
            f"{self._name}-{kind}-pipeline-role",
            service="codepipeline.amazonaws.com",
            source_account=self._env.account_id,
            statements=[
                *artifact_statements(self._env, self._artifacts),
                allow(["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*"], [self._key]),
                allow(
                    ["codebuild:StartBuild", "codebuild:BatchGetBuilds"],
                    [p.project.arn for p in projects],
                ),
                *self._source.pipeline_statements,
                *([allow(["sns:Publish"], [topic_arn])] if topic_arn is not None else []),
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
        *,
        variables: list[aws.codepipeline.PipelineVariableArgs] | None = None,
    ) -> aws.codepipeline.Pipeline:
        return aws.codepipeline.Pipeline(
            resource_name,
            name=pipeline_name,
            pipeline_type="V2",
            # Releases run one after another, never superseding one that is half done.
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
            variables=variables,
            tags=self._tags,
            opts=self._opts,
        )
