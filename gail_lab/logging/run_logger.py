"""RunLogger: every metric goes to ``metrics.jsonl`` (append, flushed), ``metrics.csv`` (on close)
and, unless ``logger=none``, to a W&B run (offline by default: no server needed, ``wandb sync`` later).

The W&B run also gets the stage's files as artifacts (datasets, checkpoints), the datasets it read
(lineage), and media such as evaluation videos. All of it is a no-op without a W&B run.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import math
import os
import shutil
import time
from pathlib import Path
from typing import Any

from gail_lab.errors import GailLabError
from gail_lab.io import atomic_write_json, atomic_write_text, config_hash

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
        tags: list[str] | None = None,
    ) -> None:
        """``group`` and ``tags`` come from the caller (the run's sweep or name, its env/algo/expert);
        ``wandb`` holds the user's settings (``logger.wandb``): its ``group`` wins over the caller's,
        its ``tags`` are added."""
        self.run_dir = Path(run_dir)
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.metrics_path = self.run_dir / "metrics.jsonl"
        self._file = open(self.metrics_path, "a", encoding="utf-8")  # noqa: SIM115 (closed in close())
        self._rows: list[dict[str, Any]] = []
        self._t0 = time.time()
        self._wandb_sent_until = -1  # rows up to this env step are already in the W&B run
        self._summary: dict[str, Any] = {}
        self.wandb_run = None
        self.log_artifacts = False
        self._osh = None  # wandb-osh's trigger, for offline runs on nodes without internet
        if wandb is not None and wandb.get("mode", "offline") != "disabled":
            self.log_artifacts = bool(wandb.get("log_artifacts", True))
            self.wandb_run = self._init_wandb(
                dict(wandb), run_name, group, job_type, run_config, tags or []
            )
            if wandb.get("osh") and self.wandb_run.offline:
                from wandb_osh.hooks import TriggerWandbSyncHook

                where = wandb.get("osh_dir")
                self._osh = TriggerWandbSyncHook(*([Path(where).expanduser()] if where else []))
                self._osh_every = float(wandb.get("osh_every", 60.0))
                self._osh_last = -math.inf
                # the offline run's folder (run.dir is its files/ subfolder): what `wandb sync` reads
                self._osh_run_dir = Path(self.wandb_run.dir).parent

    def _init_wandb(self, settings: dict[str, Any], run_name, group, job_type, config, tags):
        import wandb as wb

        mode = os.environ.get("WANDB_MODE", settings.get("mode", "offline"))
        user_tags = list(settings.get("tags") or [])
        init_kwargs = dict(
            project=settings.get("project", "gail_lab"),
            entity=settings.get("entity"),
            name=run_name,
            group=settings.get("group") or group,
            job_type=job_type,
            tags=[*tags, *(t for t in user_tags if t not in tags)],
            config=config or {},
            dir=str(self.run_dir),
            reinit="finish_previous",
            # One W&B run per run dir and stage: a run resumed in the same dir (after preemption)
            # continues its W&B run instead of starting a second one.
            id=config_hash({"run_dir": str(self.run_dir.resolve()), "job_type": job_type}, 16),
            resume="allow",
        )
        quiet = settings.get("console", "quiet") == "quiet"
        # silent: none of W&B's own console output (the run's files still hold everything)
        ws = {"silent": True} if quiet else {}
        if mode == "online":
            before = set(self.run_dir.glob("wandb/run-*"))
            try:
                timeout = float(settings.get("init_timeout", 30.0))
                ws["init_timeout"] = timeout
                run = wb.init(**init_kwargs, mode=mode, settings=wb.Settings(**ws))
            except wb.Error as err:  # no API key, server unreachable, init timed out
                for stale in set(self.run_dir.glob("wandb/run-*")) - before:  # the failed run
                    shutil.rmtree(stale, ignore_errors=True)
                reason = str(err).splitlines()[0] if str(err) else type(err).__name__
                log.warning(
                    "W&B online init failed (%s); logging this run offline instead, upload it "
                    "later with `wandb sync`",
                    reason,
                )
                mode = "offline"
                # the failed attempt still holds its id in W&B's service: go on under a new one
                init_kwargs.pop("id"), init_kwargs.pop("resume")
                ws.pop("init_timeout")
        if mode != "online":
            run = wb.init(**init_kwargs, mode=mode, settings=wb.Settings(**ws))
        run.define_metric("global_step")
        run.define_metric("*", step_metric="global_step")
        log.log(
            logging.DEBUG if quiet else logging.INFO,
            "W&B run %s (%s mode) in %s",
            run.name,
            mode,
            self.run_dir / "wandb",
        )
        return run

    def log(self, metrics: dict[str, float], step: int) -> None:
        row = {"global_step": int(step), "time": round(time.time() - self._t0, 3)}
        row.update({k: _plain(v) for k, v in metrics.items()})
        self._rows.append(row)
        self._file.write(json.dumps(row) + "\n")
        self._file.flush()
        if self.wandb_run is not None and row["global_step"] > self._wandb_sent_until:
            self.wandb_run.log({k: v for k, v in row.items() if k != "time"})
            if self._osh is not None and time.time() - self._osh_last >= self._osh_every:
                self._trigger_sync()

    def _trigger_sync(self) -> None:
        """Ask wandb-osh on the login node to `wandb sync` this offline run (a command file)."""
        self._osh(self._osh_run_dir)
        self._osh_last = time.time()

    def log_video(self, key: str, path: str | Path, step: int) -> None:
        """An animated GIF (e.g. ``eval/video``) in the W&B run, at env step ``step``."""
        if self.wandb_run is None:
            return
        import wandb as wb

        self.wandb_run.log({key: wb.Video(str(path), format="gif"), "global_step": int(step)})

    def log_artifact(
        self, name: str, kind: str, paths: list[Path], metadata: dict[str, Any] | None = None
    ) -> str | None:
        """``paths`` as version ``latest`` of the W&B artifact ``name`` (kind: ``dataset`` or
        ``model``); returns ``name``, or None when artifacts are off (``logger.wandb.log_artifacts``).

        Files are referenced, not copied (W&B's ``immutable`` policy): logging costs one checksum
        of each file, and ``wandb sync`` uploads them from where they lie, so they must still be
        there, unchanged."""
        if self.wandb_run is None or not self.log_artifacts:
            return None
        artifact = self._artifact(name, kind, paths, metadata)
        self.wandb_run.log_artifact(artifact)
        return name

    def use_artifact(
        self, name: str, kind: str, paths: list[Path], metadata: dict[str, Any] | None = None
    ) -> None:
        """Record that this run read ``paths`` (the artifact ``name``): in the W&B config under
        ``used_<kind>`` always, and as W&B lineage (``use_artifact``) online. The artifact is
        built from the files, so W&B matches it by content digest to the version the producing
        run logged (uploading it if that run never synced). W&B cannot resolve artifacts offline:
        there the config entry is the record."""
        if self.wandb_run is None:
            return
        record = {"artifact": name, "paths": [str(p) for p in paths], **(metadata or {})}
        self.wandb_run.config.update({f"used_{kind}": _plain_tree(record)}, allow_val_change=True)
        if self.log_artifacts and not (self.wandb_run.offline or self.wandb_run.disabled):
            self.wandb_run.use_artifact(self._artifact(name, kind, paths, metadata))

    @staticmethod
    def _artifact(name: str, kind: str, paths: list[Path], metadata: dict[str, Any] | None):
        import wandb as wb

        artifact = wb.Artifact(name, type=kind, metadata=_plain_tree(metadata or {}))
        for path in paths:
            artifact.add_file(str(path), policy="immutable")
        return artifact

    def rewind(self, step: int) -> None:
        """Drop the rows logged after env step ``step`` (a run resumed from a checkpoint taken
        there logs them again), rewriting metrics.jsonl atomically."""
        self._file.close()
        old = read_metrics(self.metrics_path)
        rows = [r for r in old if r.get("global_step", 0) <= step]
        # The W&B run (resumed under the same id) already holds the dropped rows, and a resumed
        # run logs exactly the same ones again: send only the rows beyond them.
        self._wandb_sent_until = max((r.get("global_step", 0) for r in old), default=-1)
        atomic_write_text(self.metrics_path, "".join(json.dumps(r) + "\n" for r in rows))
        self._rows = rows
        self._file = open(self.metrics_path, "a", encoding="utf-8")  # noqa: SIM115

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
            if self._osh is not None:
                self._trigger_sync()  # the finished run, complete

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


def _plain_tree(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _plain_tree(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain_tree(v) for v in obj]
    return _plain(obj)


def read_metrics(path: str | Path) -> list[dict[str, Any]]:
    """The rows of a metrics.jsonl; a partly written last row (a crash or a full disk mid-append)
    is dropped with a warning, any other unreadable row is an error naming its line."""
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    rows = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError as err:
            if number == len(lines):
                log.warning("%s: dropping its partly written last row (%s)", path, err.msg)
                break
            raise GailLabError(f"{path}, line {number}: not a metrics row ({err.msg})") from None
    return rows
