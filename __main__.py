"""The data-platform Pulumi program: load the typed stack config, build the platform (or, in the
delivery stack, the release pipeline), export.

The config is validated before any resource is declared; `stack.py` wires the platform's
components, `release_stack.py` the release's.
"""

import pulumi

from stack_config.pulumi_source import is_release, load_release_config, load_stack_config

# Each stack imports only its own components (and the pulumi_aws modules they load).
if is_release():
    from release_stack import ReleaseStack

    outputs = ReleaseStack(*load_release_config()).build()
else:
    from stack import Platform

    outputs = Platform(load_stack_config()).build()
for name, value in outputs.items():
    pulumi.export(name, value)
