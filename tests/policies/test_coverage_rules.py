"""Named pass / fail / not-applicable / unknown-at-preview cases for the rules that cover what
other teams' programs declare: EBS, EKS, ElastiCache, SageMaker, CloudFront, load balancers,
public RDS and S3 ACLs, Redshift Serverless workgroups and CodeBuild source credentials."""

import pytest

from policies.framework.rule import Rule
from policies.rules.encryption import (
    ebs_volume_encrypted,
    eks_secrets_encrypted,
    elasticache_encrypted,
    redshift_serverless_require_ssl,
    sagemaker_endpoint_kms,
)
from policies.rules.security import (
    cloudfront_https,
    codebuild_source_credential,
    eks_endpoint_private,
    load_balancer_tls,
    rds_not_public,
    redshift_serverless_not_public,
    redshift_serverless_vpc_routing,
    s3_no_public_acl,
)
from tests.policies.harness import Case, Resources, U, check, res
from tests.policies.test_encryption_rules import KEY, cannot, na_type, other, v

VOLUME, INSTANCE = "aws:ebs/volume:Volume", "aws:ec2/instance:Instance"
TEMPLATE, EKS = "aws:ec2/launchTemplate:LaunchTemplate", "aws:eks/cluster:Cluster"
CACHE = "aws:elasticache/replicationGroup:ReplicationGroup"
ENDPOINT = "aws:sagemaker/endpointConfiguration:EndpointConfiguration"
WORKGROUP = "aws:redshiftserverless/workgroup:Workgroup"
BUCKET, OBJECT = "aws:s3/bucket:Bucket", "aws:s3/bucketObjectv2:BucketObjectv2"
ACL, RDS = "aws:s3/bucketAclV2:BucketAclV2", "aws:rds/instance:Instance"
CDN, LISTENER = "aws:cloudfront/distribution:Distribution", "aws:lb/listener:Listener"
CLASSIC, CREDENTIAL = (
    "aws:elb/loadBalancer:LoadBalancer",
    "aws:codebuild/sourceCredential:SourceCredential",
)


def one(type_: str, props: dict[str, object], name: str = "subject") -> Resources:
    return (res(type_, name, props),)


def not_applicable(rule: Rule) -> Case:
    return Case("other-type", rule, "not-applicable", other(), not_applicable=na_type(rule))


def _ebs() -> list[Case]:
    rule = ebs_volume_encrypted.RULE
    return [
        Case("encrypted-volume", rule, "pass", one(VOLUME, {"encrypted": True, "kmsKeyId": KEY})),
        Case(
            "instance-with-encrypted-devices",
            rule,
            "pass",
            one(INSTANCE, {"rootBlockDevice": {"encrypted": True}, "ebsBlockDevices": []}),
        ),
        Case(
            "account-encrypts-by-default",
            rule,
            "pass",
            one(VOLUME, {}),
            config={"accountEncryptsByDefault": True},
        ),
        Case(
            "instance-root-and-data-volume",
            rule,
            "fail",
            one(INSTANCE, {"ebsBlockDevices": [{"deviceName": "/dev/sdf", "encrypted": False}]}),
            violations=(
                v(INSTANCE, "subject", "rootBlockDevice is not encrypted (encrypted is not true)"),
                v(
                    INSTANCE,
                    "subject",
                    "ebsBlockDevices[0] is not encrypted (encrypted is not true)",
                ),
            ),
        ),
        Case(
            "launch-template-volume",
            rule,
            "fail",
            one(TEMPLATE, {"blockDeviceMappings": [{"ebs": {"volumeSize": 8}}]}),
            violations=(
                v(
                    TEMPLATE,
                    "subject",
                    "blockDeviceMappings[0].ebs is not encrypted (encrypted is not true)",
                ),
            ),
        ),
        not_applicable(rule),
        Case(
            "encrypted-unknown",
            rule,
            "unknown",
            one(VOLUME, {"encrypted": U}),
            unverified=(cannot(VOLUME, "subject", "the volume.encrypted", "encrypted"),),
        ),
    ]


