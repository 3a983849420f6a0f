"""W&B offline runs of the real entrypoint, read back from the binary ``run-*.wandb`` files.

wandb 0.31 has no Python reader for its own run files (the Go core writes and syncs them), so
``read_wandb_run`` undoes the file's framing (LevelDB's log format: 32 KiB blocks of records, each
with a CRC-32, a length and a full/first/middle/last type, after a 7-byte ``:W&B`` header) and
parses every record with wandb's own protobuf class, ``wandb_internal_pb2.Record``.
"""

from __future__ import annotations

import json
import struct
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from wandb.proto import wandb_internal_pb2

from gail_lab.io import file_sha256
from tests.conftest import TINY, read_jsonl, run_cli

SCRIPTED = [o for o in TINY if o != "logger=none"] + ["logger=wandb", "expert=scripted_cartpole"]

_BLOCK, _HEADER = 32768, 7
_FULL, _FIRST, _MIDDLE, _LAST = 1, 2, 3, 4


def wandb_records(path: Path) -> list[wandb_internal_pb2.Record]:
    buf = path.read_bytes()
    assert buf[:4] == b":W&B" and struct.unpack("<HB", buf[4:7]) == (0xBEE1, 0), buf[:7]
    records, pending, pos = [], b"", _HEADER
    while pos + _HEADER <= len(buf):
        if _BLOCK - pos % _BLOCK < _HEADER:  # a block's tail too short for a header is padding
            pos += _BLOCK - pos % _BLOCK
            continue
        crc, length, kind = struct.unpack("<IHB", buf[pos : pos + _HEADER])
        if kind == 0 and length == 0:  # zero padding at the end of the last block
            break
        data = buf[pos + _HEADER : pos + _HEADER + length]
        assert zlib.crc32(data, zlib.crc32(bytes([kind]))) == crc, f"bad checksum at {pos}"
        pos += _HEADER + length
        pending = data if kind in (_FULL, _FIRST) else pending + data
        if kind in (_FULL, _LAST):
            record = wandb_internal_pb2.Record()
            record.ParseFromString(pending)
            records.append(record)
    return records


@dataclass
class WandbRun:
    group: str = ""
    job_type: str = ""
    name: str = ""
    tags: list[str] = field(default_factory=list)
    config: dict[str, Any] = field(default_factory=dict)
    history: list[dict[str, Any]] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)
    artifacts: list[wandb_internal_pb2.ArtifactRecord] = field(default_factory=list)
    files: list[str] = field(default_factory=list)


def _items(items) -> dict[str, Any]:
    """Config/history/summary items as a dict; a media value (``nested_key`` [key, field]) nests."""
    out: dict[str, Any] = {}
    for item in items:
        *parents, key = list(item.nested_key) or [item.key]
        node = out
        for parent in parents:
            node = node.setdefault(parent, {})
        node[key] = json.loads(item.value_json)
    return out


def read_wandb_run(stage_dir: Path) -> WandbRun:
    """The one offline W&B run under ``stage_dir``: what ``wandb sync`` would upload."""
    (path,) = stage_dir.glob("wandb/offline-run-*/run-*.wandb")
    run = WandbRun()
    for record in wandb_records(path):
        kind = record.WhichOneof("record_type")
        if kind == "run":
            r = record.run
            run.group, run.job_type, run.name, run.tags = (
                r.run_group,
                r.job_type,
                r.display_name,
                list(r.tags),
            )
            run.config.update(_items(r.config.update))
        elif kind == "config":
            run.config.update(_items(record.config.update))
        elif kind == "history":
            run.history.append(_items(record.history.item))
        elif kind == "summary":
            run.summary.update(_items(record.summary.update))
        elif kind == "artifact":
            run.artifacts.append(record.artifact)
        elif kind == "files":
            run.files += [f.path for f in record.files.files]
    return run


@pytest.fixture(scope="module")
def pipeline_run(tmp_path_factory) -> Path:
    """One tiny offline pipeline with an evaluation video and a user tag, shared by the tests."""
    tmp = tmp_path_factory.mktemp("wandb")
    out = run_cli(
        tmp,
        *SCRIPTED,
        "task=pipeline",
        "eval.video=true",
        "eval.video_max_frames=10",
        "env.max_episode_steps=60",
        "data.allow_weak_expert=true",  # 60 steps are below CartPole's expert_min_return
        "logger.wandb.tags=[mine]",
        "logger.wandb.osh=true",  # wandb-osh command files, as on a node without internet
        f"logger.wandb.osh_dir={tmp / 'osh'}",
    )
    assert out.returncode == 0, out.stderr[-3000:]
    return tmp


