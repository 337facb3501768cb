"""The account level of the data platform, one stack per AWS account, on a local backend: the
Pulumi state backend, the account key, the source repository, the Data Catalog encryption, and
the roles the release pipeline's builds assume here.

Exports the `PULUMI_BACKEND_URL` and `PULUMI_SECRETS_PROVIDER` values of the platform stacks.
"""

import sys
from pathlib import Path

# The program reuses the platform's components and config types from the repository root.
_REPO_ROOT = str(Path(__file__).resolve().parents[1])
if _REPO_ROOT not in sys.path:
    sys.path.insert(0, _REPO_ROOT)

import pulumi  # noqa: E402
import pulumi_aws as aws  # noqa: E402

from bootstrap.account_shared import AccountShared  # noqa: E402
from bootstrap.release_roles import ReleaseRoles  # noqa: E402
from bootstrap.settings import load_region, load_settings  # noqa: E402
from bootstrap.state_backend import StateBackend  # noqa: E402
from components.shared.aws_context import AwsEnv  # noqa: E402

settings = load_settings()
env = AwsEnv(load_region(), aws.get_caller_identity_output().account_id)
backend = StateBackend("pulumi", settings, region=env.region, account_id=env.account_id)
shared = AccountShared("account", settings, key_arn=backend.key_arn, tags=backend.tags)
if settings.release is not None:
    roles = ReleaseRoles(
        "release",
        settings.release,
        env=env,
        state_bucket=backend.bucket_name,
        key_alias=settings.key_alias,
        tags=backend.tags,
    )
    pulumi.export("release_deploy_role", roles.deploy_role.arn)
    pulumi.export("release_preview_role", roles.preview_role.arn)
    pulumi.export("release_drift_role", roles.drift_role.arn)
    if roles.pull_request_role is not None:
        pulumi.export("release_pull_request_role", roles.pull_request_role.arn)

pulumi.export("state_bucket", backend.bucket_name)
pulumi.export("kms_key_arn", backend.key_arn)
pulumi.export("PULUMI_BACKEND_URL", backend.backend_url)
pulumi.export("PULUMI_SECRETS_PROVIDER", backend.secrets_provider)
if shared.repository_name is not None:
    pulumi.export("repository", shared.repository_name)
