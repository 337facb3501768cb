"""The Glue job's Spark curation equals its row functions: random batches of records (every
column type, every row rule, unique-key, null_on_cast_failure, ties on the order column) go
through `annotate` and through `curate_records`, and give the same curated rows, reject records
and counts.

Hypothesis generates a bounded number of batches first; Spark then curates all of them in one
plan, each batch kept apart by its example id, so the test costs one Spark job, not one per
example.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, date, datetime
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from runtime.glue.etl_job import (
    MALFORMED_CSV,
    PARTITION_COLUMN,
    WHITESPACE,
    Curation,
    RejectRecord,
    SourceRecord,
    annotate,
    build_spec,
    configure_session,
    counts_frame,
    curate_records,
    curated_frame,
    rejects_frame,
)

RUN_DATE = date(2024, 6, 1)
EXAMPLES = 80
EXPECTATIONS = {
    "rows": [
        {"kind": "range", "column": "amount", "min": 0, "max": 500.5},
        {"kind": "range", "column": "qty", "min": -3},
        {"kind": "allowed-values", "column": "code", "values": ["A", "B", "c d"]},
        {"kind": "pattern", "column": "tenant", "regex": "[a-z]+[0-9]?"},
        {"kind": "not-null", "column": "score"},
        {"kind": "not-null", "column": "id"},
        {"kind": "unique-key"},
    ],
    "null_on_cast_failure": ["qty", "day", "score"],
    "batch": {},
}
SPEC = build_spec(
    {
        "required_columns": "tenant,id,seen,amount",
        "optional_columns": "score,active,day,code,qty,note",
        "key_columns": "tenant,id",
        "order_column": "seen",
        "column_types": (
            "id:int,seen:timestamp,amount:decimal(10,2),score:float,active:bool,day:date,qty:int"
        ),
        "partition_source_column": "seen",
        "expectations": json.dumps(EXPECTATIONS),
    }
)

padding = st.sampled_from(["", "", "", " ", "\t", " \n", "\u00a0", "\x0b"])


def _padded(values: st.SearchStrategy[str]) -> st.SearchStrategy[str | None]:
    padded = st.tuples(padding, values, padding).map("".join)
    return st.one_of(st.none(), st.just(""), padded)


INTS = st.one_of(
    st.sampled_from(
        ["0", "-0", "+5", "007", "42.0", "42.", "42.5", "1,000", "1e3", "abc", "\u0663", "1_0"]
    ),
    st.sampled_from(["9223372036854775807", "9223372036854775808", "-9223372036854775809"]),
    st.integers(-(2**65), 2**65).map(str),
)
FLOATS = st.one_of(
    st.sampled_from(["19.90", "20", ".5", "5.", "-0", "1e999", "1e-400", "nan", "inf", "1,000.50"]),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.from_regex(r"[+-]?[0-9]{0,3}\.?[0-9]{0,3}([eE][+-]?[0-9]{1,3})?", fullmatch=True),
)
DECIMALS = st.one_of(
    st.sampled_from(
        [
            "1.005",
            "-0.001",
            "0e40",
            "0e30",
            "99999999.995",
            "99999999.994",
            "1e-9999",
            "1e99999",
            "12",
        ]
    ),
    st.decimals(allow_nan=False, allow_infinity=False, places=4).map(str),
    st.from_regex(r"[+-]?[0-9]{0,9}\.?[0-9]{0,4}([eE][+-]?[0-9]{1,5})?", fullmatch=True),
)
BOOLS = st.sampled_from(["yes", "Y", "TRUE", "t", "0", "1", "No", "maybe", "\u0131", "K"])
DATES = st.one_of(
    st.sampled_from(["2024-02-29", "2023-02-29", "0000-01-01", "0001-01-01", "2024-1-5"]),
    st.sampled_from(["2024-W01-1", "20240131", "9999-12-31", "1500-03-01", "2024-13-01"]),
    st.dates().map(date.isoformat),
)
OFFSETS = st.sampled_from(["", "", "Z", "+02:00", "-05:30", "+18:00", "-18:00", "+18:30", "+0200"])
TIMES = st.sampled_from(
    ["", "T10:00", " 10:00:00", "T23:59:59.5", "T24:00:00", "T10:61", "T01:02:03.1234567"]
)
TIMESTAMPS = st.one_of(
    st.tuples(DATES, TIMES, OFFSETS).map("".join),
    st.sampled_from(["2024-05-01T10:00:00Z", "2024-05-01T10:00:00Z", "0001-01-01T00:30:00+01:00"]),
    st.sampled_from(["9999-12-31T23:30:00-01:00", "yesterday", "2024-05-01T10:00:00.000000Z"]),
)
STRINGS = st.text(alphabet=st.sampled_from("abAB9 _-\t\n\u00e9\u2028z"), max_size=6)
# Each column: mostly values its rules accept, sometimes anything of its kind (padded, blank or
# absent), so a fair share of rows is curated and every way of failing shows up.
VALID: dict[str, st.SearchStrategy[str]] = {
    "tenant": st.sampled_from(["a", "b", "a1"]),
    "id": st.integers(1, 9).map(str),
    "seen": st.sampled_from(["2024-05-01T10:00:00Z", "2024-05-01 12:00:00+02:00", "2024-05-03"]),
    "amount": st.sampled_from(["10", "10.00", "0.005", "500.5"]),
    "score": st.sampled_from(["1.5", "-0", "2e3"]),
    "active": st.sampled_from(["yes", "n"]),
    "day": st.sampled_from(["2024-02-29", "1500-03-01"]),
    "code": st.sampled_from(["A", "c d"]),
    "qty": st.sampled_from(["7", "-3", "42.0"]),
    "note": STRINGS,
}
ANY: dict[str, st.SearchStrategy[str]] = {
    "tenant": st.sampled_from(["a", "b", "a1", "A", "a b"]),
    "id": st.sampled_from(["1", "2", "2.0", "x", "3"]),
    "seen": TIMESTAMPS,
    "amount": st.one_of(st.sampled_from(["600", "-1"]), DECIMALS),
    "score": FLOATS,
    "active": BOOLS,
    "day": DATES,
    "code": st.sampled_from(["A", "B", "c d", "a", "C"]),
    "qty": INTS,
    "note": STRINGS,
}


def _mostly_valid(column: str) -> st.SearchStrategy[str | None]:
    def pick(choice: int) -> st.SearchStrategy[str | None]:
        return _padded(ANY[column]) if choice == 5 else VALID[column]

    return st.integers(0, 5).flatmap(pick)


VALUES: dict[str, st.SearchStrategy[str | None]] = {
    column: _mostly_valid(column) for column in VALID
}
REPEATED = {
    "tenant": st.sampled_from(["a", " b"]),
    "id": st.sampled_from(["1", "2.0"]),
    "seen": st.sampled_from(["2024-05-01T10:00:00Z", "2024-05-01 12:00:00+02:00", "2024-05-02"]),
}


@st.composite
def batches(draw: st.DrawFn) -> list[SourceRecord]:
    """Records of up to three files, numbered within each file; now and then malformed; keys and
    order values often repeated (a batch draws them from a small pool)."""
    records: list[SourceRecord] = []
    numbers: Counter[str] = Counter()
    pool = draw(st.lists(st.fixed_dictionaries(REPEATED), min_size=1, max_size=3))
    sources = ["s3://raw/f1.csv", "s3://raw/f2.csv", "s3://raw/f3.csv"][: draw(st.integers(1, 3))]
    for _ in range(draw(st.integers(0, 9))):
        source = draw(st.sampled_from(sources))
        numbers[source] += 1
        values = {column: draw(strategy) for column, strategy in VALUES.items()}
        if draw(st.integers(0, 2)) == 2:
            values.update(draw(st.sampled_from(pool)))
        malformed = draw(st.sampled_from([None] * 12 + [MALFORMED_CSV]))
        records.append(SourceRecord(source, numbers[source], values, malformed))
    return records


def _generated() -> list[list[SourceRecord]]:
    found: list[list[SourceRecord]] = []

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(batches())
    def collect(batch: list[SourceRecord]) -> None:
        found.append(batch)

    collect()
    return found


def _utc(value: object) -> object:
    # PySpark hands timestamps back as naive local datetimes.
    return value.astimezone(UTC) if isinstance(value, datetime) else value


def _spark_curation(spark: Any, examples: list[list[SourceRecord]]) -> dict[int, Curation]:
    columns = list(SPEC.columns)
    rows = [
        (index, r.source, r.number, r.malformed, r.malformed_text, *(r.values[c] for c in columns))
        for index, batch in enumerate(examples)
        for r in batch
    ]
    schema = ", ".join(
        [
            "_example int, _source string, _record long, _malformed string",
            "_malformed_text string",
            *(f"{c} string" for c in columns),
        ]
    )
    annotated = annotate(spark.createDataFrame(rows, schema), SPEC, RUN_DATE, ("_example",))
    annotated = annotated.cache()
    result = {i: Curation([], [], {}, {}, 0) for i in range(len(examples))}
    for row in curated_frame(annotated, SPEC, RUN_DATE, ("_example",)).collect():
        values = row.asDict()
        result[values.pop("_example")].curated.append({k: _utc(v) for k, v in values.items()})
    for row in rejects_frame(annotated, ("_example",)).collect():
        values = row.asDict()
        result[values.pop("_example")].rejects.append(RejectRecord(**values))
    for row in counts_frame(annotated, ("_example",)).collect():
        curation = result[row["_example"]]
        curation.read[row["_source"]] = row["read"]
        if row["rejected"]:
            curation.rejected[row["_source"]] = row["rejected"]
        curation.superseded += row["superseded"]
    annotated.unpersist()
    return result


def _comparable(curation: Curation) -> tuple[object, ...]:
    def key(row: dict[str, object]) -> str:
        return repr([row[c] for c in [*SPEC.columns, PARTITION_COLUMN]])

    return (
        sorted(curation.curated, key=key),
        sorted(curation.rejects, key=repr),
        curation.read,
        curation.rejected,
        curation.superseded,
    )


def test_the_spark_curation_is_the_row_functions(spark: Any) -> None:
    configure_session(spark)
    examples = _generated()
    assert len(examples) == EXAMPLES
    assert sum(map(len, examples)) > 3 * EXAMPLES, "batches of several records"
    curated = _spark_curation(spark, examples)
    checked = 0
    for index, batch in enumerate(examples):
        expected = curate_records(batch, SPEC, RUN_DATE)
        assert _comparable(curated[index]) == _comparable(expected), batch
        checked += len(batch)
    # The generated batches exercise every outcome.
    specified = [curate_records(batch, SPEC, RUN_DATE) for batch in examples]
    rules = {r.rule for c in specified for r in c.rejects}
    assert rules == {"malformed", "cast", "required", "range", "allowed-values", "pattern"} | {
        "not-null",
        "unique-key",
    }
    assert sum(len(c.curated) for c in specified) > EXAMPLES // 2
    assert sum(c.superseded for c in specified) > 0
    assert any("kept as NULL" in r.reason for c in specified for r in c.rejects)
    assert checked == sum(map(len, examples))


def test_trimming_is_ascii_whitespace_only() -> None:
    # The rule the Spark path's btrim shares: no-break space is data, not padding.
    assert WHITESPACE == " \t\n\r\x0b\x0c"
