"""The access proof: every call the platform's run-time principals make, taken from the code,
the state machine definitions and the buildspecs the stacks declare, with the service side's
hidden needs, evaluated against the identity, resource and key policies the stacks declare."""
