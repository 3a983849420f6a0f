"""What every task needs: the config, the run dir, the env factory, seeds, the artifact cache."""

from __future__ import annotations

import inspect
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from hydra.core.hydra_config import HydraConfig
from hydra.errors import InstantiationException
from hydra.types import RunMode
from hydra.utils import get_object, instantiate
from omegaconf import DictConfig, ListConfig, OmegaConf

from gail_lab.envs import EnvFactory
from gail_lab.errors import GailLabError
from gail_lab.io import config_hash, ensure_writable_dir, flatten
from gail_lab.logging import RunLogger
from gail_lab.runtime import CONF_DIR, configure_torch, resolve_device
from gail_lab.seeding import SeedTree

log = logging.getLogger(__name__)


def build(node: DictConfig, **kwargs: Any) -> Any:
    """``hydra.utils.instantiate``, re-raising gail_lab's own errors without Hydra's wrapper."""
    try:
        return instantiate(node, **kwargs)
    except InstantiationException as err:
        cause = err.__cause__
        while cause is not None and not isinstance(cause, GailLabError):
            cause = cause.__cause__
        if cause is not None:
            raise cause from None
        raise


def unsupported_action_kind(policy_node: DictConfig, factory: EnvFactory) -> str | None:
    """The env's action kind ("discrete" or "continuous") when the policy network that
    ``policy_node`` builds cannot drive it (its factory's ``action_kinds``), else None."""
    kind = "discrete" if factory.discrete else "continuous"
    return None if kind in get_object(policy_node._target_).action_kinds else kind


# tasks that write experts and datasets to artifacts_dir (the others only read it)
WRITES_ARTIFACTS = ("pipeline", "train_expert", "collect")


def check_against_env(cfg: DictConfig, factory: EnvFactory) -> None:
    """Check the values that depend on the env's spaces and endings before any stage runs (not
    after the expert trained): the collector's noise dims, the discriminator's observation dims,
    and absorbing states on an env that says how its episodes ended."""
    data = cfg.data
    if data.noise_dims is not None:
        if factory.discrete:
            raise GailLabError(
                f"data.noise_dims: Box actions only; {factory.id} has {factory.action_space} "
                "(discrete actions are perturbed whole: data.noise_scale is the probability of a "
                "uniform random action); set data.noise_dims=null"
            )
        size = factory.n_actions
        bad = [d for d in data.noise_dims if not 0 <= d < size]
        if bad:
            raise GailLabError(
                f"data.noise_dims: {bad} outside the action's {size} dimensions of {factory.id} "
                f"(indices 0..{size - 1}; null perturbs all)"
            )
    if factory.discrete and data.noise_scale > 1:
        raise GailLabError(
            f"data.noise_scale: must be <= 1 for discrete actions, where it is the probability of "
            f"a uniform random action (got {data.noise_scale})"
        )
    disc = cfg.get("discriminator")
    if disc is None or cfg.algo.get("reward") is None:  # no discriminator in this algo (bc)
        return
    if disc.obs_dims is not None:
        bad = [d for d in disc.obs_dims if not 0 <= d < factory.obs_dim]
        if bad:
            raise GailLabError(
                f"discriminator.obs_dims: {bad} outside the {factory.obs_dim} observation dims of "
                f"{factory.id} (indices 0..{factory.obs_dim - 1})"
            )
    if disc.absorbing and factory.terminal_outcome == "info" and not data.minari_id:
        if not factory.reports_success():
            raise GailLabError(
                f"discriminator.absorbing: {factory.id} does not say whether an episode ended in "
                "success (no info['is_success'] on its steps), and env.terminal_outcome=info asks "
                "it to; set env.terminal_outcome=success|failure (what every termination is), or "
                "discriminator.absorbing=false"
            )


def build_with(node: DictConfig, parts: dict[str, Any]) -> Any:
    """``build(node)`` given those of ``parts`` (objects made at run time: the policy, the
    demonstrations...) that its ``_target_`` takes by name. They are passed to the built partial,
    not through ``instantiate``, which would take a dataclass (the demonstrations) for a config."""
    params = inspect.signature(get_object(node._target_)).parameters
    return build(node, _partial_=True)(**{k: v for k, v in parts.items() if k in params})


