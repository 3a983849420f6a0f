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
import json
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from gail_lab.errors import GailLabError

log = logging.getLogger(__name__)

DEFAULT_METRICS = ("normalized_score", "imitation_return_mean")
DEFAULT_CURVE = "eval/return_mean"
IQM_MIN_RUNS = 5  # below this a 25 % trim drops nothing or next to nothing: report the mean only
GRID_POINTS = 100


class ReportError(GailLabError):
    """Nothing to report: the folder does not exist or holds no runs."""


# --------------------------------------------------------------------------- statistics
def iqm(values: Sequence[float] | np.ndarray, axis: int = -1) -> np.ndarray:
    """Interquartile mean: sort, drop ``floor(n / 4)`` values at each end, average the rest
    (``scipy.stats.trim_mean(values, 0.25)``, rliable's ``aggregate_iqm``)."""
    x = np.sort(np.asarray(values, dtype=float), axis=axis)
    n = x.shape[axis]
    cut = int(0.25 * n)
    return np.take(x, np.arange(cut, n - cut), axis=axis).mean(axis=axis)


def _mean(values: np.ndarray, axis: int = -1) -> np.ndarray:
    return np.asarray(values, dtype=float).mean(axis=axis)


STATISTICS = {"mean": _mean, "iqm": iqm}


