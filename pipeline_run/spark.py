"""One local Spark session per process, the Spark of AWS Glue 5.0 (PySpark 3.5, Java 17), shared
by every local Glue run: starting Spark is most of a run's cost."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
SPARK_CONF = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.driver.memory": "1g",
    "spark.driver.host": "127.0.0.1",
    "spark.driver.bindAddress": "127.0.0.1",
    "spark.sql.shuffle.partitions": "1",
    "spark.sql.session.timeZone": "UTC",
    # A short-lived JVM: the client compiler alone about halves Spark's cold start. Spark logs
    # errors only.
    "spark.driver.extraJavaOptions": (
        "-XX:TieredStopAtLevel=1"
        f" -Dlog4j2.configurationFile={Path(__file__).with_name('log4j2.properties').as_uri()}"
    ),
    # Python workers import the modules the job's closures refer to: the repository's, and
    # etl_job as a custom script imports it (the file the program ships beside such a script).
    "spark.executorEnv.PYTHONPATH": os.pathsep.join(
        (str(REPO_ROOT), str(REPO_ROOT / "runtime" / "glue"))
    ),
}


class SparkUnavailableError(RuntimeError):
    """PySpark or a Java runtime is missing; the message says what to install."""


@cache
def local_spark() -> Any:
    """The process's Spark session, started on first use."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as error:
        raise SparkUnavailableError(
            f"PySpark is missing ({error}): `make run-local` installs it with uv"
        ) from error
    java_home = os.environ.get("JAVA_HOME")
    java = str(Path(java_home, "bin", "java")) if java_home else shutil.which("java")
    if java is None or not Path(java).is_file():
        raise SparkUnavailableError("Java 17 is required for Spark: no JAVA_HOME, no java on PATH")
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    scratch = Path(tempfile.mkdtemp(prefix="spark-"))
    builder = SparkSession.builder.master("local[1]").appName("run-local")
    for key, value in {**SPARK_CONF, "spark.local.dir": str(scratch)}.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session