def _eks() -> list[Case]:
    secrets, endpoint = eks_secrets_encrypted.RULE, eks_endpoint_private.RULE
    private = {"endpointPublicAccess": False, "endpointPrivateAccess": True}
    sealed = {"resources": ["secrets"], "provider": {"keyArn": KEY}}
    return [
        Case("secrets-encrypted", secrets, "pass", one(EKS, {"encryptionConfig": sealed})),
        Case(
            "secrets-in-the-clear",
            secrets,
            "fail",
            one(EKS, {}),
            violations=(
                v(
                    EKS,
                    "subject",
                    "does not encrypt Kubernetes secrets (encryptionConfig.resources lacks "
                    "'secrets')",
                ),
            ),
        ),
        not_applicable(secrets),
        Case(
            "encryption-config-unknown",
            secrets,
            "unknown",
            one(EKS, {"encryptionConfig": U}),
            unverified=(cannot(EKS, "subject", "encryptionConfig", "encryptionConfig"),),
        ),
        Case("private-endpoint", endpoint, "pass", one(EKS, {"vpcConfig": private})),
        Case(
            "public-endpoint-for-named-networks",
            endpoint,
            "pass",
            one(EKS, {"vpcConfig": {"publicAccessCidrs": ["203.0.113.0/24"]}}),
        ),
        Case(
            "public-endpoint-by-default",
            endpoint,
            "fail",
            one(EKS, {"vpcConfig": {"subnetIds": ["subnet-1"]}}),
            violations=(
                v(
                    EKS,
                    "subject",
                    "serves its API endpoint to 0.0.0.0/0 (endpointPublicAccess is omitted: "
                    "EKS enables it)",
                ),
            ),
        ),
        not_applicable(endpoint),
        Case(
            "endpoint-access-unknown",
            endpoint,
            "unknown",
            one(EKS, {"vpcConfig": {"endpointPublicAccess": U}}),
            unverified=(
                cannot(
                    EKS,
                    "subject",
                    "vpcConfig.endpointPublicAccess",
                    "vpcConfig.endpointPublicAccess",
                ),
            ),
        ),
    ]


def _elasticache() -> list[Case]:
    rule = elasticache_encrypted.RULE
    return [
        Case(
            "both-encrypted",
            rule,
            "pass",
            one(CACHE, {"atRestEncryptionEnabled": True, "transitEncryptionEnabled": True}),
        ),
        Case(
            "valkey-in-transit",
            rule,
            "pass",
            one(CACHE, {"engine": "valkey", "transitEncryptionEnabled": True}),
        ),
        Case(
            "redis-defaults",
            rule,
            "fail",
            one(CACHE, {"engine": "redis"}),
            violations=(
                v(
                    CACHE,
                    "subject",
                    "does not encrypt data at rest (atRestEncryptionEnabled is not true)",
                ),
                v(
                    CACHE,
                    "subject",
                    "does not encrypt data in transit (transitEncryptionEnabled is not true)",
                ),
            ),
        ),
        not_applicable(rule),
        Case(
            "transit-unknown",
            rule,
            "unknown",
            one(CACHE, {"atRestEncryptionEnabled": True, "transitEncryptionEnabled": U}),
            unverified=(
                cannot(CACHE, "subject", "transitEncryptionEnabled", "transitEncryptionEnabled"),
            ),
        ),
    ]


def _sagemaker() -> list[Case]:
    rule = sagemaker_endpoint_kms.RULE
    return [
        Case("customer-key", rule, "pass", one(ENDPOINT, {"kmsKeyArn": KEY})),
        Case(
            "no-key",
            rule,
            "fail",
            one(ENDPOINT, {}),
            violations=(
                v(ENDPOINT, "subject", "has no kmsKeyArn (a customer-managed KMS key is required)"),
            ),
        ),
        not_applicable(rule),
        Case("key-unknown", rule, "unknown", one(ENDPOINT, {"kmsKeyArn": U})),
    ]


