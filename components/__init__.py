"""The platform's Pulumi components, one package per concern of the architecture diagram.

`storage` (key, lake, catalog), `pipelines` (one dataset's crawler, job, ingestion and state
machine), `warehouse` (network and Redshift), `operations` (alarms and dashboard) and `delivery`
(the CI/CD of a stack) each import only themselves and `shared`, the building blocks every
concern uses; `stack.py` wires them together.
"""
