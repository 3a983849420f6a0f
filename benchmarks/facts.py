"""Numbers in the results pages' prose, generated from the records as the tables are: a fact is
written in a page as

    <!-- fact SUITE/ROW KEY HOW [pct] -->TEXT<!-- /fact -->

and `python -m benchmarks.docs_tables` rewrites TEXT from the row's record (the one made with
the row's overrides, at its current revision or an older one: the prose says which), so the
prose cannot drift from the records (`--check` fails where it has). KEY is a key of the runs'
results (a column of the suite's table, or any key of the records); HOW is one of

    mean     the mean over the recorded seeds
    ci       the mean with its 95 % bootstrap CI, as the tables' cells: 0.97 [0.96, 0.99]
    seeds    each seed's value, in seed order: 322, 333, 369
    range    the smallest and largest value: 1550 to 2388
    min, max the smallest or the largest value
    n        how many seeds are recorded
    all      each seed's value if they differ, one value if all seeds agree
    at_most:X, at_least:X
             how many seeds have a value <= X (>= X), of how many: "8 of 10" (X on the
             value's own scale, a fraction for pct)

`pct` shows a fraction as a percentage (x 100, no decimals); otherwise a value has the format of
the suite's column for KEY, or the shortest of {:g} at 3 significant digits.

A number of a measurement record (benchmarks/records/<name>.json with `rows`, as
benchmarks/dac_speed.py writes) is written

    <!-- fact record:NAME/FIELD=VALUE[,FIELD=VALUE] KEY [FORMAT] -->TEXT<!-- /fact -->

the KEY of the one row whose FIELDs have those VALUEs, formatted with FORMAT (a format spec: `.0f`, `,.0f`;
default `g`).

A number of a tuning-probe record (benchmarks/records/<name>.json with `runs`, each named by
`probe` and holding its `training_evaluations` as [env step, value] pairs) is written

    <!-- fact probe:NAME/PROBE KEY [FORMAT] -->TEXT<!-- /fact -->

KEY one of

    first_at_least:X   the env step of the first training evaluation >= X ("not reached")
    value_first_at_least:X   that evaluation's value
    held_from:X        the env step from which every training evaluation is >= X ("never")
    last_step, last_value    the last training evaluation (a probe stopped early ends there)
    finished           "yes" or "no (stopped at STEP)"
    any other key      of the probe's record (normalized_score, success_rate)
"""

from __future__ import annotations

import math
import re

from benchmarks import measurements
from benchmarks.suite_tables import cell, load_records, row_command, with_stochastic_score
from benchmarks.suites import SUITES, Column, Suite

FACT = re.compile(r"<!-- fact ([^>]*?) -->(.*?)<!-- /fact -->", re.S)
HOWS = ("mean", "ci", "seeds", "range", "min", "max", "n", "all", "at_most", "at_least")


class FactError(ValueError):
    pass


def render_facts(text: str, where: str = "page") -> str:
    """The page with every fact's text rewritten from its record."""

    def one(m: re.Match) -> str:
        spec = m.group(1).strip()
        try:
            value = fact(spec)
        except FactError as err:
            raise FactError(f"{where}: fact '{spec}': {err}") from None
        return f"<!-- fact {spec} -->{value}<!-- /fact -->"

    return FACT.sub(one, text)


def fact(spec: str) -> str:
    """The text of one fact spec ('SUITE/ROW KEY HOW [pct]' or 'record:NAME/FIELD=VALUE KEY
    [FORMAT]')."""
    if spec.startswith("record:"):
        return record_fact(spec)
    if spec.startswith("probe:"):
        return probe_fact(spec)
    parts = spec.split()
    if len(parts) not in (3, 4) or "/" not in parts[0] or parts[3:] not in ([], ["pct"]):
        raise FactError("expected 'SUITE/ROW KEY HOW [pct]'")
    (suite_name, row_name), key, how = parts[0].split("/", 1), parts[1], parts[2]
    bound = None
    if how.startswith(("at_most:", "at_least:")):
        how, bound = split_bound(how)
    if how not in HOWS:
        raise FactError(f"unknown HOW {how!r} (one of {', '.join(HOWS)})")
    if suite_name not in SUITES:
        raise FactError(f"unknown suite {suite_name!r} (one of {', '.join(sorted(SUITES))})")
    suite = SUITES[suite_name]
    rows = {r.name: r for r in suite.rows}
    if row_name not in rows:
        raise FactError(f"suite {suite_name} has no row {row_name!r}")
    row = rows[row_name]
    rec = load_records(suite_name).get(row_name)
    if rec is None or rec["overrides"] != row_command(suite, row):
        raise FactError("no record made with the row's overrides")
    runs = [with_stochastic_score(r) for r in rec["runs"].values()]
    if how == "n":
        return str(len(runs))
    if not any(key in r for r in runs):
        raise FactError(f"no recorded run has {key!r}")
    values = [r.get(key) for r in runs]
    if bound is not None:
        ok = [
            v for v in values if v is not None and (v <= bound if how == "at_most" else v >= bound)
        ]
        return f"{len(ok)} of {len(values)}"
    col = column(suite, key, pct=len(parts) == 4)
    got = [v * col.scale for v in values if v is not None and math.isfinite(v)]
    if not got and how not in ("ci", "seeds"):  # a steps-to-target no seed reached
        return f"not reached (0/{len(values)})"

    def f(v: float) -> str:
        return col.fmt.format(v)

    if how == "ci":
        return cell(values, col)
    if how == "mean":
        return f(sum(got) / len(got))
    if how == "seeds":
        return ", ".join("-" if v is None else f(v * col.scale) for v in values)
    if how == "range":
        return f"{f(min(got))} to {f(max(got))}"
    if how == "min":
        return f(min(got))
    if how == "max":
        return f(max(got))
    shown = [f(v) for v in got]  # all
    return shown[0] if len(set(shown)) == 1 else ", ".join(shown)


