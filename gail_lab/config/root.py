"""Schemas of the ``logger`` and ``task`` groups, the data and evaluation settings, and the root
config (conf/config.yaml)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from omegaconf import MISSING

from gail_lab.config.checks import require, require_one_of


# --------------------------------------------------------------------------- logger, task
@dataclass
class WandbConfig:
    mode: str = (
        "offline"  # offline (default: no server needed; `wandb sync` later), online, disabled
    )
    project: str = "gail_lab"
    entity: str | None = None
    # null: the sweep under --multirun, else the +experiment name, else run_name
    group: str | None = None
    tags: list[str] = field(default_factory=list)  # added to env:<name>, algo:<name>, expert:<name>
    log_artifacts: bool = True  # datasets (collect), expert and policy checkpoints; dataset lineage
    init_timeout: float = 30.0  # online: seconds to reach W&B before logging offline instead
    # Compute nodes without internet: with osh=true an offline run asks wandb-osh (running on a
    # login node: `wandb-osh`) to `wandb sync` it, by writing a command file into osh_dir (null:
    # wandb-osh's default, ~/.wandb_osh_command_dir) at most every osh_every seconds and at the end
    osh: bool = False
    osh_dir: str | None = None
    osh_every: float = 60.0

    def __post_init__(self) -> None:
        require_one_of(self.mode, "mode", ("offline", "online", "disabled"))
        require(self.init_timeout > 0, "init_timeout", "> 0", self.init_timeout)
        require(self.osh_every >= 0, "osh_every", ">= 0 (seconds)", self.osh_every)


@dataclass
class LoggerConfig:
    _target_: str = "gail_lab.logging.RunLogger"
    wandb: WandbConfig | None = None


@dataclass
class TaskConfig:
    _target_: str = MISSING  # the task function, e.g. gail_lab.tasks.pipeline.run
    name: str = MISSING


@dataclass
class ReportTaskConfig(TaskConfig):
    """task=report (gail_lab/report.py): aggregate the runs under ``dir`` by config over seeds."""

    dir: str = MISSING  # a sweep dir (multirun/<date>/<time>) or any folder holding run dirs
    metrics: list[str] = field(
        default_factory=lambda: ["normalized_score", "imitation_return_mean"]
    )  # keys of each run's summary.json; the first one is plotted
    curve: str = "eval/return_mean"  # the metrics.jsonl key of the learning curves
    confidence: float = 0.95
    resamples: int = 10_000  # bootstrap resamples
    bootstrap_seed: int = 0  # the bootstrap's RNG seed: the same runs give the same intervals

    def __post_init__(self) -> None:
        require(0 < self.confidence < 1, "confidence", "in (0, 1)", self.confidence)
        require(self.resamples >= 1, "resamples", ">= 1", self.resamples)
        require(len(self.metrics) >= 1, "metrics", "a non-empty list", self.metrics)


@dataclass
class DashboardTaskConfig(TaskConfig):
    """task=dashboard (gail_lab/logging/dashboard.py): the W&B workspace views of the project
    ``logger.wandb.project`` under ``logger.wandb.entity``."""

    prefix: str = "gail_lab"  # the views are named "<prefix>: imitation" and "<prefix>: experts"
    save: bool = True  # false: write the layout (dashboard.json) without saving to W&B


# --------------------------------------------------------------------------- root
@dataclass
class DataConfig:
    """Demonstrations: how task=collect makes them and where task=imitate finds them."""

    num_transitions: int | None = (
        200_000  # collect complete episodes until at least this many pairs
    )
    num_episodes: int | None = None  # or exactly this many episodes (takes precedence)
    allow_weak_expert: bool = False  # collect even from an expert below env.expert_min_return
    path: str | None = None  # an explicit dataset file; null: the cached dataset for this config
    # a Minari dataset (namespace/name-vN) from the local Minari store (MINARI_DATASETS_PATH, else
    # ~/.minari/datasets): converted once to artifacts/datasets/minari/, then used as data.path
    # would be; the expert is not trained (the data's own return is the score's reference)
    minari_id: str | None = None
    # Sub-optimal or DART-style demonstrations: the executed action is perturbed (discrete: a
    # uniform random action with probability noise_scale; continuous: Gaussian noise of std
    # noise_scale, clipped to the action box). label=executed records what was executed;
    # label=clean (DART, Laskey et al. 2017) records the expert's clean action.
    noise_scale: float = 0.0
    label: str = "executed"
    noise_dims: list[int] | None = None  # Box actions: perturb only these dimensions (null: all)
    # expert, or random: the control that replaces the demonstrations by uniform-random-policy data
    # (how much of a result the demonstrations explain, not the termination bias; DAC, Kostrikov
    # et al. 2019). Normalized scores still use the real expert's return as the reference.
    source: str = "expert"
    # Ho & Ermon's subsampling, applied when a dataset is used (task=imitate), not when it is made:
    use_episodes: int | None = None  # the first n trajectories only
    subsample_every: int = 1  # keep every k-th transition of each trajectory (from its first)

    def __post_init__(self) -> None:
        require(self.noise_scale >= 0, "noise_scale", ">= 0", self.noise_scale)
        require_one_of(self.label, "label", ("executed", "clean"))
        require(self.subsample_every >= 1, "subsample_every", ">= 1", self.subsample_every)
        require_one_of(self.source, "source", ("expert", "random"))
        if self.use_episodes is not None:
            require(self.use_episodes >= 1, "use_episodes", ">= 1 or null", self.use_episodes)
        require(
            self.num_transitions is not None or self.num_episodes is not None,
            "num_transitions/num_episodes",
            "set (one of them)",
            None,
        )
        if self.num_episodes is not None:
            require(self.num_episodes >= 1, "num_episodes", ">= 1", self.num_episodes)
        if self.num_transitions is not None:
            require(self.num_transitions >= 1, "num_transitions", ">= 1", self.num_transitions)


@dataclass
class EvalConfig:
    episodes: int = 10
    deterministic: bool = True  # argmax actions; stochastic returns are reported beside them
    target: str = (
        "imitation"  # what task=evaluate scores: imitation (a policy checkpoint) or expert
    )
    checkpoint: str | None = None  # policy file for target=imitation (null: <run dir>/policy.pt)
    video: bool = False  # also render one greedy episode (first evaluation seed) to episode.gif
    video_max_frames: int = 600  # longer episodes keep every k-th frame to fit
    # task=pipeline: also run the random-data control (the same run on uniform-random-policy data,
    # in <run dir>/control, beside the main run when a core is free) and print its score
    control: bool = False
    # task=pipeline: the normalized score whose first training evaluation reaching it gives the
    # summary's to_target_step / to_target_time_s (0.95 in classic control; 0.9 on MuJoCo)
    target_score: float = 0.95

    def __post_init__(self) -> None:
        require(self.episodes >= 1, "episodes", ">= 1", self.episodes)
        require(0 < self.target_score <= 2, "target_score", "in (0, 2]", self.target_score)
        require(self.video_max_frames >= 1, "video_max_frames", ">= 1", self.video_max_frames)
        require_one_of(self.target, "target", ("imitation", "expert"))


@dataclass
class RecipeConfig:
    """The measured recipe of an (env, algo) pair. conf/tuned/<env>/<algo>.yaml sets it beside
    the recipe's values (Hydra picks that file from the chosen env and algo); null when the pair
    has none, and then the algo preset's generic defaults run."""

    name: str = MISSING  # <env>/<algo>
    measured: str = MISSING  # what the recipe reached, on which seeds, and where the record is


