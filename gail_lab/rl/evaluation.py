"""Evaluate a policy on N seeded episodes."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field

import numpy as np

from gail_lab.data.transitions import Transitions
from gail_lab.rl.rollout import EpisodeRunner
from gail_lab.seeding import SeedTree

OUTCOMES = ("success", "failure", "terminated", "timeout")


@dataclass
class EvalResult:
    returns: list[float]
    lengths: list[int]
    deterministic: bool
    successes: list[bool] | None = None  # per episode, where the env reports is_success
    # per episode: success / failure (terminated, is_success false) / terminated (no is_success)
    # / timeout (time-limit truncation)
    outcomes: list[str] = field(default_factory=list)
    # per episode, with position dims: the (T, k) positions the agent passed through (metres)
    paths: list[np.ndarray] | None = field(default=None, repr=False)
    # per episode, with a reference: mean distance of the driven path from the reference's (m)
    path_distances: list[float] | None = None

    @property
    def success_rate(self) -> float | None:
        return None if self.successes is None else float(np.mean(self.successes))

    @property
    def mean(self) -> float:
        return float(np.mean(self.returns))

    @property
    def std(self) -> float:
        return float(np.std(self.returns))

    @property
    def length_mean(self) -> float:
        return float(np.mean(self.lengths))

    def as_dict(self) -> dict:
        out = {k: v for k, v in asdict(self).items() if k != "paths"}
        counts = Counter(self.outcomes)
        return {
            **out,
            "mean": self.mean,
            "std": self.std,
            "episodes": len(self.returns),
            "success_rate": self.success_rate,
            "length_mean": self.length_mean,
            "outcome_counts": {k: counts.get(k, 0) for k in OUTCOMES},
            "path_distance_mean": (
                None if self.path_distances is None else float(np.mean(self.path_distances))
            ),
        }

    def compare_paths(self, reference: EvalResult) -> None:
        """Set ``path_distances``: for episode k, the mean over its steps of the distance to the
        nearest point of the reference's episode k (same seed, same start)."""
        if self.paths is None or reference.paths is None:
            raise ValueError("compare_paths needs the positions of both evaluations")
        self.path_distances = [
            path_distance(mine, theirs)
            for mine, theirs in zip(self.paths, reference.paths, strict=True)
        ]


def path_distance(path: np.ndarray, reference: np.ndarray) -> float:
    """Mean over the points of ``path`` of the distance to the nearest point of ``reference``."""
    d = np.linalg.norm(path[:, None, :] - reference[None, :, :], axis=-1)
    return float(d.min(axis=1).mean())


def episode_outcomes(roll: Transitions) -> list[str]:
    """How each episode ended, read from its last transition (see ``EvalResult.outcomes``)."""
    out = []
    for k, i in enumerate(roll.episode_ends):
        if roll.truncated[i] and not roll.terminated[i]:
            out.append("timeout")
        elif roll.episode_successes is None:
            out.append("terminated")
        else:
            out.append("success" if roll.episode_successes[k] else "failure")
    return out


def episode_paths(roll: Transitions, dims: list[int], scale: float) -> list[np.ndarray]:
    """Per episode, the positions (observation ``dims`` times ``scale``) from the first
    observation to the last next-observation."""
    out = []
    bounds = np.append(roll.episode_starts, len(roll.rewards))
    for a, b in zip(bounds[:-1], bounds[1:], strict=True):
        obs = np.concatenate([roll.observations[a:b], roll.next_observations[b - 1 : b]])
        out.append(obs[:, dims].astype(np.float64) * scale)
    return out


# The reported evaluation uses the run's ``evaluation`` seed stream; evaluations made while
# training (to monitor, or to pick the best snapshot) the ``training_evaluation`` stream, other
# episodes, so a selected snapshot is not scored on what selected it.
REPORT_STREAM, TRAINING_STREAM = "evaluation", "training_evaluation"


def evaluate_policy(
    policy,
    envs,
    episodes: int,
    seeds: SeedTree,
    deterministic: bool = True,
    stream: str = REPORT_STREAM,
    position_dims: list[int] | None = None,
    position_scale: float = 1.0,
) -> EvalResult:
    """Run ``episodes`` episodes, episode k reset with the k-th seed of the ``stream`` of
    ``seeds`` (the same starts for every policy evaluated under one run seed); with
    ``position_dims``, keep each episode's path (for :meth:`EvalResult.compare_paths`)."""
    runner = EpisodeRunner(envs, None)
    rollout = runner.run(
        lambda obs: policy.act(obs, deterministic=deterministic),
        episode_seeds=seeds.integers(stream, episodes),
    )
    return EvalResult(
        returns=rollout.episode_returns.tolist(),
        lengths=rollout.episode_lengths.astype(int).tolist(),
        deterministic=deterministic,
        successes=None if rollout.episode_successes is None else rollout.episode_successes.tolist(),
        outcomes=episode_outcomes(rollout),
        paths=None
        if position_dims is None
        else episode_paths(rollout, position_dims, position_scale),
    )


def training_evaluation(
    policy, envs, episodes: int, seeds: SeedTree
) -> tuple[EvalResult, dict[str, float]]:
    """The greedy evaluation trainers run while training (training seed stream), and its metrics:
    ``eval/return_mean``, ``eval/return_std``, ``eval/length_mean`` and, where the env reports one,
    ``eval/success_rate``."""
    det = evaluate_policy(policy, envs, episodes, seeds, True, stream=TRAINING_STREAM)
    metrics = {
        "eval/return_mean": det.mean,
        "eval/return_std": det.std,
        "eval/length_mean": det.length_mean,
    }
    if det.success_rate is not None:
        metrics["eval/success_rate"] = det.success_rate
    return det, metrics
