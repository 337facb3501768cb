"""The state backend bootstrap: a separate Pulumi project (`data-platform-bootstrap`)."""
