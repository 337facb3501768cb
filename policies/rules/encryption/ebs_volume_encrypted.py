"""ENC-027: EBS volumes, instance block devices and launch template volumes are encrypted.

A volume is encrypted when it says so, or when the account encrypts new volumes by default
(EC2.7, `aws.ebs.EncryptionByDefault`): teams that enabled that set `accountEncryptsByDefault`.
An omitted `encrypted` is false in the provider and in EC2's API.
"""

from collections.abc import Iterator
from typing import Any

from policies.framework.model import RuleMeta, Severity, fsbp, nist
from policies.framework.rule import Config, ResourceRule
from policies.framework.subjects import Subject
from policies.framework.values import as_list, get, known, shallow, truthy

VOLUME = "aws:ebs/volume:Volume"
INSTANCE = "aws:ec2/instance:Instance"
TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"

META = RuleMeta(
    id="ENC-027",
    name="ebs-volume-encrypted",
    description="EBS volumes, instance root and data volumes included, must be encrypted.",
    severity=Severity.HIGH,
    controls=(fsbp("EC2.3"), nist("SC-28"), nist("SC-28(1)")),
    remediation=(
        "Set encrypted=True (with kms_key_id for a customer-managed key) on the volume, the "
        "instance's root_block_device and ebs_block_devices, or the launch template's "
        "block_device_mappings ebs; or enable EBS encryption by default in the account."
    ),
    resource_types=(VOLUME, INSTANCE, TEMPLATE),
    config_schema={
        "accountEncryptsByDefault": {
            "type": "boolean",
            "default": False,
            "description": "The account encrypts every new EBS volume by default (EC2.7).",
        }
    },
)


def validate(resource: Subject, config: Config) -> Iterator[str]:
    if config["accountEncryptsByDefault"]:
        return
    for where, volume in _volumes(resource):
        if not truthy(known(get(volume, "encrypted"), f"{where}.encrypted")):
            yield f"{where} is not encrypted (encrypted is not true)"


def _volumes(resource: Subject) -> Iterator[tuple[str, Any]]:
    props = resource.props
    if resource.type == VOLUME:
        yield "the volume", props
    elif resource.type == INSTANCE:
        yield "rootBlockDevice", shallow(get(props, "rootBlockDevice"), "rootBlockDevice") or {}
        devices = as_list(shallow(get(props, "ebsBlockDevices"), "ebsBlockDevices"))
        yield from ((f"ebsBlockDevices[{i}]", d) for i, d in enumerate(devices))
    else:
        mappings = as_list(shallow(get(props, "blockDeviceMappings"), "blockDeviceMappings"))
        for index, mapping in enumerate(mappings):
            if get(mapping, "ebs") is not None:
                yield f"blockDeviceMappings[{index}].ebs", get(mapping, "ebs")


RULE = ResourceRule(META, validate)