def bootstrap_ci(
    values: Sequence[float] | np.ndarray,
    statistic: str = "mean",
    confidence: float = 0.95,
    resamples: int = 10_000,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Percentile-bootstrap confidence interval of ``statistic`` over runs (axis 0).

    ``values`` has one row per run: shape (n,) for final numbers, (n, points) for curves (one
    interval per point, the same resampled runs for every point). Resampling is over runs, with
    replacement, from ``np.random.default_rng(seed)``: the same input gives the same interval.
    Returns (low, high), each of shape ``values.shape[1:]``.
    """
    x = np.asarray(values, dtype=float)
    n = x.shape[0]
    if n == 0:
        raise ValueError("bootstrap_ci: no values")
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, n, size=(resamples, n))
    stats = STATISTICS[statistic](x[idx], axis=1)  # (resamples, *rest)
    alpha = (1.0 - confidence) / 2
    low, high = np.quantile(stats, [alpha, 1.0 - alpha], axis=0)
    return low, high


@dataclass
class Estimate:
    """A statistic of one group's runs with its bootstrap interval."""

    value: float
    low: float
    high: float

    def __str__(self) -> str:
        big = max(abs(self.value), abs(self.low), abs(self.high)) >= 10
        return " ".join(
            [_fmt(self.value, big), f"[{_fmt(self.low, big)},", f"{_fmt(self.high, big)}]"]
        )


def estimate(
    values: Sequence[float], statistic: str, confidence: float, resamples: int, seed: int
) -> Estimate:
    x = np.asarray(values, dtype=float)
    low, high = bootstrap_ci(x, statistic, confidence, resamples, seed)
    return Estimate(float(STATISTICS[statistic](x)), float(low), float(high))


def _fmt(v: float, big: bool) -> str:
    """Returns to one decimal, scores (near 0..1) to three."""
    return f"{v:.1f}" if big else f"{v:.3f}"


# --------------------------------------------------------------------------- runs on disk
@dataclass
class Run:
    path: Path
    seed: int | None
    settings: dict[str, str]  # what defines the run's group: overrides (or config) less the seed
    results: dict[str, Any]  # summary.json merged with <stage>/summary.json
    curve_file: Path | None


def _flatten(d: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(_flatten(v, f"{key}."))
        else:
            out[key] = v
    return out


def _is_seed(key: str) -> bool:
    return key.lstrip("+~") == "seed"


def _settings(run_dir: Path, config: dict[str, Any]) -> dict[str, str]:
    """``key -> value`` of the run's overrides less ``seed`` (its flattened config less ``seed``
    and ``run_name`` where Hydra wrote no overrides file)."""
    overrides_file = run_dir / ".hydra" / "overrides.yaml"
    if overrides_file.is_file():
        items = [str(o).partition("=") for o in yaml.safe_load(overrides_file.read_text()) or []]
        return {k: v for k, _, v in items if not _is_seed(k)}
    flat = _flatten(config)
    return {k: str(v) for k, v in flat.items() if k not in ("seed", "run_name")}


def load_run(run_dir: Path) -> Run:
    run_dir = Path(run_dir)
    config = yaml.safe_load((run_dir / ".hydra" / "config.yaml").read_text()) or {}
    results: dict[str, Any] = {}
    for stage_summary in sorted(run_dir.glob("*/summary.json")):
        results.update(json.loads(stage_summary.read_text()))
    if (run_dir / "summary.json").is_file():
        results.update(json.loads((run_dir / "summary.json").read_text()))
    curve_file = next(
        (
            p
            for p in (run_dir / "imitate" / "metrics.jsonl", run_dir / "metrics.jsonl")
            if p.is_file()
        ),
        None,
    )
    seed = config.get("seed")
    return Run(
        run_dir,
        None if seed is None else int(seed),
        _settings(run_dir, config),
        results,
        curve_file,
    )


def find_runs(root: Path) -> list[Run]:
    """Every run folder under ``root`` (``root`` itself included), sorted by path; report runs
    (task=report) are left out."""
    root = Path(root)
    runs = []
    for config_file in sorted(root.glob("**/.hydra/config.yaml")):
        task = (yaml.safe_load(config_file.read_text()) or {}).get("task") or {}
        if task.get("name") == "report":
            continue
        runs.append(load_run(config_file.parent.parent))
    return runs


# --------------------------------------------------------------------------- groups
@dataclass
class Group:
    label: str  # the settings that tell this group from the others, e.g. "algo=bc"
    settings: dict[str, str]
    runs: list[Run] = field(default_factory=list)

    @property
    def seeds(self) -> list[int | None]:
        return [r.seed for r in self.runs]


def group_runs(runs: Sequence[Run]) -> tuple[list[Group], dict[str, str]]:
    """Runs with the same settings form a group (one per config, over seeds). Returns the groups,
    sorted by label, and the settings every group shares (shown once, above the table)."""
    by_key: dict[tuple, Group] = {}
    for run in runs:
        key = tuple(sorted(run.settings.items()))
        by_key.setdefault(key, Group("", dict(run.settings))).runs.append(run)
    groups = list(by_key.values())
    keys = {k for g in groups for k in g.settings}
    shared = {
        k: groups[0].settings[k]
        for k in sorted(keys)
        if all(k in g.settings and g.settings[k] == groups[0].settings[k] for g in groups)
    }
    for g in groups:
        # keys another group sets and this one leaves at its default are not listed
        differing = [f"{k}={v}" for k, v in g.settings.items() if k not in shared]
        g.label = " ".join(differing) or ("all runs" if len(groups) == 1 else "(defaults)")
        g.runs.sort(key=lambda r: (r.seed is None, r.seed, str(r.path)))
        seeds = [s for s in g.seeds if s is not None]
        if len(set(seeds)) < len(seeds):
            log.warning("group %r holds a seed more than once: %s", g.label, seeds)
    return sorted(groups, key=lambda g: g.label), shared


# --------------------------------------------------------------------------- final numbers
@dataclass
class MetricSummary:
    group: str
    metric: str
    n: int
    seeds: list[int | None]
    mean: Estimate | None
    iqm: Estimate | None  # only where n >= IQM_MIN_RUNS


def summarize(
    group: Group, metric: str, confidence: float = 0.95, resamples: int = 10_000, seed: int = 0
) -> MetricSummary:
    """Mean (and IQM where n >= 5) of ``metric`` over the group's runs; runs without a finite
    value for it are left out (and logged)."""
    pairs = [(r.seed, r.results.get(metric)) for r in group.runs]
    kept = [(s, float(v)) for s, v in pairs if isinstance(v, int | float) and math.isfinite(v)]
    if len(kept) < len(pairs):
        log.warning(
            "%s: %d of %d runs have no finite %s (unfinished or failed jobs)",
            group.label,
            len(pairs) - len(kept),
            len(pairs),
            metric,
        )
    values = [v for _, v in kept]
    n = len(values)
    return MetricSummary(
        group=group.label,
        metric=metric,
        n=n,
        seeds=[s for s, _ in kept],
        mean=estimate(values, "mean", confidence, resamples, seed) if n else None,
        iqm=estimate(values, "iqm", confidence, resamples, seed) if n >= IQM_MIN_RUNS else None,
    )


def _seed_list(seeds: Sequence[int | None]) -> str:
    s = sorted(x for x in seeds if x is not None)
    if s and s == list(range(s[0], s[-1] + 1)) and len(s) > 2:
        return f"{s[0]}-{s[-1]}"
    return ",".join(map(str, s)) or "-"


def markdown_table(rows: Sequence[MetricSummary], confidence: float = 0.95) -> str:
    pct = f"{confidence * 100:g} % CI"
    lines = [
        f"| group | n | seeds | mean [{pct}] | IQM [{pct}] |",
        "| --- | --- | --- | --- | --- |",
    ]
    for r in rows:
        mean = str(r.mean) if r.mean else "-"
        iqm_ = str(r.iqm) if r.iqm else f"- (n < {IQM_MIN_RUNS})"
        lines.append(f"| {r.group} | {r.n} | {_seed_list(r.seeds)} | {mean} | {iqm_} |")
    return "\n".join(lines)


# --------------------------------------------------------------------------- curves
@dataclass
class Curve:
    group: str
    x_label: str
    steps: np.ndarray  # the common grid
    center: np.ndarray  # mean, or IQM where n >= 5
    low: np.ndarray
    high: np.ndarray
    statistic: str
    n: int


def read_curve(path: Path, key: str) -> tuple[np.ndarray, np.ndarray]:
    steps, values = [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            row = json.loads(line)
            v = row.get(key)
            if isinstance(v, int | float) and math.isfinite(v) and "global_step" in row:
                steps.append(float(row["global_step"]))
                values.append(float(v))
    return np.asarray(steps), np.asarray(values)


def _x_label(run: Run) -> str:
    # Offline trainers (bc, gail_offline) step no env while training: their global_step counts
    # gradient steps (bc) or epochs (gail_offline), so they get an x-axis of their own.
    offline = run.results.get("imitate/env_steps", run.results.get("imitation_env_steps")) == 0
    return (
        "global_step of an offline learner (gradient steps or epochs)" if offline else "env steps"
    )


def group_curve(
    group: Group,
    key: str = DEFAULT_CURVE,
    points: int = GRID_POINTS,
    confidence: float = 0.95,
    resamples: int = 10_000,
    seed: int = 0,
) -> Curve | None:
    """The group's runs interpolated onto one step grid (from the latest first point to the
    earliest last point, so no run is extrapolated), with the mean (IQM where n >= 5) and its
    bootstrap band at every grid point. None where no run logged ``key``."""
    curves = [read_curve(r.curve_file, key) for r in group.runs if r.curve_file is not None]
    curves = [(s, v) for s, v in curves if len(s)]
    if not curves:
        return None
    lo = max(s[0] for s, _ in curves)
    hi = min(s[-1] for s, _ in curves)
    grid = np.linspace(lo, hi, points) if hi > lo else np.asarray([hi])
    ys = np.stack([np.interp(grid, s, v) for s, v in curves])
    statistic = "iqm" if len(curves) >= IQM_MIN_RUNS else "mean"
    low, high = bootstrap_ci(ys, statistic, confidence, resamples, seed)
    return Curve(
        group.label,
        _x_label(group.runs[0]),
        grid,
        STATISTICS[statistic](ys, axis=0),
        low,
        high,
        statistic,
        len(curves),
    )


def plot_report(
    summaries: Sequence[MetricSummary],
    curves: Sequence[Curve],
    out_png: Path,
    curve_key: str = DEFAULT_CURVE,
    confidence: float = 0.95,
    title: str = "",
) -> Path:
    """Top: the first metric per group (IQM where n >= 5, else mean) with its interval. Below:
    learning curves with their bands, one panel per x-axis kind (env steps, gradient steps)."""
    import textwrap

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    x_kinds = sorted({c.x_label for c in curves})
    cols = max(1, len(x_kinds))
    labels = list(dict.fromkeys([s.group for s in summaries] + [c.group for c in curves]))
    # Past 10 groups the default cycle repeats colours: tab20 then, and past 20 numbers tell
    # them apart. Each group is numbered (#k) on the top panel's axis; with many groups the
    # curves' legend names the numbers only, not the whole overrides again.
    cmap = plt.get_cmap("tab20") if len(labels) > 10 else None
    colors = {g: (cmap(i % 20) if cmap else f"C{i}") for i, g in enumerate(labels)}
    number = {g: i + 1 for i, g in enumerate(labels)}
    short_legend = len(labels) > 6

    def wrap(label: str) -> str:
        return textwrap.fill(label, 40)

    # each row of the top panel tall enough for its wrapped label (0.17 in a line)
    lines = max((wrap(s.group).count("\n") + 1 for s in summaries), default=1)
    top = 0.9 + max(0.55, 0.17 * lines + 0.15) * len(summaries)
    fig = plt.figure(figsize=(6.5 * cols, top + 4.0))
    grid = fig.add_gridspec(2, cols, height_ratios=[top, 4.0])
    pct = f"{confidence * 100:g} %"

    ax = fig.add_subplot(grid[0, :])
    labels = []
    for i, s in enumerate(summaries):
        est, stat = (s.iqm, "IQM") if s.iqm else (s.mean, "mean")
        if est is None:
            continue
        err = [[est.value - est.low], [est.high - est.value]]
        ax.errorbar(est.value, i, xerr=err, fmt="o", color=colors[s.group], capsize=4)
        labels.append(
            ax.annotate(
                f"{stat} {est}, n={s.n}",
                (est.value, i),
                textcoords="offset points",
                xytext=(0, 6),
                ha="center",
                fontsize=8,
            )
        )
    metric = summaries[0].metric if summaries else ""
    ax.set_yticks(
        range(len(summaries)),
        [f"#{number[s.group]} {wrap(s.group)}" for s in summaries],
        fontsize=8,
    )
    ax.set_ylim(len(summaries) - 0.2, -0.6)  # the first group on top
    ax.margins(x=0.1)
    lo, hi = ax.get_xlim()
    for label in labels:  # a label near an edge grows inwards, not over the tick labels
        at = (label.xy[0] - lo) / (hi - lo) if hi > lo else 0.5
        label.set_horizontalalignment("left" if at < 0.3 else "right" if at > 0.7 else "center")
    ax.set_title(f"final {metric}: IQM (mean where n < {IQM_MIN_RUNS}), {pct} CI", fontsize=10)
    ax.grid(alpha=0.3, axis="x")

    for col, kind in enumerate(x_kinds):
        ax = fig.add_subplot(grid[1, col])
        for c in (c for c in curves if c.x_label == kind):
            color = colors[c.group]
            name = (
                f"#{number[c.group]}" if short_legend else f"#{number[c.group]} {wrap(c.group)}\n"
            )
            ax.plot(c.steps, c.center, color=color, label=f"{name} ({c.statistic}, n={c.n})")
            ax.fill_between(c.steps, c.low, c.high, color=color, alpha=0.2, linewidth=0)
        ax.set_xlabel(kind)
        ax.set_ylabel(curve_key)
        ax.set_title(f"{curve_key}, {pct} bootstrap band", fontsize=10)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, ncol=2 if short_legend else 1)
    if title:
        fig.suptitle(title, fontsize=10)
    # leave the suptitle its own strip (~0.35 in) above the panels' titles
    fig.tight_layout(rect=(0, 0, 1, 1 - 0.35 / fig.get_figheight()) if title else None)
    out_png = Path(out_png)
    out_png.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_png.with_name(f".{out_png.name}.tmp.png")
    fig.savefig(tmp, dpi=100)
    plt.close(fig)
    tmp.replace(out_png)
    return out_png


# --------------------------------------------------------------------------- the report
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


if __name__ == "__main__":
    raise SystemExit(main())
