"""Runs on disk and their grouping over seeds, and each group's final numbers (mean, IQM) as a
markdown table."""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from gail_lab.errors import GailLabError
from gail_lab.io import flatten
from gail_lab.report.stats import IQM_MIN_RUNS, Estimate, estimate

log = logging.getLogger(__name__)


class ReportError(GailLabError):
    """Nothing to report: the folder does not exist or holds no runs."""


@dataclass
class Run:
    path: Path
    seed: int | None
    settings: dict[str, str]  # what defines the run's group: overrides (or config) less the seed
    results: dict[str, Any]  # summary.json merged with <stage>/summary.json
    curve_file: Path | None


def _is_seed(key: str) -> bool:
    return key.lstrip("+~") == "seed"


def _settings(run_dir: Path, config: dict[str, Any]) -> dict[str, str]:
    """``key -> value`` of the run's overrides less ``seed`` (its flattened config less ``seed``
    and ``run_name`` where Hydra wrote no overrides file)."""
    overrides_file = run_dir / ".hydra" / "overrides.yaml"
    if overrides_file.is_file():
        items = [str(o).partition("=") for o in yaml.safe_load(overrides_file.read_text()) or []]
        return {k: v for k, _, v in items if not _is_seed(k)}
    flat = flatten(config)
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