def wandb_group(cfg: DictConfig) -> str:
    """The W&B group of a run's stages: the sweep under ``--multirun`` (``<experiment or job
    name>__<sweep dir>``, the same for every job of a sweep), else the ``+experiment`` name, else
    ``run_name``. ``logger.wandb.group`` overrides it (the logger applies that)."""
    if HydraConfig.initialized():
        hydra_cfg = HydraConfig.get()
        experiment = hydra_cfg.runtime.choices.get("experiment")
        if hydra_cfg.mode == RunMode.MULTIRUN:
            sweep = "_".join(Path(hydra_cfg.sweep.dir).parts[-2:])
            return f"{experiment or hydra_cfg.job.name}__{sweep}"
        if experiment:
            return str(experiment)
    return str(cfg.run_name)


def recipe_changes(cfg: DictConfig) -> list[str]:
    """``key=value`` for every value the run's recipe file sets that the run holds otherwise
    (a command-line override or an ``experiment=`` preset changed it): the recipe's measured
    numbers do not vouch for those."""
    path = CONF_DIR / "tuned" / f"{cfg.recipe.name}.yaml"
    if not path.is_file():
        return []
    recipe = OmegaConf.to_container(OmegaConf.load(path))
    recipe.pop("recipe", None)
    changed = []

    def walk(node: dict, prefix: str) -> None:
        for name, value in node.items():
            key = f"{prefix}{name}"
            if isinstance(value, dict):
                walk(value, f"{key}.")
                continue
            got = OmegaConf.select(cfg, key, default=None)
            if isinstance(got, DictConfig | ListConfig):
                got = OmegaConf.to_container(got, resolve=True)
            if got != value:
                changed.append(f"{key}={got}")

    walk(recipe, "")
    return changed


def recipe_line(cfg: DictConfig) -> str:
    """What ran: the pair's measured recipe (conf/tuned/<env>/<algo>.yaml), and which of its values
    this run changed, or generic defaults."""
    pair = f"env={cfg.env.name} algo={cfg.algo.name}"
    if cfg.recipe is None:
        return (
            f"no tuned recipe for {pair}: algo={cfg.algo.name}'s generic defaults (what each pair "
            "scores at its defaults: docs/results/defaults.md)"
        )
    line = f"conf/tuned/{cfg.recipe.name}.yaml ({cfg.recipe.measured})"
    changed = recipe_changes(cfg)
    if changed:
        line += f", with changed values its numbers do not cover: {', '.join(changed)}"
    return line


# The artifact cache's version: part of every expert's and dataset's cache key. Bump it with a
# code change that alters what an expert or a dataset would be for the same config (a learner's
# maths, a seed stream, the collector), so old artifacts are not reused; old files stay on disk.
#   2: the seed tree (gail_lab/seeding.py) reseeded every expert and every collection
ARTIFACT_VERSION = 2
# data settings that choose from a dataset, or point to another one, rather than make it
DATA_NOT_IN_KEY = ("path", "minari_id", "use_episodes", "subsample_every", "allow_weak_expert")


# Settings that do not shape a stage's training: a run resumed with other values of these is the
# same run. The budgets may be extended on purpose (train on from the last checkpoint).
RESUMABLE_CHANGES = (
    "task",
    "logger",
    "eval",
    "progress",
    "run_name",
    "artifacts_dir",
    "reuse_artifacts",
    "checkpoint_every",
    "keep_checkpoints",
    "recipe",
    "algo.loop.budget",
    "expert.loop.budget",
)


