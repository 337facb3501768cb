"""Offline answers to lookups of existing resources: what AWS would return for a name or an id.

Route 53 zones, SNS topics, SQS queues, DynamoDB tables, IAM roles, policies and users, KMS keys
and aliases, ECR repositories and credentials, the default VPC and its subnets, security groups,
public SSM parameters (AMI ids), CloudFront managed policies, ACM certificates, S3 buckets and
Secrets Manager secrets. Each answer carries every field of the SDK's result type that a program
reads, derived from the arguments (ARNs in the region's partition), so a program never sees
`None` where AWS returns a value. Values only a real account can tell (a secret's value, a
parameter of the account) are not answered.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

from offline.arns import generated_uuid, partition

Answer = dict[str, Any]
Lookup = Callable[[dict[str, Any], str, str], Answer | None]


def _arn(region: str, service: str, resource: str, *, account: str, regional: bool = True) -> str:
    return f"arn:{partition(region)[0]}:{service}:{region if regional else ''}:{account}:{resource}"


def _hex(kind: str, name: str, length: int) -> str:
    return generated_uuid(kind, name).replace("-", "")[:length]


def _zone(args: dict[str, Any], region: str, account: str) -> Answer:
    name = str(args.get("name") or "example.com").rstrip(".")
    zone_id = str(args.get("zoneId") or "Z" + _hex("zone", name, 20).upper())
    servers = [f"ns-{n}.awsdns-{n:02d}.{tld}" for n, tld in ((1, "com"), (2, "net"), (3, "org"))]
    return {
        "arn": f"arn:{partition(region)[0]}:route53:::hostedzone/{zone_id}",
        "callerReference": name,
        "comment": "",
        "id": zone_id,
        "zoneId": zone_id,
        "name": name,
        "nameServers": servers,
        "primaryNameServer": servers[0],
        "privateZone": bool(args.get("privateZone")),
        "resourceRecordSetCount": 2,
        "tags": args.get("tags") or {},
        "vpcId": args.get("vpcId") or "",
        "linkedServiceDescription": "",
        "linkedServicePrincipal": "",
        "enableAcceleratedRecovery": False,
    }


def _named(service: str, prefix: str, extra: Callable[[str, str], Answer] | None = None) -> Lookup:
    """A lookup by `name` that answers the ARN `<service>:<region>:<account>:<prefix><name>`."""

    def lookup(args: dict[str, Any], region: str, account: str) -> Answer | None:
        name = args.get("name")
        if not name:
            return None
        arn = _arn(region, service, f"{prefix}{name}", account=account)
        answer = {"arn": arn, "id": arn, "name": name, "region": region, "tags": {}}
        return {**answer, **(extra(str(name), arn) if extra else {})}

    return lookup


def _queue_url(region: str, account: str) -> Callable[[str, str], Answer]:
    return lambda name, arn: {
        "url": f"https://sqs.{region}.{partition(region)[1]}/{account}/{name}"
    }


def _queue(args: dict[str, Any], region: str, account: str) -> Answer | None:
    return _named("sqs", "", _queue_url(region, account))(args, region, account)


def _table(args: dict[str, Any], region: str, account: str) -> Answer | None:
    def extra(name: str, arn: str) -> Answer:
        return {
            "id": name,
            "billingMode": "PAY_PER_REQUEST",
            "hashKey": "id",
            "attributes": [{"name": "id", "type": "S"}],
            "serverSideEncryption": {"enabled": True, "kmsKeyArn": ""},
            "streamArn": f"{arn}/stream/2024-01-01T00:00:00.000",
            "streamEnabled": False,
        }

    return _named("dynamodb", "table/", extra)(args, region, account)


def _iam(kind: str, id_key: str) -> Lookup:
    def lookup(args: dict[str, Any], region: str, account: str) -> Answer | None:
        name = args.get("name") or args.get("userName")
        if not name and args.get("arn"):
            name = str(args["arn"]).rsplit("/", 1)[-1]
        if not name:
            return None
        arn = f"arn:{partition(region)[0]}:iam::{account}:{kind}/{name}"
        answer = {"arn": arn, "id": name, "name": name, "path": "/", "tags": {}}
        answer[id_key] = "AROA" + _hex(kind, str(name), 17).upper()
        if kind == "user":
            answer["userName"] = name
        if kind == "policy":
            answer["policy"] = '{"Version":"2012-10-17","Statement":[]}'
        return answer

    return lookup


def _alias(args: dict[str, Any], region: str, account: str) -> Answer | None:
    name = str(args.get("name") or "")
    if not name.startswith("alias/"):
        return None
    key_id = generated_uuid("aws:kms/key:Key", name)
    return {
        "arn": _arn(region, "kms", name, account=account),
        "id": _arn(region, "kms", name, account=account),
        "name": name,
        "region": region,
        "targetKeyId": key_id,
        "targetKeyArn": _arn(region, "kms", f"key/{key_id}", account=account),
    }


def _key(args: dict[str, Any], region: str, account: str) -> Answer | None:
    given = str(args.get("keyId") or "")
    if not given:
        return None
    key_id = given.rsplit("/", 1)[-1] if given.startswith("arn:") else given
    manager = "AWS" if key_id.startswith("alias/aws/") else "CUSTOMER"
    arn = _arn(region, "kms", f"key/{key_id}", account=account)
    return {
        "arn": arn,
        "id": key_id,
        "keyId": key_id,
        "awsAccountId": account,
        "enabled": True,
        "keyManager": manager,
        "keySpec": "SYMMETRIC_DEFAULT",
        "keyState": "Enabled",
        "keyUsage": "ENCRYPT_DECRYPT",
        "origin": "AWS_KMS",
        "multiRegion": False,
        "region": region,
    }


def _ecr_token(args: dict[str, Any], region: str, account: str) -> Answer:
    registry = str(args.get("registryId") or account)
    endpoint = f"https://{registry}.dkr.ecr.{region}.{partition(region)[1]}"
    password = "offline-registry-token"
    token = base64.b64encode(f"AWS:{password}".encode()).decode()
    return {
        "authorizationToken": token,
        "expiresAt": "2099-01-01T00:00:00Z",
        "id": region,
        "password": password,
        "proxyEndpoint": endpoint,
        "registryId": registry,
        "userName": "AWS",
        "region": region,
    }


def _repository(args: dict[str, Any], region: str, account: str) -> Answer | None:
    def extra(name: str, arn: str) -> Answer:
        host = f"{account}.dkr.ecr.{region}.{partition(region)[1]}"
        return {
            "id": name,
            "registryId": account,
            "repositoryUrl": f"{host}/{name}",
            "imageTagMutability": "IMMUTABLE",
            "encryptionConfigurations": [{"encryptionType": "AES256", "kmsKey": ""}],
            "imageScanningConfigurations": [{"scanOnPush": True}],
            "mostRecentImageTags": ["latest"],
        }

    return _named("ecr", "repository/", extra)(args, region, account)


def _vpc(args: dict[str, Any], region: str, account: str) -> Answer:
    vpc_id = str(args.get("id") or "vpc-" + _hex("vpc", region, 17))
    return {
        "arn": _arn(region, "ec2", f"vpc/{vpc_id}", account=account),
        "cidrBlock": "172.31.0.0/16",
        "default": bool(args.get("default", True)),
        "dhcpOptionsId": "dopt-" + _hex("dopt", region, 17),
        "enableDnsHostnames": True,
        "enableDnsSupport": True,
        "id": vpc_id,
        "instanceTenancy": "default",
        "mainRouteTableId": "rtb-" + _hex("rtb", vpc_id, 17),
        "ownerId": account,
        "region": region,
        "state": "available",
        "tags": {},
    }


def _subnets(args: dict[str, Any], region: str, account: str) -> Answer:
    ids = [f"subnet-{_hex('subnet', f'{region}{zone}', 17)}" for zone in "abc"]
    return {"id": region, "ids": ids, "region": region, "tags": {}}


def _subnet(args: dict[str, Any], region: str, account: str) -> Answer:
    subnet_id = str(args.get("id") or _subnets(args, region, account)["ids"][0])
    return {
        "arn": _arn(region, "ec2", f"subnet/{subnet_id}", account=account),
        "availabilityZone": f"{region}a",
        "availabilityZoneId": f"{region}-az1",
        "cidrBlock": "172.31.0.0/20",
        "defaultForAz": True,
        "id": subnet_id,
        "mapPublicIpOnLaunch": False,
        "ownerId": account,
        "region": region,
        "state": "available",
        "tags": {},
        "vpcId": _vpc({}, region, account)["id"],
    }


def _security_group(args: dict[str, Any], region: str, account: str) -> Answer:
    name = str(args.get("name") or "default")
    group_id = str(args.get("id") or "sg-" + _hex("sg", name, 17))
    return {
        "arn": _arn(region, "ec2", f"security-group/{group_id}", account=account),
        "description": name,
        "id": group_id,
        "name": name,
        "region": region,
        "tags": {},
        "vpcId": _vpc({}, region, account)["id"],
    }


def _parameter(args: dict[str, Any], region: str, account: str) -> Answer | None:
    name = str(args.get("name") or "")
    if not name.startswith("/aws/service/") or "ami" not in name:
        return None
    image = "ami-" + _hex("ami", name, 17)
    return {
        "arn": f"arn:{partition(region)[0]}:ssm:{region}::parameter{name}",
        "id": name,
        "name": name,
        "type": "String",
        "value": image,
        "insecureValue": image,
        "version": 1,
        "region": region,
        "withDecryption": True,
    }


# CloudFront's managed policies, by name, with the ids the CloudFront Developer Guide documents.
_MANAGED_CACHE = {
    "Managed-CachingOptimized": "658327ea-f89d-4fab-a63d-7e88639e58f6",
    "Managed-CachingDisabled": "4135ea2d-6df8-44a3-9df3-4b5a84be39ad",
}
_MANAGED_ORIGIN_REQUEST = {
    "Managed-AllViewer": "216adef6-5c7f-47e4-b989-5492eafa07d3",
    "Managed-CORS-S3Origin": "88a5eaf4-2fd4-4709-b370-b4c650ea3fcf",
}


def _cloudfront_policy(known: dict[str, str], kind: str) -> Lookup:
    def lookup(args: dict[str, Any], region: str, account: str) -> Answer | None:
        name = str(args.get("name") or "")
        policy_id = str(args.get("id") or known.get(name) or generated_uuid(kind, name))
        arn = f"arn:{partition(region)[0]}:cloudfront::{account}:{kind}/{policy_id}"
        return {"arn": arn, "id": policy_id, "name": name, "comment": "", "etag": "E1OFFLINE"}

    return lookup


# The account Elastic Load Balancing delivers access logs from, per region (ELB User Guide).
_ELB_ACCOUNTS = {
    "us-east-1": "127311923021",
    "us-east-2": "033677994240",
    "us-west-1": "027434742980",
    "us-west-2": "797873946194",
    "eu-west-1": "156460612806",
    "eu-central-1": "054676820928",
}


def _elb_account(args: dict[str, Any], region: str, account: str) -> Answer | None:
    owner = _ELB_ACCOUNTS.get(str(args.get("region") or region))
    if owner is None:
        return None
    arn = f"arn:{partition(region)[0]}:iam::{owner}:root"
    return {"arn": arn, "id": owner, "region": region}


def _certificate(args: dict[str, Any], region: str, account: str) -> Answer | None:
    domain = args.get("domain")
    if not domain:
        return None
    arn = _arn(region, "acm", f"certificate/{generated_uuid('acm', str(domain))}", account=account)
    return {"arn": arn, "id": arn, "domain": domain, "status": "ISSUED", "region": region}


def _bucket(args: dict[str, Any], region: str, account: str) -> Answer | None:
    name = args.get("bucket")
    if not name:
        return None
    dns = partition(region)[1]
    return {
        "arn": f"arn:{partition(region)[0]}:s3:::{name}",
        "bucket": name,
        "bucketDomainName": f"{name}.s3.{dns}",
        "bucketRegionalDomainName": f"{name}.s3.{region}.{dns}",
        "bucketRegion": region,
        "hostedZoneId": "Z3AQBSTGFYJSTF",
        "id": name,
        "region": region,
    }


def _secret(args: dict[str, Any], region: str, account: str) -> Answer | None:
    name = args.get("name") or str(args.get("arn") or "").rsplit(":", 1)[-1]
    if not name:
        return None
    arn = _arn(region, "secretsmanager", f"secret:{name}-AbCdEf", account=account)
    return {"arn": arn, "id": arn, "name": name, "kmsKeyId": "", "region": region, "tags": {}}


LOOKUPS: dict[str, Lookup] = {
    "aws:route53/getZone:getZone": _zone,
    "aws:sns/getTopic:getTopic": _named("sns", ""),
    "aws:sqs/getQueue:getQueue": _queue,
    "aws:dynamodb/getTable:getTable": _table,
    "aws:iam/getRole:getRole": _iam("role", "uniqueId"),
    "aws:iam/getPolicy:getPolicy": _iam("policy", "policyId"),
    "aws:iam/getUser:getUser": _iam("user", "userId"),
    "aws:kms/getAlias:getAlias": _alias,
    "aws:kms/getKey:getKey": _key,
    "aws:ecr/getCredentials:getCredentials": _ecr_token,
    "aws:ecr/getAuthorizationToken:getAuthorizationToken": _ecr_token,
    "aws:ecr/getRepository:getRepository": _repository,
    "aws:ec2/getVpc:getVpc": _vpc,
    "aws:ec2/getSubnets:getSubnets": _subnets,
    "aws:ec2/getSubnet:getSubnet": _subnet,
    "aws:ec2/getSecurityGroup:getSecurityGroup": _security_group,
    "aws:ssm/getParameter:getParameter": _parameter,
    "aws:cloudfront/getCachePolicy:getCachePolicy": _cloudfront_policy(
        _MANAGED_CACHE, "cache-policy"
    ),
    "aws:cloudfront/getOriginRequestPolicy:getOriginRequestPolicy": _cloudfront_policy(
        _MANAGED_ORIGIN_REQUEST, "origin-request-policy"
    ),
    "aws:elb/getServiceAccount:getServiceAccount": _elb_account,
    "aws:acm/getCertificate:getCertificate": _certificate,
    "aws:s3/getBucket:getBucket": _bucket,
    "aws:secretsmanager/getSecret:getSecret": _secret,
}
