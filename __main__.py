"""The data-platform Pulumi program: load the typed stack config, build the platform (or, in the
delivery stack, the release pipeline), export.

The config is validated before any resource is declared; `stack.py` wires the platform's
components, `release_stack.py` the release's.
"""

import pulumi

from release_stack import ReleaseStack
from stack import Platform
from stack_config.pulumi_source import is_release, load_release_config, load_stack_config

outputs = (
    ReleaseStack(*load_release_config()).build()
    if is_release()
    else Platform(load_stack_config()).build()
)
for name, value in outputs.items():
    pulumi.export(name, value)
