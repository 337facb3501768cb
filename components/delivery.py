"""The machinery that ships the platform: CodeBuild projects (test, preview, deploy, drift) and
this environment's CodePipeline V2 (source, test, optional approval, deploy with rollback).

The pipeline deploys the very program that declares it, so a change to it ships through it.
"""

import pulumi
import pulumi_aws as aws

from components.aws_context import AwsEnv
from components.build_project import BuildProject, BuildProjectArgs
from components.delivery_events import EventWiring
from components.delivery_source import (
    SOURCE_ACTION,
    SOURCE_OUTPUT,
    CodeSource,
    codecommit_source,
    codeconnections_source,
)
from components.iam import ROLE_PATH, Statement, allow, service_role
from components.notifications import NotificationTopic
from components.secure_bucket import BucketRole, SecureBucket, SecureBucketArgs
from stack_config.base import StrictModel
from stack_config.delivery import CodeCommitSource, CodeConnectionsSource, DeliverySettings
from stack_config.lake import Lifecycle
from stack_config.protection import ProtectionSettings

# Preview and drift read everything but change nothing; deploy manages everything except IAM,
# which it may manage only for the platform's own roles (ROLE_PATH).
READ_ONLY_POLICY = "ReadOnlyAccess"
DEPLOY_POLICY = "PowerUserAccess"
_IAM_ROLE_ACTIONS = [
    "iam:CreateRole",
    "iam:DeleteRole",
    "iam:GetRole",
    "iam:UpdateRole",
    "iam:TagRole",
    "iam:UntagRole",
    "iam:PutRolePolicy",
    "iam:DeleteRolePolicy",
    "iam:GetRolePolicy",
    "iam:ListRolePolicies",
    "iam:AttachRolePolicy",
    "iam:DetachRolePolicy",
    "iam:ListAttachedRolePolicies",
    "iam:UpdateAssumeRolePolicy",
    "iam:PassRole",
    "iam:ListInstanceProfilesForRole",
]
ARTIFACT_LIFECYCLE = Lifecycle(expiration_days=90, noncurrent_expiration_days=30)


class DeliveryArgs(StrictModel):
    """The delivery settings plus what every stack component shares."""

    delivery: DeliverySettings
    stack: str
    region: str
    name_prefix: str
    log_retention_days: int
    protection: ProtectionSettings
    tags: dict[str, str]


