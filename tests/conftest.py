"""Shared helpers: compose the real config with tiny budgets, and run the real CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra

from gail_lab.config import register_configs

ROOT = Path(__file__).resolve().parents[1]

# In-process tests use one intra-op thread, as runs do (cfg.torch_threads=1): small networks gain
# nothing from more, and they oversubscribe a 2-core machine running the CLI subprocesses.
torch.set_num_threads(1)
CONF = ROOT / "conf"

# Tiny budgets that keep end-to-end runs to seconds.
TINY = [
    "logger=none",
    "progress=false",
    "data.num_transitions=3000",
    "data.num_episodes=null",  # a recipe's episode count would take precedence
    "algo.loop.budget.iterations=3",
    "algo.algorithm.samples_per_iteration=256",
    "algo.loop.eval_every=2",
    "algo.loop.eval_episodes=2",
    "eval.episodes=3",
    "env.num_envs=2",
    "eval.control=false",  # the random-data control has tests of its own (test_control.py)
]
TINY_DQN = [*TINY, "expert=dqn", "expert.loop.budget.episodes=20", "expert.loop.eval_every=10"]


@pytest.fixture
def compose_cfg():
    """compose_cfg(*overrides) -> the composed root config (not resolved against Hydra's runtime)."""
    register_configs()

    def _compose(*overrides: str):
        GlobalHydra.instance().clear()
        with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
            return compose(config_name="config", overrides=list(overrides))

    yield _compose
    GlobalHydra.instance().clear()


def from_conf(name: str, **values):
    """The object a config file under conf/ builds (``algo/learner/ppo``: its values, the one
    place they live, under their schema's checks), with ``values`` changed; objects (a policy,
    an optimizer) are passed to it as they are."""
    from hydra.utils import instantiate
    from omegaconf import OmegaConf, open_dict

    register_configs()
    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
        cfg = compose(config_name=name)
    GlobalHydra.instance().clear()
    node = OmegaConf.select(cfg, name.rpartition("/")[0].replace("/", "."))  # its package
    plain = {k: v for k, v in values.items() if isinstance(v, int | float | str | bool | list)}
    objects = {k: v for k, v in values.items() if k not in plain}
    with open_dict(node):
        node.merge_with(plain)
    return instantiate(node, **objects)


def discriminator(obs_dim, n_actions, discrete, optimizer, kind="mlp", **settings):
    """The discriminator of conf/discriminator/<kind>.yaml (its values, the one place they live;
    the reward form env=cartpole's, the shaping gamma the learner's; a pair without a tuned
    recipe, so no recipe changes it), with ``settings`` changed."""
    from hydra.utils import get_class
    from omegaconf import OmegaConf

    register_configs()
    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
        overrides = ["env=cartpole", "algo=gail_reinforce", f"discriminator={kind}"]
        cfg = compose(config_name="config", overrides=overrides)
    GlobalHydra.instance().clear()
    node = OmegaConf.to_container(cfg.discriminator, resolve=True)
    cls = get_class(node.pop("_target_"))
    node.pop("optimizer")
    return cls(obs_dim, n_actions, discrete, optimizer, **{**node, **settings})


def airl_discriminator(obs_dim, n_actions, discrete, optimizer, **settings):
    """AIRL's discriminator (conf/discriminator/airl.yaml), its logit reward unless said."""
    settings = {"reward_form": "logit", **settings}
    return discriminator(obs_dim, n_actions, discrete, optimizer, kind="airl", **settings)


def make_loop(**settings):
    """A TrainingLoop for unit tests: ``settings`` over plain test values (every run's come from
    the config: conf/algo/loop/imitation.yaml and the algo files)."""
    from gail_lab.rl.loop import TrainingLoop

    base = dict(
        eval_every=10**9,
        eval_unit="iterations",
        eval_episodes=1,
        log_at_evaluations=False,
        x_axis="env_steps",
        anneal_lr=False,
        stop_at_return=None,
        keep_best=False,
        snapshot_before_iterations=True,
        nan_hint="",
        desc="test",
    )
    return TrainingLoop(**{**base, **settings})


def from_schema(schema, **values):
    """The object a config schema builds, from the schema's defaults (the one place they live)
    and ``values``; callables (an optimizer) are passed to ``instantiate`` as they are."""
    import dataclasses

    from hydra.utils import instantiate
    from omegaconf import OmegaConf

    fields = {f.name for f in dataclasses.fields(schema)}
    plain = {k: v for k, v in values.items() if not callable(v)}
    objects = {k: v for k, v in values.items() if callable(v)}
    node = OmegaConf.structured(schema(**plain, **{k: None for k in objects if k in fields}))
    return instantiate(node, **objects)


def run_cli(
    tmp_path: Path,
    *overrides: str,
    run_dir: str = "run",
    artifacts_dir: str = "artifacts",
    env: dict | None = None,
    timeout: int = 300,
) -> subprocess.CompletedProcess:
    """``python run.py <overrides>`` with outputs and artifacts under tmp_path; ``env`` adds to the
    environment (W&B offline and silent by default), a None value removes the variable."""
    cmd = [
        sys.executable,
        str(ROOT / "run.py"),
        *overrides,
        f"hydra.run.dir={tmp_path / run_dir}",
        f"artifacts_dir={tmp_path / artifacts_dir}",
    ]
    full_env = {**os.environ, "WANDB_MODE": "offline", "WANDB_SILENT": "true", **(env or {})}
    full_env = {k: v for k, v in full_env.items() if v is not None}
    return subprocess.run(
        cmd, cwd=tmp_path, capture_output=True, text=True, timeout=timeout, env=full_env
    )


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
