"""Typed rule metadata; a rule that does not validate here cannot be registered.

Control ids come from two cited sources:
- AWS Foundational Security Best Practices v1.0.0 (FSBP), AWS Security Hub user guide,
  https://docs.aws.amazon.com/securityhub/latest/userguide/fsbp-standard.html . Only controls that
  belong to the FSBP standard are cited; Security Hub controls that exist only in other standards
  (for example S3.17, SNS.1, KMS.4, Redshift.10) are deliberately not cited as FSBP.
- NIST SP 800-53 Rev. 5, https://csrc.nist.gov/pubs/sp/800/53/r5/upd1/final .
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Any

from pulumi_policy import EnforcementLevel
from pydantic import BaseModel, ConfigDict, Field, model_validator


class StrictModel(BaseModel):
    """Base for every model in the pack: unknown keys are errors and instances are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class Framework(StrEnum):
    FSBP = "AWS FSBP v1.0.0"
    NIST = "NIST SP 800-53 Rev. 5"


_ID_FORMS = {
    Framework.FSBP: re.compile(r"^[A-Za-z][A-Za-z0-9]*\.\d+$"),
    Framework.NIST: re.compile(r"^[A-Z]{2}-\d+(\(\d+\))?$"),
}


class Control(StrictModel):
    framework: Annotated[Framework, Field(description="Standard the control id belongs to.")]
    id: Annotated[str, Field(description="Control id, e.g. S3.5 (FSBP) or SC-28(1) (NIST).")]

    @model_validator(mode="after")
    def _id_matches_framework(self) -> Control:
        if not _ID_FORMS[self.framework].match(self.id):
            raise ValueError(f"{self.id!r} is not a {self.framework.value} control id")
        return self


class RuleMeta(StrictModel):
    id: Annotated[str, Field(pattern=r"^(ENC|TAG|SEC)-\d{3}$", description="Stable rule id.")]
    name: Annotated[
        str,
        Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", description="Slug; the CrossGuard policy name."),
    ]
    description: Annotated[
        str,
        Field(min_length=10, max_length=200, pattern=r"^[^\n]+\.$", description="One sentence."),
    ]
    severity: Annotated[Severity, Field(description="Drives the default enforcement level.")]
    controls: Annotated[tuple[Control, ...], Field(min_length=1, description="Cited controls.")]
    remediation: Annotated[str, Field(min_length=10, description="How to fix a violation.")]
    resource_types: Annotated[
        tuple[str, ...], Field(min_length=1, description="Pulumi type tokens the rule judges.")
    ]
    scope_note: Annotated[str, Field(description="Catalog text replacing a long type list.")] = ""
    config_schema: Annotated[
        dict[str, dict[str, Any]],
        Field(description="JSON-schema properties of the rule config; each needs a default."),
    ] = {}

    @property
    def category(self) -> str:
        return {"ENC": "encryption", "TAG": "tagging", "SEC": "security"}[self.id[:3]]

    @property
    def enforcement(self) -> EnforcementLevel:
        """High and critical rules block deployments; lower severities only warn."""
        if self.severity in (Severity.HIGH, Severity.CRITICAL):
            return EnforcementLevel.MANDATORY
        return EnforcementLevel.ADVISORY

    def config_defaults(self) -> dict[str, Any]:
        return {key: spec["default"] for key, spec in self.config_schema.items()}


def fsbp(control_id: str) -> Control:
    return Control(framework=Framework.FSBP, id=control_id)


def nist(control_id: str) -> Control:
    return Control(framework=Framework.NIST, id=control_id)
