"""CrossGuard policy pack `data-platform-guardrails`: rules, framework, registry and catalog."""