def _workgroups() -> list[Case]:
    ssl = redshift_serverless_require_ssl.RULE
    public = redshift_serverless_not_public.RULE
    routing = redshift_serverless_vpc_routing.RULE

    def parameters(value: str) -> dict[str, object]:
        return {"configParameters": [{"parameterKey": "require_ssl", "parameterValue": value}]}

    return [
        Case("require-ssl", ssl, "pass", one(WORKGROUP, parameters("true"))),
        Case(
            "ssl-not-declared",
            ssl,
            "fail",
            one(WORKGROUP, {}),
            violations=(
                v(WORKGROUP, "subject", "does not declare the require_ssl config parameter"),
            ),
        ),
        Case(
            "ssl-off",
            ssl,
            "fail",
            one(WORKGROUP, parameters("false")),
            violations=(v(WORKGROUP, "subject", "sets require_ssl to 'false', not true"),),
        ),
        not_applicable(ssl),
        Case(
            "parameters-unknown",
            ssl,
            "unknown",
            one(WORKGROUP, {"configParameters": U}),
            unverified=(cannot(WORKGROUP, "subject", "configParameters", "configParameters"),),
        ),
        Case("private", public, "pass", one(WORKGROUP, {"publiclyAccessible": False})),
        Case(
            "public",
            public,
            "fail",
            one(WORKGROUP, {"publiclyAccessible": True}),
            violations=(
                v(WORKGROUP, "subject", "is publicly accessible (publiclyAccessible is true)"),
            ),
        ),
        not_applicable(public),
        Case(
            "public-unknown",
            public,
            "unknown",
            one(WORKGROUP, {"publiclyAccessible": U}),
            unverified=(cannot(WORKGROUP, "subject", "publiclyAccessible", "publiclyAccessible"),),
        ),
        Case("routed", routing, "pass", one(WORKGROUP, {"enhancedVpcRouting": True})),
        Case(
            "not-routed",
            routing,
            "fail",
            one(WORKGROUP, {}),
            violations=(
                v(
                    WORKGROUP,
                    "subject",
                    "does not use enhanced VPC routing (enhancedVpcRouting is not true)",
                ),
            ),
        ),
        not_applicable(routing),
        Case(
            "routing-unknown",
            routing,
            "unknown",
            one(WORKGROUP, {"enhancedVpcRouting": U}),
            unverified=(cannot(WORKGROUP, "subject", "enhancedVpcRouting", "enhancedVpcRouting"),),
        ),
    ]


def _public_acls() -> list[Case]:
    rule = s3_no_public_acl.RULE
    world = {"grantee": {"type": "Group", "uri": "http://acs.amazonaws.com/groups/global/AllUsers"}}
    return [
        Case("private-object", rule, "pass", one(OBJECT, {"acl": "private", "key": "a.txt"})),
        Case(
            "public-read-object",
            rule,
            "fail",
            one(OBJECT, {"acl": "public-read", "key": "index.html"}),
            violations=(
                v(
                    OBJECT,
                    "subject",
                    "uses the canned ACL 'public-read', which grants access to everyone",
                ),
            ),
        ),
        Case(
            "grant-to-all-users",
            rule,
            "fail",
            one(ACL, {"accessControlPolicy": {"grants": [{**world, "permission": "READ"}]}}),
            violations=(v(ACL, "subject", "accessControlPolicy grant 0 gives READ to AllUsers"),),
        ),
        not_applicable(rule),
        Case(
            "acl-unknown",
            rule,
            "unknown",
            one(BUCKET, {"acl": U}),
            unverified=(cannot(BUCKET, "subject", "acl", "acl"),),
        ),
    ]


def _public_databases() -> list[Case]:
    rule = rds_not_public.RULE
    return [
        Case("private-by-default", rule, "pass", one(RDS, {"engine": "postgres"})),
        Case(
            "public",
            rule,
            "fail",
            one(RDS, {"publiclyAccessible": True}),
            violations=(v(RDS, "subject", "is publicly accessible (publiclyAccessible is true)"),),
        ),
        not_applicable(rule),
        Case(
            "public-unknown",
            rule,
            "unknown",
            one(RDS, {"publiclyAccessible": U}),
            unverified=(cannot(RDS, "subject", "publiclyAccessible", "publiclyAccessible"),),
        ),
    ]


