"""Records and tables of the benchmark suites: each finished run's flattened results kept in
`benchmarks/records/<suite>.json` (in git), and a suite's markdown table built from run dirs and
records (mean [95 % CI] per cell, the exact command of every row)."""

from __future__ import annotations

import importlib
import itertools
import json
import math
import statistics
from pathlib import Path

from benchmarks import RECORDS, ROOT, measurements
from benchmarks.suites import Column, Row, Suite
from gail_lab.io import atomic_write_text
from gail_lab.report import IQM_MIN_RUNS, estimate
from gail_lab.tasks.evaluate import normalized_score


def run_dirs(out: Path) -> list[Path]:
    return sorted(p.parent.parent for p in out.glob("*/.hydra/config.yaml"))


def row_command(suite: Suite, row: Row) -> list[str]:
    """The overrides a row's runs get (besides seed, logging and the sweep dir)."""
    return [*suite.common, *row.overrides]


def load_records(suite_name: str) -> dict:
    path = RECORDS / f"{suite_name}.json"
    return json.loads(path.read_text()) if path.is_file() else {}


def save_records(suite_name: str, suite: Suite, base: Path) -> dict:
    """Add every finished run under `base` to the suite's record file (atomically) and return
    the records: {row: {"overrides": [...], "runs": {seed: results}}}."""
    records = load_records(suite_name)
    changed = False
    for row in suite.rows:
        finished = {
            d.name: results(d) for d in run_dirs(base / row.name) if (d / "summary.json").is_file()
        }
        if not finished:
            continue
        overrides = row_command(suite, row)
        rec = records.get(row.name)
        if not record_matches(suite, row, rec):
            rec = records[row.name] = {"overrides": overrides, "runs": {}}
            if suite.revision_of(row):
                rec["revision"] = suite.revision_of(row)
        for seed, res in finished.items():
            if rec["runs"].get(seed) != res:
                rec["runs"][seed] = res
                changed = True
        rec["runs"] = dict(sorted(rec["runs"].items(), key=lambda kv: int(kv[0])))
    if changed:
        text = json.dumps(records, indent=1, sort_keys=True) + "\n"
        atomic_write_text(RECORDS / f"{suite_name}.json", text)
    return records


def record_matches(suite: Suite, row: Row, rec: dict | None) -> bool:
    """A row's record counts while it was made with the row's overrides at the row's revision."""
    return (
        rec is not None
        and rec["overrides"] == row_command(suite, row)
        and rec.get("revision", 0) == suite.revision_of(row)
    )


def earlier_record(suite: Suite, row: Row, rec: dict | None) -> dict | None:
    """The row's record if it was made with its overrides at an older revision (shown apart)."""
    if rec is None or rec["overrides"] != row_command(suite, row):
        return None
    return rec if rec.get("revision", 0) < suite.revision_of(row) else None


def row_results(suite: Suite, row: Row, base: Path, records: dict) -> tuple[list[dict], int]:
    """The row's finished runs' results by seed (run dirs first, then the record if it was
    made with the row's current overrides) and how many runs were started."""
    started = run_dirs(base / row.name)
    found = {d.name: results(d) for d in started if (d / "summary.json").is_file()}
    rec = records.get(row.name)
    if record_matches(suite, row, rec):
        for seed, res in rec["runs"].items():
            found.setdefault(seed, with_stochastic_score(res))
    seeds = sorted(found, key=int)
    return [found[s] for s in seeds], max(len(started), len(found))


def results(run_dir: Path) -> dict:
    """summary.json merged with the stages' summary.json, nested keys flattened with dots (the
    random-data control's run, in control/, is a run of its own: its score is the summary's
    control_normalized_score)."""
    merged: dict = {}
    stages = [f for f in sorted(run_dir.glob("*/summary.json")) if f.parent.name != "control"]
    for f in [run_dir / "summary.json", *stages]:
        merged.update(json.loads(f.read_text()))
    roots = [ROOT, *(d.parent for d in run_dir.parents if d.name == "benchmarks")]
    flat = {k: portable(v, roots) for k, v in flatten(merged).items()}
    return with_stochastic_score(flat | training_curves(run_dir / "imitate" / "metrics.jsonl"))


# The training evaluations a record keeps of each run, so that learning curves rebuild from the
# records (benchmarks/record_curves.py) as the tables do: env steps as `curve.steps`, each key
# the run logged as `curve.<key>`, and the median interval between evaluations as
# `curve.eval_every` (tables show it beside steps to a target).
CURVE_KEYS = ("eval/return_mean", "eval/success_rate")


def training_curves(metrics: Path) -> dict:
    """`curve.steps` and `curve.<key>` of the run's training evaluations (metrics.jsonl), or
    nothing where the run logged none (BC's evaluations count gradient steps: kept the same)."""
    if not metrics.is_file():
        return {}
    rows = [r for r in measurements.metrics(metrics) if CURVE_KEYS[0] in r]
    if not rows:
        return {}
    steps = [r["global_step"] for r in rows]
    out = {"curve.steps": steps}
    if len(steps) > 1:  # steps to a target bound each other only to this interval
        out["curve.eval_every"] = statistics.median(b - a for a, b in itertools.pairwise(steps))
    for key in CURVE_KEYS:
        if all(key in r for r in rows):
            out[f"curve.{key}"] = [r[key] for r in rows]
    return out