def test_every_stage_is_a_run_of_one_group_with_its_job_type_and_tags(pipeline_run):
    runs = {s: read_wandb_run(pipeline_run / "run" / s) for s in ("train_expert", "collect")}
    runs.update({s: read_wandb_run(pipeline_run / "run" / s) for s in ("imitate", "evaluate")})
    for stage, run in runs.items():
        assert run.job_type == stage
        assert run.group == "cartpole__gail_ppo__0"  # no sweep, no experiment: run_name
        assert run.name == f"cartpole__gail_ppo__0__{stage}"
        assert run.tags == [
            "env:cartpole",
            "algo:gail_ppo",
            "expert:scripted_cartpole",
            "mine",
        ]
        # the resolved config, as composed (run.py's overrides included)
        assert run.config["algo"]["name"] == "gail_ppo"
        assert run.config["algo"]["loop"]["budget"]["iterations"] == 3
        assert run.config["env"]["max_episode_steps"] == 60


def test_metrics_have_env_steps_as_x_axis(pipeline_run):
    stage = pipeline_run / "run" / "imitate"
    run = read_wandb_run(stage)
    local = read_jsonl(stage / "metrics.jsonl")
    # every metric row of metrics.jsonl is a W&B history row with the same global_step and values
    assert [h["global_step"] for h in run.history] == [r["global_step"] for r in local]
    # 3 iterations of whole episodes of >= 256 env steps each (samples_per_iteration)
    steps = [h["global_step"] for h in run.history]
    assert len(steps) == 3 and all(b - a >= 256 for a, b in zip([0, *steps], steps, strict=False))
    assert steps[-1] == run.summary["imitate/env_steps"]
    assert run.history[-1]["eval/return_mean"] == local[-1]["eval/return_mean"]
    assert run.history[0]["disc/acc_expert"] == local[0]["disc/acc_expert"]


def test_dataset_artifact_and_lineage(pipeline_run):
    (dataset,) = (pipeline_run / "artifacts" / "datasets").glob("*.npz")
    sha256 = file_sha256(dataset)

    collect = read_wandb_run(pipeline_run / "run" / "collect")
    (artifact,) = collect.artifacts
    assert (artifact.type, artifact.name) == ("dataset", dataset.stem)
    meta = json.loads(artifact.metadata)
    assert meta["sha256"] == sha256 and meta["env_id"] == "CartPole-v1"
    assert meta["expert"] == "scripted_cartpole" and meta["num_transitions"] >= 3000
    (entry,) = artifact.manifest.contents
    assert entry.path == dataset.name and entry.size == dataset.stat().st_size
    assert Path(entry.local_path) == dataset  # referenced where it lies, not copied
    assert collect.summary["data/artifact"] == dataset.stem
    assert collect.summary["data/sha256"] == sha256

    # offline, W&B cannot resolve artifacts (use_artifact raises): the run records what it read
    imitate = read_wandb_run(pipeline_run / "run" / "imitate")
    used = imitate.config["used_dataset"]
    assert used == {"artifact": dataset.stem, "paths": [str(dataset)], "sha256": sha256}
    assert imitate.summary["dataset/artifact"] == dataset.stem
    assert imitate.summary["dataset/sha256"] == sha256
    (policy,) = imitate.artifacts
    assert (policy.type, policy.name) == ("model", "policy__cartpole__gail_ppo__0")
    assert [c.path for c in policy.manifest.contents] == ["policy.pt"]
    assert json.loads(policy.metadata)["dataset_artifact"] == dataset.stem

    expert = read_wandb_run(pipeline_run / "run" / "train_expert")
    (model,) = expert.artifacts
    assert model.type == "model" and model.name.startswith(
        "expert__cartpole__scripted_cartpole__s0__"
    )
    assert sorted(c.path for c in model.manifest.contents) == ["config.yaml", "expert.pt"]


def test_evaluation_video_is_logged(pipeline_run):
    stage = pipeline_run / "run" / "evaluate"
    run = read_wandb_run(stage)
    (row,) = [h for h in run.history if "eval/video" in h]
    assert row["eval/video"]["_type"] == "video-file"
    imitate = read_wandb_run(pipeline_run / "run" / "imitate")
    assert row["global_step"] == imitate.summary["imitate/env_steps"]  # the policy's env steps
    gif = next(stage.glob("wandb/offline-run-*/files")) / row["eval/video"]["path"]
    assert gif.read_bytes() == (stage / "episode.gif").read_bytes()
    assert row["eval/video"]["path"] in run.files
    assert "eval/normalized_score" in run.summary


