"""Any Pulumi Python program run as `pulumi preview` runs it, in a child process, offline.

`loader` reads the project and stack files as the CLI does; `runner` starts the program under the
language host's protocol (`host`) against a resource monitor of ours (`monitor`), which answers
as the engine answers a preview (values AWS computes are unknown), answers data sources
(`answers`) and records every registration; `outcome` says how the program ended, and only the
SDK's orderly shutdown counts as completion; `inputs` checks inputs against the SDK's typed Args.
"""