@dataclass
class RunContext:
    cfg: DictConfig
    run_dir: Path
    factory: EnvFactory
    device: torch.device
    group: str | None = None  # W&B group of every stage (see wandb_group); None: run_name

    @classmethod
    def create(cls, cfg: DictConfig, run_dir: Path) -> RunContext:
        configure_torch(cfg.torch_threads, cfg.matmul_precision)
        device = resolve_device(cfg.device)
        factory = build(cfg.env)
        if cfg.expert.name == "auto":  # expert=auto: the one that fits the action space
            cfg.expert = cfg.expert.discrete if factory.discrete else cfg.expert.box
            log.info(
                "expert=auto: %s for %s's %s actions",
                cfg.expert.name,
                factory.id,
                "discrete" if factory.discrete else "Box",
            )
        check_against_env(cfg, factory)
        ensure_writable_dir(run_dir, "the run dir")
        if cfg.task.name in WRITES_ARTIFACTS:  # before any stage leaves a half-made dir
            ensure_writable_dir(Path(cfg.artifacts_dir).expanduser(), "artifacts_dir", keep=False)
        if "SLURM_JOB_ID" in os.environ:  # so a sweep's logs say which sbatch job ran each run
            log.info(
                "SLURM job %s (array %s task %s) on %s",
                os.environ["SLURM_JOB_ID"],
                os.environ.get("SLURM_ARRAY_JOB_ID", "-"),
                os.environ.get("SLURM_ARRAY_TASK_ID", "-"),
                os.environ.get("SLURMD_NODENAME", "?"),
            )
        return cls(cfg=cfg, run_dir=run_dir, factory=factory, device=device, group=wandb_group(cfg))

    # ------------------------------------------------------------------ config views
    def container(self, node: Any = None) -> Any:
        return OmegaConf.to_container(self.cfg if node is None else node, resolve=True)

    @property
    def expert_seed(self) -> int:
        return int(self.cfg.seed if self.cfg.expert_seed is None else self.cfg.expert_seed)

    @property
    def seeds(self) -> SeedTree:
        """The run's seed tree (imitation, evaluation): gail_lab/seeding.py."""
        return SeedTree(int(self.cfg.seed))

    @property
    def expert_seeds(self) -> SeedTree:
        """The expert's and its demonstrations' seed tree (``expert_seed``, default ``seed``)."""
        return SeedTree(self.expert_seed)

    def fingerprint(self, stage: str) -> dict[str, Any]:
        """The resolved settings that shape ``stage``'s training (train_expert: the env, the
        expert and its seed; imitate: everything), less RESUMABLE_CHANGES, flat: what a
        checkpoint must match to be resumed."""
        config = self.container()
        if stage == "train_expert":
            keys = ("env", "expert", "matmul_precision", "device", "torch_threads")
            config = {k: config[k] for k in keys} | {"expert_seed": self.expert_seed}
        flat = flatten(config)

        def free(key: str) -> bool:
            return any(key == k or key.startswith(k + ".") for k in RESUMABLE_CHANGES)

        return {k: v for k, v in flat.items() if not free(k)}

    def logger(self, stage_dir: Path, job_type: str) -> RunLogger:
        make = build(self.cfg.logger, _partial_=True)  # the run config must not be instantiated
        return make(
            run_dir=stage_dir,
            run_name=f"{self.cfg.run_name}__{job_type}",
            group=self.group or self.cfg.run_name,
            job_type=job_type,
            run_config=self.container(),
            tags=[
                f"env:{self.cfg.env.name}",
                f"algo:{self.cfg.algo.name}",
                f"expert:{self.cfg.expert.name}",
            ],
        )

    @staticmethod
    def dataset_artifact_name(path: Path) -> str:
        """The W&B artifact of a dataset file: its stem (``{env}__{expert}__s{seed}__{hash}``)."""
        return path.stem

    # ------------------------------------------------------------------ artifact cache
    @property
    def artifacts_dir(self) -> Path:
        return Path(self.cfg.artifacts_dir).expanduser().resolve()

    def expert_identity(self) -> dict[str, Any]:
        """What makes an expert: the cache version, the env, the resolved expert node, the
        expert seed and the matmul precision (hashed into its cache path)."""
        return {
            "version": ARTIFACT_VERSION,
            "env": self.factory.identity(),
            "expert": self.container(self.cfg.expert),
            "seed": self.expert_seed,
            "matmul_precision": self.cfg.matmul_precision,
        }

    def _stem(self, identity: dict[str, Any]) -> str:
        return f"{self.cfg.env.name}__{self.cfg.expert.name}__s{self.expert_seed}__{config_hash(identity)}"

    @property
    def expert_path(self) -> Path:
        return self.artifacts_dir / "experts" / self._stem(self.expert_identity()) / "expert.pt"

    @property
    def cached_dataset_path(self) -> Path:
        """The cached dataset of this expert and the resolved data node (less DATA_NOT_IN_KEY)."""
        data = {k: v for k, v in self.container(self.cfg.data).items() if k not in DATA_NOT_IN_KEY}
        identity = {**self.expert_identity(), "data": data}
        return self.artifacts_dir / "datasets" / f"{self._stem(identity)}.npz"

    @property
    def dataset_path(self) -> Path:
        """``data.path`` when given, the converted Minari dataset for ``data.minari_id``, else the
        cached dataset of this env/expert/seed/data config."""
        if self.cfg.data.path:
            return Path(self.cfg.data.path).expanduser().resolve()
        if self.cfg.data.minari_id:
            name = str(self.cfg.data.minari_id).replace("/", "__")
            return self.artifacts_dir / "datasets" / "minari" / f"{name}.npz"
        return self.cached_dataset_path

    def cli_hint(self, task: str) -> str:
        """The command that makes the artifact this config needs."""
        return f"python run.py task={task} env={self.cfg.env.name} expert={self.cfg.expert.name} seed={self.expert_seed}"
