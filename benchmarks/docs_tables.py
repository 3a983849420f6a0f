"""Write every suite's table into the results pages under docs/results/ from the suite's records
(benchmarks/records/<suite>.json), between the page's `<!-- <suite>-table -->` markers, and the
summary of benchmarks/summary.yaml and the defaults suite's env x algo matrix into the README
(`<!-- summary-table -->`, `<!-- matrix-table -->`), and every number of the prose written as a
fact (`<!-- fact SUITE/ROW KEY HOW -->...<!-- /fact -->`, benchmarks/facts.py).

    .venv/bin/python -m benchmarks.docs_tables           # rewrite the pages
    .venv/bin/python -m benchmarks.docs_tables --check   # exit 1 if a page differs from its records

Only records count (not run folders under benchmarks/results/, which are not in git), so a clean
checkout rebuilds every page byte for byte.
"""

from __future__ import annotations

import argparse
import re
from dataclasses import dataclass

from omegaconf import OmegaConf

from benchmarks import (
    ROOT,
    collection_speed,
    dac_speed,
    env_speed,
    experts,
    measurements,
    mujoco_speed,
)
from benchmarks.facts import FactError, render_facts
from benchmarks.suite_tables import (
    cell,
    earlier_record,
    load_records,
    provenance,
    record_matches,
    table,
    with_stochastic_score,
)
from benchmarks.suites import SUITES, Column
from gail_lab.io import atomic_write_text

PAGES = ROOT / "docs" / "results"
MARKER = re.compile(r"<!-- ([a-z_]+)-table -->\n.*?<!-- /\1-table -->", re.S)
NO_RUN_DIRS = ROOT / "no-run-dirs"  # records only
# A measurement record by name -> the module that makes it (and its TABLE)
MEASUREMENTS = {
    "env_speed": env_speed,
    "collection_speed": collection_speed,
    "dac_speed": dac_speed,
    "experts_mujoco": experts,
    "mujoco_speed": mujoco_speed,
}


@dataclass
class Line:
    """A line of the README's summary: rows of suites as `suite/row` (None: does not apply)."""

    task: str
    what: str
    metric: Column
    gail: str
    bc: str | None = None
    no_disc: str | None = None
    control: str | None = None


def summary_lines(path=ROOT / "benchmarks" / "summary.yaml") -> list[Line]:
    data = OmegaConf.to_container(OmegaConf.load(path))
    metrics = {name: Column(**c) for name, c in data["metrics"].items()}
    return [Line(**{**line, "metric": metrics[line["metric"]]}) for line in data["lines"]]


def summary_cell(where: str | None, metric: Column) -> str:
    """mean [CI] of one suite row's records; marked with its revision where it is older than
    its suite's, 'no record' where there is none."""
    if where is None:
        return "-"
    suite_name, name = where.split("/")
    suite = SUITES[suite_name]
    row = next(r for r in suite.rows if r.name == name)
    rec = load_records(suite_name).get(name)
    if record_matches(suite, row, rec):
        tag = ""
    elif earlier_record(suite, row, rec):
        tag = f" (rev. {rec.get('revision', 0)})"
    else:
        return "no record"
    runs = [with_stochastic_score(r) for r in rec["runs"].values()]
    partial = f" (n={len(runs)})" if len(runs) < len(row.seeds) else ""
    return cell([r.get(metric.key) for r in runs], metric) + partial + tag + provenance(runs)


