"""RunLogger: every metric goes to ``metrics.jsonl`` (append, flushed), ``metrics.csv`` (on close)
and, unless ``logger=none``, to a W&B run (offline by default: no server needed, ``wandb sync`` later).
"""

from __future__ import annotations

import csv
import io
import json
import logging
import math
import os
import time
from pathlib import Path
from typing import Any

from gail_lab.io import atomic_write_json, atomic_write_text

log = logging.getLogger(__name__)


class RunLogger:
    def __init__(
        self,
        run_dir: str | Path,
        run_name: str | None = None,
        group: str | None = None,
        job_type: str | None = None,
        run_config: dict[str, Any] | None = None,
        wandb: dict[str, Any] | None = None,
    ) -> None:
        self.run_dir = Path(run_dir)
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.metrics_path = self.run_dir / "metrics.jsonl"
        self._file = open(self.metrics_path, "a", encoding="utf-8")  # noqa: SIM115 (closed in close())
        self._rows: list[dict[str, Any]] = []
        self._t0 = time.time()
        self._summary: dict[str, Any] = {}
        self.wandb_run = None
        if wandb is not None and wandb.get("mode", "offline") != "disabled":
            self.wandb_run = self._init_wandb(dict(wandb), run_name, group, job_type, run_config)

    def _init_wandb(self, settings: dict[str, Any], run_name, group, job_type, config):
        import wandb as wb

        mode = os.environ.get("WANDB_MODE", settings.get("mode", "offline"))
        run = wb.init(
            project=settings.get("project", "gail_lab"),
            entity=settings.get("entity"),
            name=run_name,
            group=group,
            job_type=job_type,
            tags=list(settings.get("tags") or []),
            config=config or {},
            dir=str(self.run_dir),
            mode=mode,
            reinit="finish_previous",
        )
        run.define_metric("global_step")
        run.define_metric("*", step_metric="global_step")
        log.info("W&B run %s (%s mode) in %s", run.name, mode, self.run_dir / "wandb")
        return run

    def log(self, metrics: dict[str, float], step: int) -> None:
        row = {"global_step": int(step), "time": round(time.time() - self._t0, 3)}
        row.update({k: _plain(v) for k, v in metrics.items()})
        self._rows.append(row)
        self._file.write(json.dumps(row) + "\n")
        self._file.flush()
        if self.wandb_run is not None:
            self.wandb_run.log({k: v for k, v in row.items() if k != "time"})

    def summary(self, values: dict[str, Any]) -> None:
        """Final numbers of the run: ``summary.json`` and the W&B run summary."""
        self._summary.update({k: _plain(v) for k, v in values.items()})
        atomic_write_json(self.run_dir / "summary.json", self._summary)
        if self.wandb_run is not None:
            self.wandb_run.summary.update(self._summary)

    def close(self) -> None:
        if self._file.closed:
            return
        self._file.close()
        if self._rows:
            keys: list[str] = []
            for row in self._rows:
                keys += [k for k in row if k not in keys]
            buf = io.StringIO()
            writer = csv.DictWriter(buf, fieldnames=keys)
            writer.writeheader()
            writer.writerows(self._rows)
            atomic_write_text(self.run_dir / "metrics.csv", buf.getvalue())
        if self.wandb_run is not None:
            self.wandb_run.finish()
            self.wandb_run = None

    def __enter__(self) -> RunLogger:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _plain(v: Any) -> Any:
    if hasattr(v, "item"):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return str(v)
    return v


def read_metrics(path: str | Path) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]
