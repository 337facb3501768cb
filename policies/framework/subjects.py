"""The resource a rule judges (`Subject`) and the stack-wide joins stack rules may use.

Joins follow `property_dependencies` only: a companion resource belongs to a bucket because its
`bucket` input was computed from that bucket, never because two id strings happen to match.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pulumi_policy import PolicyProviderResource, PolicyResource, ResourceValidationArgs

from policies.framework.values import plain


@dataclass(frozen=True)
class Subject:
    type: str
    name: str
    urn: str
    props: dict[str, Any]
    provider_props: dict[str, Any] | None = None
    deps: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"{self.type} '{self.name}'"

    @classmethod
    def of_args(cls, args: ResourceValidationArgs) -> Subject:
        return cls(
            args.resource_type,
            args.name,
            args.urn,
            plain(args.props),
            _provider_props(args.provider),
        )

    @classmethod
    def of_resource(cls, resource: PolicyResource) -> Subject:
        deps = {
            prop: tuple(dep.urn for dep in dependencies)
            for prop, dependencies in resource.property_dependencies.items()
        }
        return cls(
            resource.resource_type,
            resource.name,
            resource.urn,
            plain(resource.props),
            _provider_props(resource.provider),
            deps,
        )


def _provider_props(provider: PolicyProviderResource | None) -> dict[str, Any] | None:
    return None if provider is None else plain(provider.props)


class StackView:
    """All resources of one AnalyzeStack call, as subjects, with dependency-based joins."""

    def __init__(self, resources: Iterable[PolicyResource]) -> None:
        self.subjects = [Subject.of_resource(r) for r in resources]
        self._by_urn = {s.urn: s for s in self.subjects}

    def of_type(self, types: Iterable[str]) -> list[Subject]:
        wanted = set(types)
        return [s for s in self.subjects if s.type in wanted]

    def referenced(self, subject: Subject, prop: str) -> list[Subject]:
        """Resources that `subject`'s input `prop` was computed from."""
        return [self._by_urn[u] for u in subject.deps.get(prop, ()) if u in self._by_urn]

    def referencing(self, subject: Subject, type_: str, prop: str) -> list[Subject]:
        """Resources of `type_` whose input `prop` was computed from `subject`."""
        return [s for s in self.subjects if s.type == type_ and subject.urn in s.deps.get(prop, ())]
