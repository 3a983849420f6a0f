"""Sweep reports from run folders alone (no W&B server): group runs by config over seeds, then
give each group's mean and IQM with percentile-bootstrap confidence intervals, as a markdown table
and a PNG of learning curves.

``task=report task.dir=multirun/<date>/<time>`` (tasks/report.py) and the console script
``gail_lab-report multirun/<date>/<time>`` both call :func:`write_report`.

A run is a folder holding ``.hydra/config.yaml`` (single runs and every job of a sweep). Runs are
grouped by their command-line overrides (``.hydra/overrides.yaml``) less ``seed=``, or by their
whole config less ``seed`` where there is no overrides file. Final numbers come from the run's
``summary.json`` merged with its stages' ``<stage>/summary.json``; curves from
``imitate/metrics.jsonl`` (``metrics.jsonl`` for a ``task=imitate`` run).

Statistics follow Agarwal et al. 2021 ("Deep RL at the edge of the statistical precipice",
rliable): the interquartile mean (IQM, the mean of the middle 50 % of runs, as
``scipy.stats.trim_mean(x, 0.25)``) where a group has at least 5 seeds, and percentile-bootstrap
confidence intervals over runs with a fixed RNG seed, so a report is reproducible.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gail_lab.report.curves import DEFAULT_CURVE, Curve, group_curve, plot_report, read_curve
from gail_lab.report.runs import (
    Group,
    MetricSummary,
    ReportError,
    Run,
    find_runs,
    group_runs,
    load_run,
    markdown_table,
    summarize,
)
from gail_lab.report.stats import IQM_MIN_RUNS, Estimate, bootstrap_ci, estimate, iqm

__all__ = [
    "DEFAULT_CURVE",
    "DEFAULT_METRICS",
    "IQM_MIN_RUNS",
    "Curve",
    "Estimate",
    "Group",
    "MetricSummary",
    "Report",
    "ReportError",
    "Run",
    "bootstrap_ci",
    "estimate",
    "find_runs",
    "group_curve",
    "group_runs",
    "iqm",
    "load_run",
    "main",
    "markdown_table",
    "plot_report",
    "read_curve",
    "summarize",
    "write_report",
]

log = logging.getLogger(__name__)

DEFAULT_METRICS = ("normalized_score", "imitation_return_mean")


@dataclass
class Report:
    markdown: Path
    png: Path
    json: Path
    summaries: list[MetricSummary]


def write_report(
    root: Path,
    out_dir: Path,
    metrics: Sequence[str] = DEFAULT_METRICS,
    curve: str = DEFAULT_CURVE,
    confidence: float = 0.95,
    resamples: int = 10_000,
    seed: int = 0,
) -> Report:
    """Find the runs under ``root``, group them, and write ``report.md``, ``report_curves.png``
    and ``report.json`` (the same numbers, for scripts) into ``out_dir``."""
    from gail_lab.io import atomic_write_json, atomic_write_text

    root, out_dir = Path(root), Path(out_dir)
    if not root.is_dir():
        raise ReportError(f"report: {root} is not a folder")
    runs = find_runs(root)
    if not runs:
        raise ReportError(f"report: no run folders (with .hydra/config.yaml) under {root}")
    unknown = [m for m in metrics if not any(m in r.results for r in runs)]
    if unknown:
        keys = sorted({k for r in runs for k in r.results if not isinstance(r.results[k], dict)})
        why = (
            f"no run under {root} has {unknown} in its summary.json; keys there: "
            + ", ".join(keys[:25])
            + (" ..." if len(keys) > 25 else "")
        )
        if len(unknown) == len(metrics):  # nothing to report: refuse rather than write blanks
            raise ReportError(f"report: {why}")
        log.warning("report: %s", why)
    groups, shared = group_runs(runs)
    kw = {"confidence": confidence, "resamples": resamples, "seed": seed}
    by_metric = {m: [summarize(g, m, **kw) for g in groups] for m in metrics}
    curves = [c for g in groups if (c := group_curve(g, curve, **kw)) is not None]

    shared_text = " ".join(f"{k}={v}" for k, v in shared.items()) or "(none)"
    lines = [
        f"# Report: {root}",
        "",
        f"{len(runs)} runs in {len(groups)} group(s): runs grouped by their overrides less `seed`.",
        f"Shared by every group: `{shared_text}`.",
        f"Intervals: {confidence * 100:g} % percentile bootstrap over runs ({resamples} resamples,"
        f" RNG seed {seed}); IQM (interquartile mean) where a group has >= {IQM_MIN_RUNS} runs.",
        "",
    ]
    for m, rows in by_metric.items():
        lines += [f"## {m}", "", markdown_table(rows, confidence), ""]
    lines += [
        f"Curves: `{curve}` vs `global_step`, interpolated onto a common grid per group:"
        " `report_curves.png`.",
        "",
    ]
    md = atomic_write_text(out_dir / "report.md", "\n".join(lines))
    first = next(iter(by_metric.values()), [])
    png = plot_report(first, curves, out_dir / "report_curves.png", curve, confidence, str(root))

    def as_dict(s: MetricSummary) -> dict[str, Any]:
        est = {k: getattr(s, k) and vars(getattr(s, k)) for k in ("mean", "iqm")}
        return {"group": s.group, "metric": s.metric, "n": s.n, "seeds": s.seeds, **est}

    data = {
        "root": str(root),
        "shared": shared,
        "groups": [
            {"label": g.label, "settings": g.settings, "runs": [str(r.path) for r in g.runs]}
            for g in groups
        ],
        "metrics": {m: [as_dict(s) for s in rows] for m, rows in by_metric.items()},
        "confidence": confidence,
        "resamples": resamples,
        "seed": seed,
    }
    js = atomic_write_json(out_dir / "report.json", data)
    log.info("report: %d runs, %d group(s) -> %s, %s", len(runs), len(groups), md, png)
    return Report(md, png, js, [s for rows in by_metric.values() for s in rows])


def main(argv: Sequence[str] | None = None) -> int:
    """``gail_lab-report PATH [--metric M ...] [--curve KEY] [--out DIR]``."""
    parser = argparse.ArgumentParser(
        prog="gail_lab-report",
        description="Aggregate a sweep's runs by config over seeds: report.md, report_curves.png.",
    )
    parser.add_argument(
        "path", type=Path, help="a sweep dir (multirun/<date>/<time>) or any folder of runs"
    )
    parser.add_argument(
        "--metric",
        action="append",
        help=f"a key of summary.json (repeatable; default: {', '.join(DEFAULT_METRICS)})",
    )
    parser.add_argument("--curve", default=DEFAULT_CURVE, help="the metrics.jsonl key to plot")
    parser.add_argument("--out", type=Path, help="where to write the report (default: PATH)")
    parser.add_argument("--confidence", type=float, default=0.95)
    parser.add_argument("--resamples", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0, help="the bootstrap's RNG seed")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        report = write_report(
            args.path,
            args.out or args.path,
            args.metric or DEFAULT_METRICS,
            args.curve,
            args.confidence,
            args.resamples,
            args.seed,
        )
    except ReportError as err:
        parser.exit(2, f"error: {err}\n")
    print(report.markdown.read_text())
    return 0
