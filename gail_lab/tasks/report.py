"""task=report: aggregate a sweep's runs by config over seeds (gail_lab/report.py) and write
``report.md``, ``report_curves.png`` and ``report.json`` into this run's dir."""

from __future__ import annotations

from pathlib import Path

from gail_lab.report import write_report
from gail_lab.tasks.context import RunContext


def run(ctx: RunContext) -> None:
    t = ctx.cfg.task
    write_report(
        Path(t.dir).expanduser(),
        ctx.run_dir,
        metrics=list(t.metrics),
        curve=t.curve,
        confidence=t.confidence,
        resamples=t.resamples,
        seed=t.bootstrap_seed,
    )
