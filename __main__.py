"""The data-platform Pulumi program: load the typed stack config, build the platform, export.

The config is validated before any resource is declared; `stack.py` wires the components.
"""

import pulumi

from stack import Platform
from stack_config.pulumi_source import load_stack_config

for name, value in Platform(load_stack_config()).build().items():
    pulumi.export(name, value)