def summary() -> str:
    lines = [
        "| task | GAIL row | GAIL | BC alone | no discriminator | random-data control |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for s in summary_lines():
        cells = [summary_cell(w, s.metric) for w in (s.gail, s.bc, s.no_disc, s.control)]
        lines.append(f"| {s.task} | {s.what} ({s.metric.header}) | " + " | ".join(cells) + " |")
    note = (
        "(rev. N): recorded before the suite's current code revision (see its page);"
        " (n=k): k of the 5 seeds recorded so far; (no commit: k) / (dirty: k): k of the"
        " runs name no code commit / ran on an uncommitted tree; -: not applicable or not run"
        " for this row."
    )
    return "\n".join([*lines, "", note])


def matrix() -> str:
    """The README's defaults matrix: env x algo -> the normalized score at the pair's defaults
    (mean over the seeds recorded), the success rate where the env has one, the random-data
    control where the recipe runs it."""
    suite, records = SUITES["defaults"], load_records("defaults")
    envs, algos = suite.matrix.envs, suite.matrix.algos
    lines = ["| env | " + " | ".join(algos) + " |", "| --- |" + " --- |" * len(algos)]
    for env in envs:
        cells = []
        for algo in algos:
            why = suite.matrix.refusal(env, algo)
            if why is not None:
                cells.append(f"refused ({why})")
                continue
            row = next(r for r in suite.rows if r.name == f"{env}__{algo}")
            rec = records.get(row.name)
            if not record_matches(suite, row, rec):
                cells.append("not run yet")
                continue
            runs = list(rec["runs"].values())

            def mean(key: str, runs: list[dict] = runs) -> float:
                return sum(r[key] for r in runs) / len(runs)

            text = f"{mean('normalized_score'):.2f}"
            if all(r.get("eval/success_rate") is not None for r in runs):
                text += f", {100 * mean('eval/success_rate'):.0f} % success"
            if all(r.get("control_normalized_score") is not None for r in runs):
                text += f" (control {mean('control_normalized_score'):.2f})"
            cells.append(text + (f" (n={len(runs)})" if len(runs) > 1 else ""))
        lines.append(f"| {env} | " + " | ".join(cells) + " |")
    note = (
        "Normalized score (R - R_random) / (R_expert - R_random), greedy, mean over the seeds "
        "run (n=5 for the pairs named above, else seed 0); details, env steps and wall times: "
        "[defaults matrix](docs/results/defaults.md)."
    )
    return "\n".join([*lines, "", note])


def anchors(suite) -> str:
    """The published scores a suite sets beside its own (its `anchors`): source x env."""
    envs = list(suite.anchors)
    sources = list(dict.fromkeys(src for by_src in suite.anchors.values() for src in by_src))
    lines = ["| published | " + " | ".join(envs) + " |", "| --- |" + " --- |" * len(envs)]
    for src in sources:
        cells = [f"{suite.anchors[e][src]:g}" if src in suite.anchors[e] else "-" for e in envs]
        lines.append(f"| {src} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def render(text: str, where: str = "page") -> str:
    """The page with each marked block replaced by its suite's table from the records, and each
    fact of its prose (benchmarks/facts.py) rewritten from its row's record."""

    def block(m: re.Match) -> str:
        name = m.group(1)
        if name == "summary":
            return f"<!-- summary-table -->\n{summary()}\n<!-- /summary-table -->"
        if name == "matrix":
            return f"<!-- matrix-table -->\n{matrix()}\n<!-- /matrix-table -->"
        if name in MEASUREMENTS:
            record, module = measurements.load(name), MEASUREMENTS[name]
            body = (
                measurements.table(record, module.TABLE)
                if record
                else f"No record yet: run python -m {module.__name__}."
            )
            return f"<!-- {name}-table -->\n{body}\n<!-- /{name}-table -->"
        if name.endswith("_anchors") and name.removesuffix("_anchors") in SUITES:
            body = anchors(SUITES[name.removesuffix("_anchors")])
            return f"<!-- {name}-table -->\n{body}\n<!-- /{name}-table -->"
        if name not in SUITES:
            known = ", ".join([*SUITES, *MEASUREMENTS, "summary", "matrix"])
            raise SystemExit(f"unknown table {name!r} in a results page (known: {known})")
        body = table(name, SUITES[name], NO_RUN_DIRS, load_records(name))
        body = body.split("\n", 2)[2].strip()  # drop the "# suite: ..." title line
        return f"<!-- {name}-table -->\n{body}\n<!-- /{name}-table -->"

    try:
        return render_facts(MARKER.sub(block, text), where)
    except FactError as err:
        raise SystemExit(str(err)) from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="compare, write nothing")
    args = parser.parse_args(argv)
    stale = []
    for page in [ROOT / "README.md", *sorted(PAGES.glob("*.md"))]:
        old = page.read_text()
        new = render(old, str(page.relative_to(ROOT)))
        if new != old:
            stale.append(page)
            if not args.check:
                atomic_write_text(page, new)
    for page in stale:
        print(
            f"{'differs from its records' if args.check else 'rewritten'}: {page.relative_to(ROOT)}"
        )
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    raise SystemExit(main())