def flatten(d: dict, prefix: str = "") -> dict:
    """Nested keys joined with dots (``wall_time_s.imitate``, ``variants.wide.success_rate``)."""
    flat: dict = {}
    for k, v in d.items():
        if isinstance(v, dict):
            flat.update(flatten(v, f"{prefix}{k}."))
        else:
            flat[f"{prefix}{k}"] = v
    return flat


def portable(value, roots=(ROOT,)):
    """A path inside the repo (this checkout, or the one whose benchmarks/results holds the run)
    as a path relative to it: records name artifacts by content hash and repo path, not by where
    the machine that ran them kept its checkout."""
    if isinstance(value, str) and value.startswith("/"):
        for root in roots:
            try:
                return str(Path(value).relative_to(root))
            except ValueError:
                continue
    return value


def with_stochastic_score(res: dict) -> dict:
    """Runs from before the summary held `normalized_score_stochastic`: the same formula
    (gail_lab.tasks.evaluate.normalized_score) on the stochastic return they did record."""
    keys = ("imitation_return_stochastic", "expert_return", "random_return")
    if "normalized_score_stochastic" not in res and all(res.get(k) is not None for k in keys):
        ret, expert, rnd = (res[k] for k in keys)
        res = res | {"normalized_score_stochastic": normalized_score(ret, expert, rnd)}
    return res


def cell(values: list, col: Column) -> str:
    """mean [95 % CI] over the seeds with a value; 'n/r x/5' when some runs never reached it."""
    got = [v * col.scale for v in values if v is not None and math.isfinite(v)]
    if not got and col.absent is not None and all(v is None for v in values):
        return col.absent
    if not got:
        return f"not reached (0/{len(values)})" if values else "-"
    e = estimate(got, "mean", 0.95, 10_000, 0)
    text = col.fmt.format(e.value)
    if e.high > e.low:
        text += f" [{col.fmt.format(e.low)}, {col.fmt.format(e.high)}]"
    if len(got) < len(values):
        text += f" ({len(got)}/{len(values)} reached)"
    return text


def _table_lines(suite: Suite, rows: list[Row], by_row: dict) -> tuple[list[str], list[str]]:
    """A markdown table of `rows` (one line each) and the command of every row with results."""
    lines = [
        "| row | n | " + " | ".join(c.header for c in suite.columns) + " |",
        "| --- | --- | " + " | ".join("---" for _ in suite.columns) + " |",
    ]
    commands = []
    for row in rows:
        seeds = ",".join(map(str, row.seeds))
        res, started = by_row[row.name]
        if not res:
            if started:
                what = f"unfinished ({started} started: running or crashed; {row.name}.log)"
                lines.append(
                    f"| {row.what} | 0 | " + " | ".join(what for _ in suite.columns) + " |"
                )
            continue
        cells = [cell([r.get(c.key) for r in res], c) for c in suite.columns]
        n = f"{len(res)}" + (f" ({started - len(res)} unfinished)" if started > len(res) else "")
        n += provenance(res)
        lines.append(f"| {row.what} | {n} | " + " | ".join(cells) + " |")
        commands.append(
            f"- {row.what}: `python run.py -m seed={seeds} {' '.join(suite.common + row.overrides)}`"
        )
    return lines, commands


def provenance(runs: list[dict]) -> str:
    """' (no commit: k)' / ' (dirty: k)' for runs that name no code commit (made before runs
    recorded theirs) or ran on a tree with uncommitted changes; '' where every run is clean."""
    none = sum(1 for r in runs if not r.get("code.commit"))
    dirty = sum(1 for r in runs if r.get("code.commit") and r.get("code.dirty"))
    return (f" (no commit: {none})" if none else "") + (f" (dirty: {dirty})" if dirty else "")


PROVENANCE_NOTE = (
    "n: the seeds recorded; (no commit: k): k of them name no code commit (made before runs "
    "recorded one); (dirty: k): k ran on a tree with uncommitted changes."
)


def _per_seed(suite: Suite, rows: list[Row], by_row: dict) -> list[str]:
    """Each row's per-seed values of the headline column, then their IQM [95 % CI] where the
    row has at least IQM_MIN_RUNS of them."""
    out = []
    col = suite.columns[0]
    for row in rows:
        vals = [r.get(col.key) for r in by_row[row.name][0]]
        if vals:
            shown = ", ".join("-" if v is None else col.fmt.format(v * col.scale) for v in vals)
            out.append(f"- {row.what}: {shown}{iqm_text(vals, col)}")
    return out