def _cloudfront() -> list[Case]:
    rule = cloudfront_https.RULE
    https = {"viewerProtocolPolicy": "redirect-to-https"}
    origin = {"originId": "app", "customOriginConfig": {"originProtocolPolicy": "https-only"}}
    return [
        Case(
            "https-throughout",
            rule,
            "pass",
            one(CDN, {"defaultCacheBehavior": https, "origins": [origin]}),
        ),
        Case(
            "http-viewers-and-origin",
            rule,
            "fail",
            one(
                CDN,
                {
                    "defaultCacheBehavior": {"viewerProtocolPolicy": "allow-all"},
                    "origins": [
                        {**origin, "customOriginConfig": {"originProtocolPolicy": "match-viewer"}}
                    ],
                },
            ),
            violations=(
                v(
                    CDN,
                    "subject",
                    "defaultCacheBehavior lets viewers use HTTP (viewerProtocolPolicy 'allow-all')",
                ),
                v(CDN, "subject", "origins[0] (app) is reached over HTTP (match-viewer)"),
            ),
        ),
        not_applicable(rule),
        Case(
            "behaviour-unknown",
            rule,
            "unknown",
            one(CDN, {"defaultCacheBehavior": {"viewerProtocolPolicy": U}, "origins": []}),
            unverified=(
                cannot(
                    CDN,
                    "subject",
                    "defaultCacheBehavior.viewerProtocolPolicy",
                    "defaultCacheBehavior.viewerProtocolPolicy",
                ),
            ),
        ),
    ]


def _listeners() -> list[Case]:
    rule = load_balancer_tls.RULE
    redirect = {"type": "redirect", "redirect": {"protocol": "HTTPS", "statusCode": "HTTP_301"}}
    return [
        Case("https", rule, "pass", one(LISTENER, {"protocol": "HTTPS", "port": 443})),
        Case(
            "http-redirecting",
            rule,
            "pass",
            one(LISTENER, {"protocol": "HTTP", "defaultActions": [redirect]}),
        ),
        Case(
            "http-forwarding",
            rule,
            "fail",
            one(LISTENER, {"protocol": "HTTP", "defaultActions": [{"type": "forward"}]}),
            violations=(v(LISTENER, "subject", "serves HTTP without redirecting to HTTPS"),),
        ),
        Case(
            "classic-http",
            rule,
            "fail",
            one(CLASSIC, {"listeners": [{"lbProtocol": "http", "lbPort": 80}]}),
            violations=(v(CLASSIC, "subject", "listeners[0] serves HTTP in plaintext"),),
        ),
        not_applicable(rule),
        Case(
            "protocol-unknown",
            rule,
            "unknown",
            one(LISTENER, {"protocol": U}),
            unverified=(cannot(LISTENER, "subject", "protocol", "protocol"),),
        ),
    ]


def _source_credentials() -> list[Case]:
    rule = codebuild_source_credential.RULE
    return [
        Case(
            "secrets-manager",
            rule,
            "pass",
            one(CREDENTIAL, {"authType": "SECRETS_MANAGER", "serverType": "GITHUB"}),
        ),
        Case(
            "personal-access-token",
            rule,
            "fail",
            one(CREDENTIAL, {"authType": "PERSONAL_ACCESS_TOKEN", "serverType": "GITHUB"}),
            violations=(
                v(
                    CREDENTIAL,
                    "subject",
                    "takes its token from the program (authType PERSONAL_ACCESS_TOKEN); "
                    "reference a secret instead",
                ),
            ),
        ),
        not_applicable(rule),
        Case(
            "auth-type-unknown",
            rule,
            "unknown",
            one(CREDENTIAL, {"authType": U}),
            unverified=(cannot(CREDENTIAL, "subject", "authType", "authType"),),
        ),
    ]


CASES: list[Case] = [
    *_ebs(),
    *_eks(),
    *_elasticache(),
    *_sagemaker(),
    *_workgroups(),
    *_public_acls(),
    *_public_databases(),
    *_cloudfront(),
    *_listeners(),
    *_source_credentials(),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_coverage_rule(case: Case) -> None:
    check(case)