def _expert_runs(tmp_path: Path) -> list[str]:
    """task=train_expert (a scripted expert: no training), with an experiment file ``tiny_demo``."""
    experiments = tmp_path / "conf" / "experiment"
    experiments.mkdir(parents=True)
    (experiments / "tiny_demo.yaml").write_text("# @package _global_\nseed: 3\n")
    return [*SCRIPTED, "task=train_expert", f"hydra.searchpath=[file://{tmp_path / 'conf'}]"]


def test_group_is_the_experiment_or_given_and_artifacts_can_be_off(tmp_path):
    common = _expert_runs(tmp_path)
    out = run_cli(tmp_path, *common, "experiment=tiny_demo", "logger.wandb.log_artifacts=false")
    assert out.returncode == 0, out.stderr[-3000:]
    run = read_wandb_run(tmp_path / "run")
    assert run.group == "tiny_demo" and run.config["seed"] == 3
    assert run.artifacts == [] and run.summary["expert/artifact"] is None

    out = run_cli(tmp_path, *common, "logger.wandb.group=by_hand", run_dir="named")
    assert out.returncode == 0, out.stderr[-3000:]
    assert read_wandb_run(tmp_path / "named").group == "by_hand"


def test_group_of_a_sweep_is_the_same_for_all_its_jobs(tmp_path):
    common = _expert_runs(tmp_path)
    sweep = tmp_path / "multirun" / "12-00-00"
    out = run_cli(
        tmp_path,
        "--multirun",
        *common,
        "seed=0,1",
        "reuse_artifacts=false",
        f"hydra.sweep.dir={sweep}",
    )
    assert out.returncode == 0, out.stderr[-3000:]
    runs = [read_wandb_run(sweep / str(job)) for job in (0, 1)]
    assert [r.group for r in runs] == ["run__multirun_12-00-00"] * 2
    assert [r.config["seed"] for r in runs] == [0, 1]
    assert all(len(r.artifacts) == 1 for r in runs)


def test_offline_runs_ask_wandb_osh_to_sync_them(pipeline_run):
    """logger.wandb.osh=true: each stage's offline run leaves wandb-osh a command file naming
    the run folder `wandb sync` uploads (<stage dir>/wandb/offline-run-*)."""
    commands = sorted((pipeline_run / "osh").glob("*.command"))
    named = {Path(c.read_text()) for c in commands}
    stages = {
        p.parent.resolve() for p in pipeline_run.glob("run/*/wandb/offline-run-*/run-*.wandb")
    }
    assert len(stages) == 4 and named == stages, (named, stages)


def test_the_console_shows_gail_labs_lines_and_no_wandb_chatter(tmp_path):
    """logger.wandb.console=quiet (the default): W&B's banners, run summaries and sync hints stay
    off the console (W&B's own silent setting, not a text filter) while the offline runs still
    hold everything; the summary and one sync line for every stage end the output. verbose brings
    W&B's output back."""
    common = [*SCRIPTED, "task=pipeline", "env.max_episode_steps=60", "data.allow_weak_expert=true"]
    out = run_cli(tmp_path, *common, "eval.control=true", env={"WANDB_SILENT": None})
    assert out.returncode == 0, out.stderr[-3000:]
    console = (out.stdout + out.stderr).splitlines()
    assert not [line for line in console if line.startswith("wandb:")]
    assert len(console) <= 40, "\n".join(console)
    assert console[-1].startswith("  W&B (offline)         wandb sync ")
    assert any("] - summary: " in line for line in console[-16:])
    runs = list((tmp_path / "run").glob("*/wandb/offline-run-*/*.wandb"))
    assert len(runs) == 4  # train_expert, collect, imitate, evaluate: all logged
    assert list((tmp_path / "run" / "control").glob("*/wandb/offline-run-*/*.wandb"))

    loud = run_cli(
        tmp_path,
        *common,
        "logger.wandb.console=verbose",
        run_dir="loud",
        env={"WANDB_SILENT": None},
    )
    assert loud.returncode == 0, loud.stderr[-3000:]
    assert "wandb:" in loud.stdout + loud.stderr
