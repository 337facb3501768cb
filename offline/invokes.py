"""Offline answers to the data sources AWS programs commonly read, with plausible values.

Caller identity, region, partition, availability zones, AMI lookups, prefix lists and IAM policy
documents (rendered from their statements as the provider renders them), and the lookups of
existing resources in `offline.lookups`. Anything else is left to the caller, which reports the
invoke by token.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from offline.arns import generated_uuid, partition
from offline.lookups import LOOKUPS

Answer = dict[str, Any]


def answer_invoke(token: str, args: dict[str, Any], region: str, account: str) -> Answer | None:
    """The result of invoke `token`, or None when there is no offline answer for it."""
    handler = _HANDLERS.get(token)
    if handler is not None:
        return handler(args, region, account)
    lookup = LOOKUPS.get(token)
    return None if lookup is None else lookup(args, region, account)


def _caller_identity(args: dict[str, Any], region: str, account: str) -> Answer:
    arn = f"arn:{partition(region)[0]}:iam::{account}:user/offline"
    return {"accountId": account, "arn": arn, "userId": "AIDAOFFLINE", "id": account}


def _region(args: dict[str, Any], region: str, account: str) -> Answer:
    name = args.get("region") or region
    endpoint = f"ec2.{name}.{partition(name)[1]}"
    return {"name": name, "region": name, "id": name, "endpoint": endpoint}


def _partition(args: dict[str, Any], region: str, account: str) -> Answer:
    name, dns = partition(region)
    return {"partition": name, "dnsSuffix": dns, "reverseDnsPrefix": _reverse(dns), "id": name}


def _reverse(dns: str) -> str:
    return ".".join(reversed(dns.split(".")))


def _availability_zones(args: dict[str, Any], region: str, account: str) -> Answer:
    suffixes = "abc"
    return {
        "names": [f"{region}{s}" for s in suffixes],
        "zoneIds": [f"{region}-az{i}" for i in range(1, len(suffixes) + 1)],
        "groupNames": [region],
        "id": region,
        "region": region,
    }


def _ami(args: dict[str, Any], region: str, account: str) -> Answer:
    image = "ami-" + generated_uuid("ami", json.dumps(args, sort_keys=True)).replace("-", "")[:17]
    owners = args.get("owners") or ["amazon"]
    return {
        "id": image,
        "imageId": image,
        "arn": f"arn:{partition(region)[0]}:ec2:{region}::image/{image}",
        "architecture": "x86_64",
        "name": "offline-image",
        "ownerId": str(owners[0]),
        "rootDeviceName": "/dev/xvda",
        "virtualizationType": "hvm",
        "state": "available",
    }


def _prefix_list(args: dict[str, Any], region: str, account: str) -> Answer:
    name = args.get("name") or f"com.amazonaws.{region}.s3"
    return {"id": "pl-0123456789abcdef0", "name": name, "cidrBlocks": []}


def _policy_document(args: dict[str, Any], region: str, account: str) -> Answer:
    document: dict[str, Any] = {"Version": args.get("version") or "2012-10-17"}
    if args.get("policyId"):
        document["Id"] = args["policyId"]
    document["Statement"] = [_statement(s) for s in args.get("statements") or []]
    text = json.dumps(document, indent=2)
    return {"json": text, "minifiedJson": json.dumps(document, separators=(",", ":")), "id": "0"}


def _statement(given: dict[str, Any]) -> dict[str, Any]:
    """One statement as the provider renders it: a single value is a string, not a list."""
    out: dict[str, Any] = {}
    if given.get("sid"):
        out["Sid"] = given["sid"]
    out["Effect"] = given.get("effect") or "Allow"
    for key, name in (("actions", "Action"), ("notActions", "NotAction")):
        if given.get(key):
            out[name] = _one_or_many(sorted(given[key]))
    for key, name in (("resources", "Resource"), ("notResources", "NotResource")):
        if given.get(key):
            out[name] = _one_or_many(sorted(given[key]))
    for key, name in (("principals", "Principal"), ("notPrincipals", "NotPrincipal")):
        if given.get(key):
            out[name] = _principals(given[key])
    if given.get("conditions"):
        out["Condition"] = _conditions(given["conditions"])
    return out


def _principals(entries: list[dict[str, Any]]) -> Any:
    if any(e.get("type") == "*" for e in entries):
        return "*"
    merged: dict[str, list[str]] = {}
    for entry in entries:
        merged.setdefault(str(entry["type"]), []).extend(entry.get("identifiers") or [])
    return {kind: _one_or_many(sorted(ids)) for kind, ids in merged.items()}


def _conditions(entries: list[dict[str, Any]]) -> dict[str, Any]:
    rendered: dict[str, dict[str, Any]] = {}
    for entry in entries:
        values = _one_or_many(list(entry.get("values") or []))
        rendered.setdefault(str(entry["test"]), {})[str(entry["variable"])] = values
    return rendered


def _one_or_many(values: list[Any]) -> Any:
    return values[0] if len(values) == 1 else values


_HANDLERS: dict[str, Callable[[dict[str, Any], str, str], Answer]] = {
    "aws:index/getCallerIdentity:getCallerIdentity": _caller_identity,
    "aws:index/getRegion:getRegion": _region,
    "aws:index/getPartition:getPartition": _partition,
    "aws:index/getAvailabilityZones:getAvailabilityZones": _availability_zones,
    "aws:ec2/getAmi:getAmi": _ami,
    "aws:ec2/getPrefixList:getPrefixList": _prefix_list,
    "aws:iam/getPolicyDocument:getPolicyDocument": _policy_document,
}