MATMUL_PRECISIONS = ("highest", "high", "medium")  # torch.set_float32_matmul_precision's values


@dataclass
class Config:
    task: Any = MISSING
    expert: Any = MISSING
    env: Any = MISSING
    algo: Any = MISSING
    discriminator: Any = MISSING
    optimizer: Any = MISSING
    logger: Any = MISSING
    recipe: RecipeConfig | None = None  # set by conf/tuned/<env>/<algo>.yaml, when one exists
    data: DataConfig = field(default_factory=DataConfig)
    eval: EvalConfig = field(default_factory=EvalConfig)
    seed: int = 0
    expert_seed: int | None = (
        None  # null: same as seed; fix it to share one expert across a seed sweep
    )
    device: str = "cpu"  # cpu, or cuda (used when asked for and present)
    torch_threads: int = (
        1  # small MLPs run fastest single-threaded; parallel jobs do not oversubscribe
    )
    # torch.set_float32_matmul_precision: highest (plain float32 matmuls, the default), high or
    # medium. On this project's CPUs (AVX512-BF16) medium runs float32 matmuls through oneDNN's
    # bf16 kernels at about twice the speed, with float32-level error here (median relative
    # error 2.3e-7 against 1.8e-7 on a 256x256 product); other numbers than highest, so a
    # record names the precision it ran with (docs/results/speed.md).
    matmul_precision: str = "highest"
    progress: bool = True  # progress bars with steps/s and ETA
    artifacts_dir: str = (
        "artifacts"  # cache of experts and datasets, shared by runs (keyed by config)
    )
    reuse_artifacts: bool = True  # false: retrain the expert / recollect the dataset even if cached
    # Training checkpoints (every learner, rl/loop.py): the whole training state, in
    # <stage dir>/checkpoints/, on SIGTERM/SIGUSR2, at the end, and every checkpoint_every
    # iterations of an imitation learner (experts and dac: at every evaluation); the newest
    # keep_checkpoints kept; a run started again in the same run dir resumes from the newest one
    # (0: no checkpoints).
    checkpoint_every: int = 10
    keep_checkpoints: int = 3
    run_name: str = "${env.name}__${algo.name}__${seed}"

    def __post_init__(self) -> None:
        require(
            self.device in ("cpu", "cuda") or self.device.startswith("cuda:"),
            "device",
            "cpu, cuda or cuda:N",
            self.device,
        )
        require(self.torch_threads >= 1, "torch_threads", ">= 1", self.torch_threads)
        require(
            self.matmul_precision in MATMUL_PRECISIONS,
            "matmul_precision",
            f"one of {list(MATMUL_PRECISIONS)}",
            self.matmul_precision,
        )
        require(self.seed >= 0, "seed", ">= 0", self.seed)
        require(self.checkpoint_every >= 0, "checkpoint_every", ">= 0", self.checkpoint_every)
        require(self.keep_checkpoints >= 1, "keep_checkpoints", ">= 1", self.keep_checkpoints)
