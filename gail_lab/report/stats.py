"""Statistics of a report (Agarwal et al. 2021, rliable): the interquartile mean and
percentile-bootstrap confidence intervals over runs, with a fixed RNG seed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

IQM_MIN_RUNS = 5  # below this a 25 % trim drops nothing or next to nothing: report the mean only


def iqm(values: Sequence[float] | np.ndarray, axis: int = -1) -> np.ndarray:
    """Interquartile mean: sort, drop ``floor(n / 4)`` values at each end, average the rest
    (``scipy.stats.trim_mean(values, 0.25)``, rliable's ``aggregate_iqm``)."""
    x = np.sort(np.asarray(values, dtype=float), axis=axis)
    n = x.shape[axis]
    cut = int(0.25 * n)
    return np.take(x, np.arange(cut, n - cut), axis=axis).mean(axis=axis)


def _mean(values: np.ndarray, axis: int = -1) -> np.ndarray:
    return np.asarray(values, dtype=float).mean(axis=axis)


STATISTICS = {"mean": _mean, "iqm": iqm}


def bootstrap_ci(
    values: Sequence[float] | np.ndarray,
    statistic: str = "mean",
    confidence: float = 0.95,
    resamples: int = 10_000,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Percentile-bootstrap confidence interval of ``statistic`` over runs (axis 0).

    ``values`` has one row per run: shape (n,) for final numbers, (n, points) for curves (one
    interval per point, the same resampled runs for every point). Resampling is over runs, with
    replacement, from ``np.random.default_rng(seed)``: the same input gives the same interval.
    Returns (low, high), each of shape ``values.shape[1:]``.
    """
    x = np.asarray(values, dtype=float)
    n = x.shape[0]
    if n == 0:
        raise ValueError("bootstrap_ci: no values")
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, n, size=(resamples, n))
    stats = STATISTICS[statistic](x[idx], axis=1)  # (resamples, *rest)
    alpha = (1.0 - confidence) / 2
    low, high = np.quantile(stats, [alpha, 1.0 - alpha], axis=0)
    return low, high


@dataclass
class Estimate:
    """A statistic of one group's runs with its bootstrap interval."""

    value: float
    low: float
    high: float

    def __str__(self) -> str:
        big = max(abs(self.value), abs(self.low), abs(self.high)) >= 10
        return " ".join(
            [_fmt(self.value, big), f"[{_fmt(self.low, big)},", f"{_fmt(self.high, big)}]"]
        )


def estimate(
    values: Sequence[float], statistic: str, confidence: float, resamples: int, seed: int
) -> Estimate:
    x = np.asarray(values, dtype=float)
    low, high = bootstrap_ci(x, statistic, confidence, resamples, seed)
    return Estimate(float(STATISTICS[statistic](x)), float(low), float(high))


def _fmt(v: float, big: bool) -> str:
    """Returns to one decimal, scores (near 0..1) to three."""
    return f"{v:.1f}" if big else f"{v:.3f}"
