"""The roles a release pipeline's builds assume in this account: deploy, the stages' preview,
drift and (for the stacks pull requests preview here) pull request, each trusting only the
delivery account's build roles of its own kind, with the external id.

They exist before any stack of the account and outside the platform's role path, so no deploy
can change them; the deploy role also carries a policy that denies changing itself.
"""

import pulumi
import pulumi_aws as aws

from bootstrap.settings import ReleaseTrust
from components.delivery.names import (
    DRIFT_JOBS,
    PULL_REQUEST_PROJECT,
    TARGET_DEPLOY_ROLE,
    TARGET_DRIFT_ROLE,
    TARGET_PREVIEW_ROLE,
    TARGET_PULL_REQUEST_ROLE,
    TARGET_ROLE_PATH,
    stage_project,
)
from components.delivery.target_access import (
    READ_ONLY_POLICY,
    SELF_MODIFICATIONS,
    deploy_statements,
    drift_statements,
    managed_policy_arns,
    preview_statements,
    pull_request_statements,
)
from components.delivery.trust import release_trust
from components.shared.aws_context import AwsEnv
from components.shared.iam import Statement, deny, policy_document, trusted_role


class ReleaseRoles(pulumi.ComponentResource):
    """The deploy role and the read-only preview, drift and pull-request roles of the release."""

    deploy_role: aws.iam.Role
    preview_role: aws.iam.Role
    drift_role: aws.iam.Role
    pull_request_role: aws.iam.Role | None

    def __init__(
        self,
        name: str,
        settings: ReleaseTrust,
        *,
        env: AwsEnv,
        state_bucket: pulumi.Input[str],
        key_alias: str,
        tags: dict[str, str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("dataplatform:bootstrap:ReleaseRoles", name, None, opts)
        self._name, self._settings, self._env = name, settings, env
        self._child = pulumi.ResourceOptions(parent=self)
        self.deploy_role = self._deploy_role(state_bucket, key_alias, tags)
        self.preview_role = self._preview_role(state_bucket, key_alias, tags)
        self.drift_role = self._reader(
            "drift",
            TARGET_DRIFT_ROLE,
            [stage_project(s, job) for s in settings.stacks for job in DRIFT_JOBS],
            drift_statements(env, state_bucket, key_alias),
            tags,
        )
        previewed = settings.pull_request_stacks
        self.pull_request_role = (
            self._reader(
                "pull-request",
                TARGET_PULL_REQUEST_ROLE,
                [PULL_REQUEST_PROJECT],
                pull_request_statements(env, state_bucket, key_alias, previewed),
                tags,
            )
            if previewed
            else None
        )
        self.register_outputs(
            {
                "deploy_role": self.deploy_role.arn,
                "preview_role": self.preview_role.arn,
                "drift_role": self.drift_role.arn,
            }
        )

    def _trust(self, projects: list[str]) -> dict[str, object]:
        return release_trust(
            partition=self._env.partition,
            delivery_account=self._settings.delivery_account_id or self._env.account_id,
            projects=projects,
            external_id=self._settings.external_id,
        )

    def _deploy_role(
        self, state_bucket: pulumi.Input[str], key_alias: str, tags: dict[str, str]
    ) -> aws.iam.Role:
        """Trusted by the stacks' deploy builds; denied changing itself."""
        role = trusted_role(
            f"{self._name}-deploy",
            trust=self._trust([stage_project(s, "deploy") for s in self._settings.stacks]),
            statements=deploy_statements(self._env, state_bucket, key_alias),
            tags=tags,
            opts=self._child,
            name=TARGET_DEPLOY_ROLE,
            path=TARGET_ROLE_PATH,
        )
        aws.iam.RolePolicy(
            f"{self._name}-deploy-self-protection",
            role=role.id,
            policy=policy_document([deny(SELF_MODIFICATIONS, [role.arn])]),
            opts=self._child,
        )
        return role

    def _preview_role(
        self, state_bucket: pulumi.Input[str], key_alias: str, tags: dict[str, str]
    ) -> aws.iam.Role:
        """Trusted by the stacks' preview builds only (the logical name of the role that once
        also served drift and pull requests, so an upgrade updates it in place)."""
        return self._reader(
            "preview",
            TARGET_PREVIEW_ROLE,
            [stage_project(s, "preview") for s in self._settings.stacks],
            preview_statements(self._env, state_bucket, key_alias),
            tags,
        )

    def _reader(
        self,
        kind: str,
        role_name: str,
        projects: list[str],
        statements: list[Statement],
        tags: dict[str, str],
    ) -> aws.iam.Role:
        """A role with ReadOnlyAccess, its own statements, trusted by `projects` only."""
        return trusted_role(
            f"{self._name}-{kind}",
            trust=self._trust(projects),
            statements=statements,
            managed_policy_arns=managed_policy_arns(self._env, (READ_ONLY_POLICY,)),
            tags=tags,
            opts=self._child,
            name=role_name,
            path=TARGET_ROLE_PATH,
        )
