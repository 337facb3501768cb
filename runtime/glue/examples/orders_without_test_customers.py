"""An example custom Glue script: the standard curation of `runtime/glue/etl_job.py`, then the
orders of internal test customers (customer ids below 1000) left out.

A pipeline runs it with `glue.script: runtime/glue/examples/orders_without_test_customers.py`.
The program ships `etl_job.py` next to any custom script (`--extra-py-files`), which is the
`etl_job` this script imports, in Glue and under `make run-local` alike. See
docs/transformations.md.
"""

from typing import Any

from etl_job import main  # type: ignore[import-not-found]  # shipped beside this script

FIRST_REAL_CUSTOMER = 1000


def transform(curated: Any) -> Any:
    """Rows stay or go; the declared columns stay as they are (the job checks)."""
    return curated.where(curated.customer_id >= FIRST_REAL_CUSTOMER)


if __name__ == "__main__":
    main(transform)