def record_fact(spec: str) -> str:
    """A number of a measurement record's row: 'record:NAME/FIELD=VALUE KEY [FORMAT]'."""
    parts = spec.removeprefix("record:").split()
    if len(parts) not in (2, 3) or "/" not in parts[0] or "=" not in parts[0]:
        raise FactError("expected 'record:NAME/FIELD=VALUE KEY [FORMAT]'")
    name, select = parts[0].split("/", 1)
    try:
        wanted = dict(pair.split("=", 1) for pair in select.split(","))
    except ValueError:
        raise FactError(f"expected FIELD=VALUE[,FIELD=VALUE...], got {select!r}") from None
    record = measurements.load(name)
    if record is None:
        raise FactError(f"no measurement record benchmarks/records/{name}.json")
    rows = [r for r in record.get("rows", []) if all(str(r.get(f)) == v for f, v in wanted.items())]
    if len(rows) != 1:
        raise FactError(f"{len(rows)} rows of {name} have {select} (need one)")
    if parts[1] not in rows[0]:
        raise FactError(f"the row {select} of {name} has no {parts[1]!r}")
    return formatted(rows[0][parts[1]], parts[2] if len(parts) == 3 else "g")


def formatted(value, spec: str) -> str:
    """``value`` under the format spec of a fact (a FactError naming the spec where it fails)."""
    try:
        return format(value, spec)
    except (ValueError, TypeError) as err:
        raise FactError(f"format {spec!r}: {err}") from None


def split_bound(word: str) -> tuple[str, float]:
    """'at_least:0.9' -> ('at_least', 0.9)."""
    head, _, x = word.partition(":")
    try:
        return head, float(x)
    except ValueError:
        raise FactError(f"{head}: {x!r} is not a number") from None


def probe_fact(spec: str) -> str:
    """A number of a tuning probe: 'probe:NAME/PROBE KEY [FORMAT]'."""
    parts = spec.removeprefix("probe:").split()
    if len(parts) not in (2, 3) or "/" not in parts[0]:
        raise FactError("expected 'probe:NAME/PROBE KEY [FORMAT]'")
    name, probe = parts[0].split("/", 1)
    key, spec_format = parts[1], (parts[2] if len(parts) == 3 else "g")
    record = measurements.load(name)
    if record is None or not isinstance(record.get("runs"), list):
        raise FactError(f"no probe record benchmarks/records/{name}.json (with runs)")
    runs = [r for r in record["runs"] if r.get("probe") == probe]
    if len(runs) != 1:
        raise FactError(f"{len(runs)} probes of {name} are named {probe!r} (need one)")
    run, curve = runs[0], runs[0].get("training_evaluations") or []

    def f(v) -> str:
        return formatted(v, spec_format)

    if key.startswith(("first_at_least:", "value_first_at_least:")):
        head, bound = split_bound(key)
        hit = next(((s, v) for s, v in curve if v is not None and v >= bound), None)
        if hit is None:
            return "not reached"
        return f(hit[0] if head == "first_at_least" else hit[1])
    if key.startswith("held_from:"):
        bound = split_bound(key)[1]
        start = None
        for step, v in curve:
            if v is None or v < bound:
                start = None
            elif start is None:
                start = step
        return "never" if start is None else f(start)
    if key in ("last_step", "last_value"):
        if not curve:
            raise FactError(f"probe {probe!r} of {name} has no training evaluations")
        return f(curve[-1][0] if key == "last_step" else curve[-1][1])
    if key == "finished":
        return (
            "yes" if run.get("finished") else f"no (stopped at {f(curve[-1][0]) if curve else 0})"
        )
    if run.get(key) is None:
        raise FactError(f"probe {probe!r} of {name} has no {key!r}")
    return f(run[key])


def column(suite: Suite, key: str, pct: bool) -> Column:
    if pct:
        return Column(key, key, fmt="{:.0f}", scale=100)
    for c in suite.columns:
        if c.key == key:
            return c
    return Column(key, key, fmt="{:.3g}")
