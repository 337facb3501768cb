"""What a teardown leaves behind and what it costs: the resources kept by `retain_on_delete`
(priced by the cost model), what AWS keeps by design (the key's deletion window, the final
snapshot), bootstrap's account resources, and the commands that remove what was kept."""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any, Final

from cost.model import estimate, money
from cost.prices import PricesNotFoundError, load_prices
from cost.report import charge_lines
from offline.capture import capture_stack
from offline.report import to_json_resources
from stack_config import StackConfig
from stack_config.loader import PLATFORM_KEY
from stack_config.protection import ProtectionSettings
from stack_config.warehouse import ProvisionedWarehouse

# How a kept resource is removed by hand, by type, given its physical id and region.
REMOVAL: Final = {
    "aws:s3/bucket:Bucket": "empty s3://{id} in the S3 console (Empty deletes every object"
    " version), then: aws s3 rb s3://{id}",
    "aws:kms/key:Key": "aws kms schedule-key-deletion --region {region} --key-id {id}"
    " --pending-window-in-days 7",
    "aws:redshift/cluster:Cluster": "aws redshift delete-cluster --region {region}"
    " --cluster-identifier {id} --final-cluster-snapshot-identifier {id}-retired"
    " (or --skip-final-cluster-snapshot)",
    "aws:redshiftserverless/workgroup:Workgroup": "aws redshift-serverless delete-workgroup"
    " --region {region} --workgroup-name {id}",
    "aws:redshiftserverless/namespace:Namespace": "aws redshift-serverless delete-namespace"
    " --region {region} --namespace-name {id}",
}


def teardown_protection(*, retain: bool) -> ProtectionSettings:
    """The protection a stack is updated to before `pulumi destroy`: nothing protected, and the
    stateful resources deleted (their buckets emptied), or kept in AWS with `retain`."""
    return ProtectionSettings(
        protect=False, retain_on_delete=retain, force_destroy_buckets=not retain
    )


def with_protection(values: Mapping[str, Any], protection: ProtectionSettings) -> dict[str, Any]:
    """The stack's config values with `platform.protection` replaced."""
    changed = copy.deepcopy(dict(values))
    changed[PLATFORM_KEY]["protection"] = protection.model_dump()
    return changed


def kept_resources(stack: str, values: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The resources `pulumi destroy` would leave in AWS under `values` (captured offline)."""
    resources = to_json_resources(capture_stack(stack, values=values).resources)
    return [r for r in resources if r.get("retainOnDelete")]


def kept_summary(kept: Sequence[Mapping[str, Any]], region: str) -> list[str]:
    """The kept resources and their monthly cost while they stay."""
    if not kept:
        return ["Nothing the stack declares is kept: retain_on_delete is off."]
    lines = [f"Kept in AWS ({len(kept)}): " + ", ".join(f"{r['name']}" for r in kept)]
    try:
        found = estimate(kept, load_prices(region))
    except PricesNotFoundError as err:
        return [*lines, f"  cost not estimated: {err}"]
    lines.append(
        f"They cost {money(found.total)}/month while they stay ({region} list prices), plus"
        " S3 storage of the data the kept buckets hold:"
    )
    lines += charge_lines(found)
    return lines


def aftermath(config: StackConfig, *, retain: bool) -> list[str]:
    """What stays after a teardown by design, besides what `retain` keeps."""
    platform = config.platform
    lines = []
    if not retain:
        lines.append(
            "The platform key is deleted after a waiting period of"
            f" {platform.kms.deletion_window_days} days (kms.deletion_window_days; $1/month until"
            " then, cancellable in the KMS console)."
        )
    warehouse = platform.warehouse
    final = isinstance(warehouse, ProvisionedWarehouse) and warehouse.final_snapshot_on_delete
    if final and not retain:
        lines.append(
            "The Redshift cluster leaves a final snapshot (final_snapshot_on_delete), billed as"
            " backup storage; delete it, or the next teardown of a cluster of the same name"
            " fails on the existing snapshot name."
        )
    lines.append(
        "bootstrap/'s state bucket, account key and repository stay: every stack of the account"
        " uses them (README, Tearing down)."
    )
    return lines


def removal_commands(exported: Mapping[str, Any], region: str) -> list[str]:
    """For each kept resource of a `pulumi stack export`, how to remove it by hand."""
    resources = exported.get("deployment", {}).get("resources", [])
    # The key last: what it encrypts is unreadable once it is gone.
    resources = sorted(resources, key=lambda r: r.get("type") == "aws:kms/key:Key")
    commands = []
    for resource in resources:
        if not resource.get("retainOnDelete") or "id" not in resource:
            continue
        template = REMOVAL.get(resource["type"], "delete {type} {id} in the AWS console")
        commands.append(template.format(id=resource["id"], region=region, type=resource["type"]))
    return commands