class Delivery(pulumi.ComponentResource):
    """Source, artifact bucket, build projects, the environment's pipeline and its events."""

    pipeline: aws.codepipeline.Pipeline
    projects: dict[str, BuildProject]

    def __init__(
        self,
        name: str,
        args: DeliveryArgs,
        *,
        env: AwsEnv,
        kms_key_arn: pulumi.Input[str],
        access_logs_bucket: pulumi.Input[str],
        alert_topic_arn: pulumi.Input[str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("dataplatform:delivery:Delivery", name, None, opts)
        self._name, self._args, self._env, self._key = name, args, env, kms_key_arn
        self._child = pulumi.ResourceOptions(parent=self)
        settings = args.delivery
        self._source = self._build_source()
        self._artifacts = self._build_artifact_bucket(access_logs_bucket)
        self.projects = self._build_projects()
        approvals = (
            NotificationTopic(
                f"{name}-approvals",
                kms_key_arn=kms_key_arn,
                account_id=env.account_id,
                tags=args.tags,
                opts=self._child,
            )
            if settings.require_approval
            else None
        )
        self.pipeline = self._build_pipeline(approvals)
        self._build_events(alert_topic_arn)
        self.register_outputs({"pipeline": self.pipeline.name, "artifacts": self._artifacts.name})

    def _build_source(self) -> CodeSource:
        settings = self._args.delivery
        if isinstance(settings.source, CodeCommitSource):
            return codecommit_source(
                self._name,
                settings.source,
                branch=settings.branch,
                env=self._env,
                kms_key_arn=self._key,
                tags=self._args.tags,
                opts=self._child,
            )
        return codeconnections_source(settings.source, branch=settings.branch)

    def _build_artifact_bucket(self, access_logs_bucket: pulumi.Input[str]) -> SecureBucket:
        protection = self._args.protection
        return SecureBucket(
            f"{self._name}-artifacts",
            SecureBucketArgs(
                role=BucketRole.ARTIFACTS,
                classification="internal",
                lifecycle=ARTIFACT_LIFECYCLE,
                region=self._args.region,
                tags=self._args.tags,
                force_destroy=protection.force_destroy_buckets,
                protect=protection.protect,
                retain_on_delete=protection.retain_on_delete,
            ),
            kms_key_arn=self._key,
            access_logs_bucket=access_logs_bucket,
            account_id=self._env.account_id,
            opts=self._child,
        )

    def _state_statements(self, *, write: bool) -> list[Statement]:
        settings, env = self._args.delivery, self._env
        bucket = settings.state_bucket
        writable = "*" if write else ".pulumi/locks/*"
        return [
            allow(["s3:ListBucket", "s3:GetBucketLocation"], [env.s3_arn(bucket)]),
            allow(["s3:GetObject"], [env.s3_arn(bucket, "*")]),
            allow(["s3:PutObject", "s3:DeleteObject"], [env.s3_arn(bucket, writable)]),
            allow(
                ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*", "kms:DescribeKey"],
                [env.arn("kms", "key/*")],
                **{"ForAnyValue:StringEquals": {"kms:ResourceAliases": settings.secrets_key_alias}},
            ),
        ]

    def _artifact_statements(self) -> list[Statement]:
        bucket = self._artifacts.name
        return [
            allow(
                ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"],
                [self._env.s3_arn(bucket, "*")],
            ),
            allow(["s3:GetBucketLocation", "s3:ListBucket"], [self._env.s3_arn(bucket)]),
        ]

    def _project(
        self,
        role: str,
        buildspec: str,
        description: str,
        statements: list[Statement],
        *,
        in_pipeline: bool,
        managed_policies: tuple[str, ...] = (),
        extra_environment: dict[str, str] | None = None,
        secrets: dict[str, str] | None = None,
    ) -> BuildProject:
        settings, prefix = self._args.delivery, self._args.name_prefix
        source = (
            aws.codebuild.ProjectSourceArgs(type="CODEPIPELINE", buildspec=buildspec)
            if in_pipeline
            else aws.codebuild.ProjectSourceArgs(
                type=self._source.build_source.type,
                location=self._source.build_source.location,
                auth=self._source.build_source.auth,
                buildspec=buildspec,
            )
        )
        return BuildProject(
            f"{self._name}-{role}",
            BuildProjectArgs(
                project_name=f"{prefix}-{role}",
                description=description,
                buildspec=buildspec,
                compute_type=settings.compute_type,
                timeout_minutes=settings.build_timeout_minutes,
                log_retention_days=self._args.log_retention_days,
                environment={
                    "STACK": self._args.stack,
                    "PULUMI_BACKEND_URL": settings.state_backend_url,
                    "PULUMI_SECRETS_PROVIDER": settings.secrets_provider,
                    **(extra_environment or {}),
                },
                tags=self._args.tags,
            ),
            env=self._env,
            kms_key_arn=self._key,
            source=source,
            statements=statements,
            managed_policy_arns=[
                f"arn:{self._env.partition}:iam::aws:policy/{p}" for p in managed_policies
            ],
            secret_environment=secrets,
            opts=self._child,
        )

    def _build_projects(self) -> dict[str, BuildProject]:
        env = self._env
        iam_roles = env.arn("iam", f"role{ROLE_PATH}*", regional=False)
        preview_statements, preview_env, secrets = self._preview_access()
        return {
            "test": self._project(
                "test",
                "buildspecs/test.yml",
                "Lint, type check, tests and offline policy check",
                self._artifact_statements(),
                in_pipeline=True,
            ),
            "deploy": self._project(
                "deploy",
                "buildspecs/deploy.yml",
                f"pulumi up of stack {self._args.stack}",
                [
                    *self._artifact_statements(),
                    *self._state_statements(write=True),
                    allow(_IAM_ROLE_ACTIONS, [iam_roles]),
                ],
                in_pipeline=True,
                managed_policies=(DEPLOY_POLICY,),
            ),
            "preview": self._project(
                "preview",
                "buildspecs/preview.yml",
                f"Pull-request preview against {self._args.stack}",
                preview_statements,
                in_pipeline=self._source.repository_arn is None,
                managed_policies=(READ_ONLY_POLICY,),
                extra_environment=preview_env,
                secrets=secrets,
            ),
            "drift": self._project(
                "drift",
                "buildspecs/drift.yml",
                f"Drift check of stack {self._args.stack}",
                [*self._state_statements(write=False), *self._source.build_statements],
                in_pipeline=False,
                managed_policies=(READ_ONLY_POLICY,),
            ),
        }

    def _preview_access(self) -> tuple[list[Statement], dict[str, str], dict[str, str] | None]:
        """What the preview build may do to comment on pull requests, per source provider."""
        source, repository = self._args.delivery.source, self._source.repository_arn
        statements = [*self._state_statements(write=False), *self._source.build_statements]
        if isinstance(source, CodeCommitSource) and repository is not None:
            comment_actions = [
                "codecommit:PostCommentForPullRequest",
                "codecommit:GetCommentsForPullRequest",
                "codecommit:UpdateComment",
                "codecommit:GetPullRequest",
            ]
            statements.append(allow(comment_actions, [repository]))
            return statements, {"SOURCE_PROVIDER": "codecommit"}, None
        assert isinstance(source, CodeConnectionsSource)
        statements += [
            allow(["secretsmanager:GetSecretValue"], [source.token_secret_arn]),
            *self._artifact_statements(),
        ]
        environment = {"SOURCE_PROVIDER": "github", "GITHUB_REPOSITORY": source.repository}
        return statements, environment, {"GITHUB_TOKEN": source.token_secret_arn}

    def _action(self, name: str, project: str) -> aws.codepipeline.PipelineStageActionArgs:
        return aws.codepipeline.PipelineStageActionArgs(
            name=name,
            category="Build",
            owner="AWS",
            provider="CodeBuild",
            version="1",
            input_artifacts=[SOURCE_OUTPUT],
            configuration={"ProjectName": self.projects[project].project.name},
        )

    def _source_stage(self) -> aws.codepipeline.PipelineStageArgs:
        return aws.codepipeline.PipelineStageArgs(
            name="Source",
            actions=[
                aws.codepipeline.PipelineStageActionArgs(
                    name=SOURCE_ACTION,
                    category="Source",
                    owner="AWS",
                    provider=self._source.provider,
                    version="1",
                    output_artifacts=[SOURCE_OUTPUT],
                    configuration=self._source.action_configuration,
                )
            ],
        )

    def _pipeline_role(self, projects: list[str], topic: NotificationTopic | None) -> aws.iam.Role:
        project_arns = [
            self._env.arn("codebuild", f"project/{self._args.name_prefix}-{p}") for p in projects
        ]
        return service_role(
            f"{self._name}-{'-'.join(projects)}-pipeline-role",
            service="codepipeline.amazonaws.com",
            source_account=self._env.account_id,
            statements=[
                *self._artifact_statements(),
                allow(["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*"], [self._key]),
                allow(["codebuild:StartBuild", "codebuild:BatchGetBuilds"], project_arns),
                *self._source.pipeline_statements,
                *([allow(["sns:Publish"], [topic.arn])] if topic is not None else []),
            ],
            tags=self._args.tags,
            opts=self._child,
        )

    def _build_pipeline(self, approvals: NotificationTopic | None) -> aws.codepipeline.Pipeline:
        settings = self._args.delivery
        stages = [
            self._source_stage(),
            aws.codepipeline.PipelineStageArgs(name="Test", actions=[self._action("Test", "test")]),
        ]
        if approvals is not None:
            stages.append(_approval_stage(approvals, self._args.stack))
        stages.append(
            aws.codepipeline.PipelineStageArgs(
                name="Deploy",
                actions=[self._action("Deploy", "deploy")],
                # Re-run the last successful execution's artifacts: `pulumi up` on that commit.
                on_failure=aws.codepipeline.PipelineStageOnFailureArgs(result="ROLLBACK"),
            )
        )
        role = self._pipeline_role(["test", "deploy"], approvals)
        triggers = self._push_triggers(settings.branch)
        return self._pipeline(
            f"{self._name}-pipeline", f"{self._args.name_prefix}-delivery", role, stages, triggers
        )

    def _pipeline(
        self,
        resource_name: str,
        pipeline_name: str,
        role: aws.iam.Role,
        stages: list[aws.codepipeline.PipelineStageArgs],
        triggers: list[aws.codepipeline.PipelineTriggerArgs],
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
                    location=self._artifacts.name,
                    type="S3",
                    encryption_key=aws.codepipeline.PipelineArtifactStoreEncryptionKeyArgs(
                        id=self._key, type="KMS"
                    ),
                )
            ],
            stages=stages,
            triggers=triggers or None,
            tags=self._args.tags,
            opts=self._child,
        )

    def _push_triggers(self, branch: str) -> list[aws.codepipeline.PipelineTriggerArgs]:
        # Trigger filters exist only for CodeConnections sources; CodeCommit uses EventBridge.
        if isinstance(self._args.delivery.source, CodeCommitSource):
            return []
        return [
            aws.codepipeline.PipelineTriggerArgs(
                provider_type="CodeStarSourceConnection",
                git_configuration=aws.codepipeline.PipelineTriggerGitConfigurationArgs(
                    source_action_name=SOURCE_ACTION,
                    pushes=[
                        aws.codepipeline.PipelineTriggerGitConfigurationPushArgs(
                            branches=aws.codepipeline.PipelineTriggerGitConfigurationPushBranchesArgs(
                                includes=[branch]
                            ),
                            file_paths=aws.codepipeline.PipelineTriggerGitConfigurationPushFilePathsArgs(
                                excludes=DOCS_ONLY
                            ),
                        )
                    ],
                ),
            )
        ]

    def _build_events(self, alert_topic_arn: pulumi.Input[str]) -> None:
        settings, prefix = self._args.delivery, self._name
        events = EventWiring(self._env, self._args.tags, self._child)
        repository = self._source.repository_arn
        if repository is not None:
            events.start_pipeline_on_push(
                f"{prefix}-on-push",
                repository_arn=repository,
                branch=settings.branch,
                pipeline_arn=self.pipeline.arn,
            )
        if settings.pull_request_previews:
            if repository is not None:
                events.preview_pull_requests(
                    f"{prefix}-on-pull-request",
                    repository_arn=repository,
                    branch=settings.branch,
                    project_arn=self.projects["preview"].project.arn,
                )
            else:
                self._github_preview_pipeline(settings.branch)
        events.scheduled_build(
            f"{prefix}-drift-schedule",
            schedule=settings.drift_schedule,
            project_arn=self.projects["drift"].project.arn,
        )
        events.alert_on(
            f"{prefix}-pipeline-failed",
            description=f"Delivery pipeline of {self._args.stack} failed",
            pattern={
                "source": ["aws.codepipeline"],
                "detail-type": ["CodePipeline Pipeline Execution State Change"],
                "resources": [self.pipeline.arn],
                "detail": {"state": ["FAILED"]},
            },
            topic_arn=alert_topic_arn,
        )
        events.alert_on(
            f"{prefix}-drift-detected",
            description=f"Drift detected in stack {self._args.stack}",
            pattern={
                "source": ["aws.codebuild"],
                "detail-type": ["CodeBuild Build State Change"],
                "detail": {
                    "build-status": ["FAILED"],
                    "project-name": [self.projects["drift"].project.name],
                },
            },
            topic_arn=alert_topic_arn,
        )

    def _github_preview_pipeline(self, branch: str) -> None:
        """For GitHub: a pipeline whose V2 trigger runs the preview on pull requests into branch."""
        stages = [
            self._source_stage(),
            aws.codepipeline.PipelineStageArgs(
                name="Preview", actions=[self._action("Preview", "preview")]
            ),
        ]
        trigger = aws.codepipeline.PipelineTriggerArgs(
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
        role = self._pipeline_role(["preview"], None)
        self._pipeline(
            f"{self._name}-preview-pipeline",
            f"{self._args.name_prefix}-preview",
            role,
            stages,
            [trigger],
        )


# Changes to documentation alone do not need a deployment.
DOCS_ONLY = ["docs/**", "**/*.md"]


def _approval_stage(topic: NotificationTopic, stack: str) -> aws.codepipeline.PipelineStageArgs:
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
