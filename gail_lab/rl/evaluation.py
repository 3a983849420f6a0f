"""Evaluate a policy on N seeded episodes."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from gail_lab.rl.rollout import EpisodeRunner


@dataclass
class EvalResult:
    returns: list[float]
    lengths: list[int]
    deterministic: bool
    successes: list[bool] | None = None  # per episode, where the env reports is_success

    @property
    def success_rate(self) -> float | None:
        return None if self.successes is None else float(np.mean(self.successes))

    @property
    def mean(self) -> float:
        return float(np.mean(self.returns))

    @property
    def std(self) -> float:
        return float(np.std(self.returns))

    def as_dict(self) -> dict:
        return {
            **asdict(self),
            "mean": self.mean,
            "std": self.std,
            "episodes": len(self.returns),
            "success_rate": self.success_rate,
        }


TRAINING_STREAM, REPORT_STREAM = 1, 0


def evaluation_seeds(seed: int, episodes: int, stream: int = REPORT_STREAM) -> list[int]:
    """Seeds of evaluation episodes, fixed per run seed. Evaluations made during training (to
    monitor, or to pick the best snapshot) use ``TRAINING_STREAM``; the reported evaluation uses
    ``REPORT_STREAM``, other episodes, so a selected snapshot is not scored on what selected it."""
    return [10_000_000 * (1 + stream) + 1_000 * seed + k for k in range(episodes)]


def evaluate_policy(
    policy, envs, episodes: int, seed: int, deterministic: bool = True, stream: int = REPORT_STREAM
) -> EvalResult:
    """Run ``episodes`` episodes (episode k reset with seed ``evaluation_seeds(seed, .., stream)[k]``)."""
    runner = EpisodeRunner(envs, seed)
    rollout = runner.run(
        lambda obs: policy.act(obs, deterministic=deterministic),
        episode_seeds=evaluation_seeds(seed, episodes, stream),
    )
    return EvalResult(
        returns=rollout.episode_returns.tolist(),
        lengths=rollout.episode_lengths.astype(int).tolist(),
        deterministic=deterministic,
        successes=None if rollout.episode_successes is None else rollout.episode_successes.tolist(),
    )


def training_evaluation(
    policy, envs, episodes: int, seed: int
) -> tuple[EvalResult, dict[str, float]]:
    """The greedy evaluation trainers run while training (training seed stream), and its metrics:
    ``eval/return_mean``, ``eval/return_std`` and, where the env reports one, ``eval/success_rate``."""
    det = evaluate_policy(policy, envs, episodes, seed, True, stream=TRAINING_STREAM)
    metrics = {"eval/return_mean": det.mean, "eval/return_std": det.std}
    if det.success_rate is not None:
        metrics["eval/success_rate"] = det.success_rate
    return det, metrics