def iqm_text(values: list, col: Column) -> str:
    """'; IQM x [low, high]' of the values (the interquartile mean, rliable's aggregate_iqm, with
    its 95 % percentile-bootstrap CI over seeds: one task per row, so rliable's stratified
    bootstrap is this one), or '' with fewer than IQM_MIN_RUNS values."""
    got = [v * col.scale for v in values if v is not None and math.isfinite(v)]
    if len(got) < IQM_MIN_RUNS:
        return ""
    e = estimate(got, "iqm", 0.95, 10_000, 0)
    return f"; IQM {col.fmt.format(e.value)} [{col.fmt.format(e.low)}, {col.fmt.format(e.high)}]"


def table(suite_name: str, suite: Suite, base: Path, records: dict | None = None) -> str:
    """The suite's table from its current runs and records; rows recorded only at an older
    revision get a second table of their own, under a line saying what changed since."""
    records = load_records(suite_name) if records is None else records
    lines = [
        f"# {suite_name}: mean [95 % bootstrap CI] over seeds {suite.seeds[0]}-{suite.seeds[-1]}",
        "",
        suite.note,
        "",
    ]
    by_row, earlier = {}, {}
    for row in suite.rows:
        res, started = row_results(suite, row, base, records)
        old = earlier_record(suite, row, records.get(row.name))
        if not res and old is not None:
            earlier[row.name] = ([with_stochastic_score(r) for r in old["runs"].values()], 0)
        by_row[row.name] = (res, started)
    if suite.overview:
        module, _, name = suite.overview.rpartition(".")
        overview = getattr(importlib.import_module(module), name)
        lines += [overview(suite, {k: v[0] for k, v in by_row.items()}), ""]
    body, commands = _table_lines(suite, suite.rows, by_row)
    if len(body) > 2:  # more than the header
        lines += body
        if any(provenance(res) for res, _ in by_row.values()):
            lines += ["", PROVENANCE_NOTE]
    absent = [r for r in suite.rows if not any(by_row[r.name][:2]) and r.name not in earlier]
    if absent:
        revisions = sorted({suite.revision_of(r) for r in absent})
        at = (
            f"revision {revisions[0]}"
            if len(revisions) == 1
            else f"their revisions ({', '.join(map(str, revisions))})"
        )
        lines += ["", f"Not run at {at}, and no earlier record:", ""]
        lines += [f"- {r.what} (`{r.name}`)" for r in absent]
    if commands:
        lines += ["", "Commands (each a multirun over its seeds):", "", *commands]
        lines += ["", f"Per seed, {suite.columns[0].header} (then the IQM [95 % CI]):", ""]
        lines += _per_seed(suite, suite.rows, by_row)
    if earlier:
        old_rows = [r for r in suite.rows if r.name in earlier]
        body, commands = _table_lines(suite, old_rows, earlier)
        if any(provenance(earlier[r.name][0]) for r in old_rows):
            body += ["", PROVENANCE_NOTE]
        notes = dict.fromkeys(
            suite.revision_note if r.revision_note is None else r.revision_note for r in old_rows
        )
        own = any(r.revision is not None for r in old_rows)
        which = "the rows' current revisions" if own else f"revision {suite.revision}"
        lines += [
            "",
            f"Made before {which}, not re-run since ({'; '.join(notes)}):",
            "",
            *body,
            "",
            "Commands (each a multirun over its seeds; the code of its revision is in the git history):",
            "",
            *commands,
            "",
            f"Per seed, {suite.columns[0].header} (then the IQM [95 % CI]):",
            "",
            *_per_seed(suite, old_rows, earlier),
        ]
    return "\n".join([*lines, ""])


# The classic-control suites' envs and numbers of expert trajectories (their rows' names are
# `{env}_<what>_{n}`, benchmarks/suites/classic*.yaml; benchmarks/classic_curves.py draws them).
CLASSIC_ENVS = ("acrobot", "mountaincar", "pendulum")
CLASSIC_SIZES = (1, 4, 16)


def classic_overview(suite: Suite, by_row: dict[str, list[dict]]) -> str:
    """The classic-control rows pivoted: normalized score per env and number of trajectories,
    one column per algorithm and control (mean [95 % CI] over the finished seeds)."""
    score = Column("normalized_score", "normalized score")
    names = {r.name for r in suite.rows}
    kinds = [  # row names of benchmarks/suites/classic.yaml -> column header
        ("{env}_gail_ppo_{n}", "gail_ppo"),
        ("{env}_airl_{n}", "airl"),
        ("{env}_bc_{n}", "bc"),
        ("{env}_gail_ppo_{n}_random", "gail_ppo, random data"),
        ("{env}_airl_{n}_random", "airl, random data"),
    ]
    lines = [
        "Normalized score (1 = the demonstrations' return, 0 = a uniform-random policy's):",
        "",
        "| env | traj. | " + " | ".join(h for _, h in kinds) + " |",
        "| --- | --- | " + " | ".join("---" for _ in kinds) + " |",
    ]
    for env in CLASSIC_ENVS:
        for n in CLASSIC_SIZES:
            cells = []
            for template, _ in kinds:
                name = template.format(env=env, n=n)
                if name not in names:
                    cells.append("")
                    continue
                values = [r.get(score.key) for r in by_row[name]]
                cells.append(
                    cell(values, score) + (f" (n={len(values)})" if len(values) < 5 else "")
                )
            lines.append(f"| {env} | {n} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
