"""TAG-003: data stores declare a DataClassification tag (own or provider default)."""

from collections.abc import Iterator

from policies.framework.model import RuleMeta, Severity, nist
from policies.framework.rule import Config, ResourceRule
from policies.framework.sdk_data import family
from policies.framework.subjects import Subject
from policies.framework.tags import effective_tags

META = RuleMeta(
    id="TAG-003",
    name="data-store-classification",
    description="Data stores must carry a DataClassification tag.",
    severity=Severity.HIGH,
    controls=(nist("RA-2"), nist("SC-16"), nist("CM-8")),
    remediation="Tag the data store with DataClassification (see TAG-002 for allowed values).",
    resource_types=family(
        "aws:s3/bucket:Bucket",
        "aws:glue/catalogDatabase:CatalogDatabase",
        "aws:redshiftserverless/namespace:Namespace",
        "aws:redshift/cluster:Cluster",
        "aws:dynamodb/table:Table",
        "aws:rds/instance:Instance",
        "aws:rds/cluster:Cluster",
        "aws:efs/fileSystem:FileSystem",
        "aws:kinesis/stream:Stream",
    ),
)


def validate(store: Subject, config: Config) -> Iterator[str]:
    if "DataClassification" not in effective_tags(store):
        yield "has no DataClassification tag"


RULE = ResourceRule(META, validate)
