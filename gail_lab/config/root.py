"""Schemas of the ``logger`` and ``task`` groups, the data and evaluation settings, and the root
config (conf/config.yaml)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from omegaconf import MISSING

from gail_lab.choices import DATA_SOURCES, PRECISIONS
from gail_lab.config.checks import require, require_one_of


# --------------------------------------------------------------------------- logger, task
@dataclass
class WandbConfig:
    mode: str = MISSING  # offline (default: no server needed; `wandb sync` later), online, disabled
    project: str = MISSING
    entity: str | None = MISSING
    # null: the sweep under --multirun, else the +experiment name, else run_name
    group: str | None = MISSING
    tags: list[str] = MISSING  # added to env:<name>, algo:<name>, expert:<name>
    log_artifacts: bool = (
        MISSING  # datasets (collect), expert and policy checkpoints; dataset lineage
    )
    init_timeout: float = MISSING  # online: seconds to reach W&B before logging offline instead
    # Compute nodes without internet: with osh=true an offline run asks wandb-osh (running on a
    # login node: `wandb-osh`) to `wandb sync` it, by writing a command file into osh_dir (null:
    # wandb-osh's default, ~/.wandb_osh_command_dir) at most every osh_every seconds and at the end
    osh: bool = MISSING
    osh_dir: str | None = MISSING
    osh_every: float = MISSING
    # quiet: W&B's own console output (banners, run summaries, sync hints) off, everything still
    # in the run files, one sync line at the end of a pipeline; verbose: W&B prints as it does
    console: str = MISSING

    def __post_init__(self) -> None:
        require_one_of(self.mode, "mode", ("offline", "online", "disabled"))
        require_one_of(self.console, "console", ("quiet", "verbose"))
        require(self.init_timeout > 0, "init_timeout", "> 0", self.init_timeout)
        require(self.osh_every >= 0, "osh_every", ">= 0 (seconds)", self.osh_every)


@dataclass
class LoggerConfig:
    _target_: str = "gail_lab.logging.RunLogger"
    wandb: WandbConfig | None = MISSING  # null: no W&B (logger=none)


@dataclass
class TaskConfig:
    _target_: str = MISSING  # the task function, e.g. gail_lab.tasks.pipeline.run
    name: str = MISSING


@dataclass
class ReportTaskConfig(TaskConfig):
    """task=report (gail_lab/report.py): aggregate the runs under ``dir`` by config over seeds."""

    dir: str = MISSING  # a sweep dir (multirun/<date>/<time>) or any folder holding run dirs
    metrics: list[str] = MISSING  # keys of each run's summary.json; the first one is plotted
    curve: str = MISSING  # the metrics.jsonl key of the learning curves
    confidence: float = MISSING
    resamples: int = MISSING  # bootstrap resamples
    bootstrap_seed: int = MISSING  # the bootstrap's RNG seed: the same runs, the same intervals

    def __post_init__(self) -> None:
        require(0 < self.confidence < 1, "confidence", "in (0, 1)", self.confidence)
        require(self.resamples >= 1, "resamples", ">= 1", self.resamples)
        require(len(self.metrics) >= 1, "metrics", "a non-empty list", self.metrics)


@dataclass
class DashboardTaskConfig(TaskConfig):
    """task=dashboard (gail_lab/logging/dashboard.py): the W&B workspace views of the project
    ``logger.wandb.project`` under ``logger.wandb.entity``."""

    prefix: str = MISSING  # the views are named "<prefix>: imitation" and "<prefix>: experts"
    save: bool = MISSING  # false: write the layout (dashboard.json) without saving to W&B


# --------------------------------------------------------------------------- root
@dataclass
class DataConfig:
    """Demonstrations: how task=collect makes them and where task=imitate finds them."""

    num_transitions: int | None = (
        MISSING  # collect complete episodes until at least this many pairs
    )
    num_episodes: int | None = MISSING  # or exactly this many episodes (takes precedence)
    allow_weak_expert: bool = MISSING  # collect even from an expert below env.expert_min_return
    path: str | None = MISSING  # an explicit dataset file; null: the cached dataset for this config
    # a Minari dataset (namespace/name-vN) from the local Minari store (MINARI_DATASETS_PATH, else
    # ~/.minari/datasets): converted once to artifacts/datasets/minari/, then used as data.path
    # would be; the expert is not trained (the data's own return is the score's reference)
    minari_id: str | None = MISSING
    # Sub-optimal or DART-style demonstrations: the executed action is perturbed (discrete: a
    # uniform random action with probability noise_scale; continuous: Gaussian noise of std
    # noise_scale, clipped to the action box). label=executed records what was executed;
    # label=clean (DART, Laskey et al. 2017) records the expert's clean action.
    noise_scale: float = MISSING
    label: str = MISSING
    noise_dims: list[int] | None = MISSING  # Box actions: perturb only these dimensions (null: all)
    # expert, or random: the control that replaces the demonstrations by uniform-random-policy data
    # (how much of a result the demonstrations explain, not the termination bias; DAC, Kostrikov
    # et al. 2019). random_timeouts: the same data with every termination recorded as a time limit,
    # so no episode of it ends (no crash, no absorbing state): a control a run that only learned
    # "do not end the episode" also passes, where random data ending in crashes teaches crashing.
    # Normalized scores still use the real expert's return as the reference.
    source: str = MISSING
    # a control's score reference when no expert of this run gives one (null: the expert's
    # evaluated return); the pipeline sets it to a Minari dataset's mean return for its control
    reference_return: float | None = MISSING
    # Ho & Ermon's subsampling, applied when a dataset is used (task=imitate), not when it is made:
    use_episodes: int | None = MISSING  # the first n trajectories only
    subsample_every: int = MISSING  # keep every k-th transition of each trajectory (from its first)

    def __post_init__(self) -> None:
        require(
            self.minari_id is None or self.path is None,
            "minari_id",
            "null when data.path is set (one dataset: a file or a Minari id)",
            self.minari_id,
        )
        require(self.noise_scale >= 0, "noise_scale", ">= 0", self.noise_scale)
        require_one_of(self.label, "label", ("executed", "clean"))
        require(self.subsample_every >= 1, "subsample_every", ">= 1", self.subsample_every)
        require_one_of(self.source, "source", DATA_SOURCES)
        require(
            self.reference_return is None or self.source != "expert",
            "reference_return",
            "null unless data.source is a control's (random, random_timeouts)",
            self.reference_return,
        )
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
    episodes: int = MISSING
    deterministic: bool = MISSING  # argmax actions; stochastic returns are reported beside them
    target: str = MISSING  # what task=evaluate scores: imitation (a policy checkpoint) or expert
    checkpoint: str | None = MISSING  # policy file for target=imitation (null: <run dir>/policy.pt)
    video: bool = MISSING  # also render one greedy episode (first evaluation seed) to episode.gif
    video_max_frames: int = MISSING  # longer episodes keep every k-th frame to fit
    # task=pipeline: also run the random-data control (the same run on uniform-random-policy data,
    # in <run dir>/control, beside the main run when a core is free) and print its score
    control: bool = MISSING
    # task=pipeline: the normalized score whose first training evaluation reaching it gives the
    # summary's to_target_step / to_target_time_s (0.95 in classic control; 0.9 on MuJoCo)
    target_score: float = MISSING

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
    recipe: RecipeConfig | None = MISSING  # set by conf/tuned/<env>/<algo>.yaml, when one exists
    data: DataConfig = MISSING
    eval: EvalConfig = MISSING
    seed: int = MISSING
    expert_seed: int | None = (
        MISSING  # null: same as seed; fix it to share one expert across a seed sweep
    )
    device: str = MISSING  # cpu, or cuda (used when asked for and present)
    torch_threads: int = (
        MISSING  # small MLPs run fastest single-threaded; parallel jobs do not oversubscribe
    )
    # torch.set_float32_matmul_precision: highest (plain float32 matmuls, the default), high or
    # medium. On this project's CPUs medium gains ~10 % on a 256x256 product (107 against 96
    # GFLOP/s); other numbers than highest, so a record names the precision it ran with.
    matmul_precision: str = MISSING
    # fp32, or bf16: the networks' hidden layers under bfloat16 autocast, the rest float32
    # (gail_lab/rl/precision.py; ~2x the matmul rate on AVX512-BF16 CPUs); docs/results/speed.md
    precision: str = MISSING
    progress: bool = MISSING  # progress bars with steps/s and ETA
    artifacts_dir: str = MISSING  # cache of experts and datasets, shared by runs (keyed by config)
    reuse_artifacts: bool = (
        MISSING  # false: retrain the expert / recollect the dataset even if cached
    )
    # Training checkpoints (every learner, rl/loop.py): the whole training state, in
    # <stage dir>/checkpoints/, on SIGTERM/SIGUSR2, at the end, and every checkpoint_every
    # iterations of an imitation learner (experts and dac: at every evaluation); the newest
    # keep_checkpoints kept; a run started again in the same run dir resumes from the newest one
    # (0: no checkpoints).
    checkpoint_every: int = MISSING
    keep_checkpoints: int = MISSING
    run_name: str = MISSING

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
        require_one_of(self.precision, "precision", PRECISIONS)
        require(0 <= self.seed <= 2**32 - 1, "seed", "in [0, 2**32 - 1]", self.seed)
        require(
            self.expert_seed is None or 0 <= self.expert_seed <= 2**32 - 1,
            "expert_seed",
            "null or in [0, 2**32 - 1]",
            self.expert_seed,
        )
        require(self.checkpoint_every >= 0, "checkpoint_every", ">= 0", self.checkpoint_every)
        require(self.keep_checkpoints >= 1, "keep_checkpoints", ">= 1", self.keep_checkpoints)
