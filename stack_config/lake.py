"""Data-lake settings: zones, their classification and object lifecycle."""

from typing import Literal, Self

from pydantic import Field, model_validator

from stack_config.base import DataClassification, Days, ResourceName, StrictModel

StorageClass = Literal[
    "STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "GLACIER_IR", "GLACIER", "DEEP_ARCHIVE"
]

# S3 refuses transitions to the infrequent-access classes before an object is 30 days old, and
# objects must stay 30 days in those classes before a later transition moves them on.
_MIN_DAYS = {"STANDARD_IA": 30, "ONEZONE_IA": 30}
_MIN_STAY = {"STANDARD_IA": 30, "ONEZONE_IA": 30}

# The S3 lifecycle waterfall ("Transitioning objects using Amazon S3 Lifecycle", supported
# transitions): the classes a later transition may move objects on to from each class.
_NEXT: dict[str, tuple[str, ...]] = {
    "STANDARD_IA": ("INTELLIGENT_TIERING", "ONEZONE_IA", "GLACIER_IR", "GLACIER", "DEEP_ARCHIVE"),
    "INTELLIGENT_TIERING": ("ONEZONE_IA", "GLACIER_IR", "GLACIER", "DEEP_ARCHIVE"),
    "ONEZONE_IA": ("GLACIER", "DEEP_ARCHIVE"),
    "GLACIER_IR": ("GLACIER", "DEEP_ARCHIVE"),
    "GLACIER": ("DEEP_ARCHIVE",),
    "DEEP_ARCHIVE": (),
}

RAW_ZONE, CURATED_ZONE = "raw", "curated"
REQUIRED_ZONES = (RAW_ZONE, CURATED_ZONE)


class Transition(StrictModel):
    """Move current objects to a cheaper storage class after some days."""

    after_days: Days = Field(description="Object age in days at which the transition happens.")
    storage_class: StorageClass = Field(description="Target S3 storage class.")

    @model_validator(mode="after")
    def _respect_minimum_age(self) -> Self:
        """after_days is at least 30 for STANDARD_IA and ONEZONE_IA, S3's minimum."""
        minimum = _MIN_DAYS.get(self.storage_class, 0)
        if self.after_days < minimum:
            raise ValueError(
                f"after_days must be at least {minimum} for {self.storage_class}"
                f" (got {self.after_days})"
            )
        return self


class Lifecycle(StrictModel):
    """Lifecycle of a bucket's objects: transitions, expiry and old-version clean-up."""

    transitions: list[Transition] = Field(
        default_factory=list, description="Transitions in increasing order of after_days."
    )
    expiration_days: Days | None = Field(
        default=None, description="Delete current objects after this many days (none: keep)."
    )
    noncurrent_expiration_days: Days = Field(
        description="Delete non-current object versions after this many days."
    )

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        """Transitions have strictly increasing after_days and follow S3's storage-class
        waterfall (30 days in an IA class before moving on); expiration_days comes after the
        last transition."""
        days = [t.after_days for t in self.transitions]
        if days != sorted(set(days)):
            raise ValueError(f"transitions must have strictly increasing after_days (got {days})")
        for index in range(1, len(self.transitions)):
            _check_step(self.transitions[index - 1], self.transitions[index], index)
        if self.expiration_days is not None and days and self.expiration_days <= days[-1]:
            raise ValueError(
                f"expiration_days ({self.expiration_days}) must come after the last transition"
                f" ({days[-1]})"
            )
        return self


def _check_step(before: Transition, after: Transition, index: int) -> None:
    """`after` (transitions[index]) must move objects on from where `before` left them."""
    offending = f"transitions[{index}] ({after.storage_class} after {after.after_days} days)"
    allowed = _NEXT[before.storage_class]
    if after.storage_class not in allowed:
        onward = ", ".join(allowed) if allowed else "nothing"
        raise ValueError(
            f"{offending} cannot follow {before.storage_class}: S3 moves objects only down the"
            f" storage-class waterfall, from {before.storage_class} to {onward}"
        )
    stay = _MIN_STAY.get(before.storage_class, 0)
    if after.after_days - before.after_days < stay:
        raise ValueError(
            f"{offending} comes too soon: objects must stay at least {stay} days in"
            f" {before.storage_class} (from day {before.after_days}), so not before day"
            f" {before.after_days + stay}"
        )


class Zone(StrictModel):
    """One zone of the lake (raw, curated, ...): a bucket of its own."""

    name: ResourceName = Field(description="Zone name, used in resource names.")
    classification: DataClassification = Field(description="DataClassification of the zone.")
    lifecycle: Lifecycle = Field(description="Object lifecycle of the zone's bucket.")


class SupportBucket(StrictModel):
    """A bucket that serves the lake (access logs, artifacts) rather than holding datasets."""

    classification: DataClassification = Field(
        default="internal", description="DataClassification of the bucket."
    )
    lifecycle: Lifecycle = Field(description="Object lifecycle of the bucket.")


class LakeSettings(StrictModel):
    """The S3 data lake: zone buckets plus access-logs and artifacts buckets."""

    zones: list[Zone] = Field(min_length=2, description="Lake zones; must include raw and curated.")
    access_logs: SupportBucket = Field(
        description="Bucket receiving S3 server access logs; its lifecycle is the log retention."
    )
    artifacts: SupportBucket = Field(description="Bucket for Glue scripts and Lambda packages.")

    @model_validator(mode="after")
    def _zones_unique_and_complete(self) -> Self:
        """Zone names are unique and include raw and curated."""
        names = [zone.name for zone in self.zones]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"zone names must be unique; repeated: {', '.join(duplicates)}")
        missing = [zone for zone in REQUIRED_ZONES if zone not in names]
        if missing:
            raise ValueError(f"zones must include {', '.join(REQUIRED_ZONES)}; missing: {missing}")
        return self
