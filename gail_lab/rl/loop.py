"""The one training loop. Every learner (the DQN, SAC and PPO experts, GAIL and AIRL, BC, offline
GAIL) is an :class:`Algorithm` that supplies one iteration of its own work; the loop owns the rest:

    while the budget lasts:
        progress = algo.iterate(remaining)       # collect + update: the algorithm's own maths
        counters += progress                     # iterations, env steps, episodes, gradient steps
        check the metrics are finite             # NaN guard
        evaluate when due; keep the best snapshot
        log; progress bar; lr schedule
        checkpoint when due or on SIGTERM/SIGUSR2 (then stop: rerun to resume)

An iteration is what the algorithm finds natural: a rollout and an update (on-policy), an episode
(DQN), an env step (SAC), a gradient step (BC), an epoch (offline GAIL). Budgets, evaluation and
logging cadences are counted in any of the four counters, so "100k env steps" means the same
thing for every learner.
"""

from __future__ import annotations

import copy
import dataclasses
import logging
import math
import signal
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Protocol

import torch

from gail_lab.choices import UNITS
from gail_lab.envs import EnvFactory
from gail_lab.errors import GailLabError, NonFiniteError
from gail_lab.logging import progress_bar
from gail_lab.rl.evaluation import training_evaluation
from gail_lab.rl.schedules import LinearLRDecay
from gail_lab.rl.training_state import (
    TrainingCheckpoints,
    global_rng_state,
    set_global_rng_state,
)
from gail_lab.seeding import SeedTree

log = logging.getLogger(__name__)

DEFAULT_HINT = "lower the learning rate"  # what a NaN error suggests when the learner has no hint


class Preempted(GailLabError):
    """SIGTERM/SIGUSR2/SIGINT arrived: the state was checkpointed; rerun in the same run dir to
    resume."""

    def __init__(self, message: str, signum: int) -> None:
        super().__init__(message)
        self.signum = signum


def scalars(stats: dict[str, torch.Tensor]) -> dict[str, float]:
    """Zero-dim metric tensors as floats, read in one host sync (``.item()`` each would sync
    once per metric, per update)."""
    values = torch.stack([v.detach().float() for v in stats.values()]).tolist()
    return dict(zip(stats, values, strict=True))


@dataclass
class Progress:
    """What one iteration did: its metrics and how far it moved each counter."""

    metrics: dict[str, float] = field(default_factory=dict)
    env_steps: int = 0
    episodes: int = 0
    gradient_steps: int = 0
    finished: bool = False  # the algorithm's own end (none of the loop's budgets)


class Algorithm(Protocol):
    """One learner, as the loop drives it."""

    policy: Any  # what is evaluated, snapshotted and returned

    def setup(self, factory: EnvFactory, seeds: SeedTree) -> None:
        """Make envs, buffers and RNGs from the run's seed tree (called once, before a resume's
        ``load_state_dict``)."""

    def iterate(self, remaining: dict[str, int | None]) -> Progress:
        """One iteration; ``remaining`` is what each budget has left (None: unlimited)."""

    def optimizers(self) -> list[torch.optim.Optimizer]:
        """The optimizers whose learning rate ``anneal_lr`` decays linearly to 0."""

    def state_dict(self) -> dict[str, Any]:
        """Everything a resumed run needs (networks, optimizers, buffers, RNGs, env states)."""

    def load_state_dict(self, state: dict[str, Any]) -> bool:
        """Restore :meth:`state_dict`; False where it could not be exact (async envs)."""

    def close(self) -> None:
        """Close the envs."""


def check_finite(metrics: dict[str, float], where: str, hint: str = "") -> None:
    """Stop with a message naming the quantity and where it happened when a metric is NaN or inf."""
    for key, value in metrics.items():
        if isinstance(value, float) and not math.isfinite(value):
            raise NonFiniteError(f"{key} became {value} at {where}; {hint or DEFAULT_HINT}")


@dataclass
class Counters:
    iterations: int = 0
    env_steps: int = 0
    episodes: int = 0
    gradient_steps: int = 0

    def add(self, p: Progress) -> None:
        self.iterations += 1
        self.env_steps += p.env_steps
        self.episodes += p.episodes
        self.gradient_steps += p.gradient_steps

    def get(self, unit: str) -> int:
        return getattr(self, unit)


@dataclass
class LoopResult:
    iterations: int = 0
    env_steps: int = 0
    episodes: int = 0
    gradient_steps: int = 0
    wall_time_s: float = 0.0
    eval_history: list[tuple[int, float]] = field(default_factory=list)  # (x, greedy return)
    best_return: float = -math.inf
    best_step: int = 0  # x of the best evaluation
    best_state: dict[str, Any] | None = None  # the policy's state there (keep_best)


@dataclass
class TrainingLoop:
    """``budget``: {unit: total}, training ends when the first is reached (units: iterations,
    env_steps, episodes, gradient_steps; the first one drives the progress bar and ``anneal_lr``).
    ``eval_every`` / ``eval_unit``: evaluate whenever that counter passes a multiple of
    ``eval_every``, and at the end; ``log_at_evaluations``: log a metrics row at evaluations only
    (each metric's latest value since the previous row), else every iteration. ``x_axis``: the counter
    metrics are logged against. ``keep_best``: return the policy of the best greedy evaluation.
    ``snapshot_before_iterations``: keep the state before each iteration, so that a NaN saves the
    last finite state (cheap for on-policy learners; replay-buffer learners report the newest
    checkpoint instead)."""

    budget: dict[str, int]
    eval_every: int
    eval_unit: str
    eval_episodes: int
    log_at_evaluations: bool
    x_axis: str
    anneal_lr: bool
    stop_at_return: float | None
    keep_best: bool
    snapshot_before_iterations: bool
    nan_hint: str
    desc: str

    def __post_init__(self) -> None:
        budget = {k: v for k, v in self.budget.items() if v is not None}
        if not budget:
            raise ValueError("TrainingLoop needs a budget")
        units = [*budget, self.eval_unit, self.x_axis]
        for unit in units:
            if unit not in UNITS:
                raise ValueError(f"unknown unit {unit!r}; units: {list(UNITS)}")
        self.budget = dict(budget)
        self.eval_cadence = (self.eval_unit, int(self.eval_every))
        self.log_cadence = self.eval_cadence if self.log_at_evaluations else None

    # ------------------------------------------------------------------ budget
    def remaining(self, c: Counters) -> dict[str, int | None]:
        return {u: (self.budget[u] - c.get(u) if u in self.budget else None) for u in UNITS}

    def done(self, c: Counters) -> bool:
        return any(c.get(u) >= total for u, total in self.budget.items())

    def fraction_used(self, c: Counters) -> float:
        unit, total = next(iter(self.budget.items()))
        return c.get(unit) / total

    @staticmethod
    def due(every: tuple[str, int] | None, before: Counters, after: Counters) -> bool:
        """A multiple of ``every`` was passed during the iteration from ``before`` to ``after``."""
        if every is None:
            return True
        unit, n = every
        return after.get(unit) // n > before.get(unit) // n

    def checkpoint_due(
        self, ckpts: TrainingCheckpoints, before: Counters, c: Counters, evaluated: bool, evals: int
    ) -> bool:
        if ckpts.unit == "evaluations":
            return evaluated and evals % ckpts.every == 0
        return self.due((ckpts.unit, ckpts.every), before, c)

    # ------------------------------------------------------------------ run
    def run(
        self,
        algo: Algorithm,
        factory: EnvFactory,
        seeds: SeedTree,
        logger=None,
        progress: bool = True,
        checkpoints: TrainingCheckpoints | None = None,
    ) -> LoopResult:
        """Train ``algo``. With ``checkpoints``: resume from the newest checkpoint there, save the
        whole state every ``checkpoints.every`` iterations, at the end, and when SIGTERM/SIGUSR2
        arrives (then raise :class:`Preempted`)."""
        algo.setup(factory, seeds)
        eval_envs = factory.make_vec(min(factory.num_envs, self.eval_episodes))
        schedules = [LinearLRDecay(opt) for opt in algo.optimizers()]
        result, c, t0 = LoopResult(), Counters(), time.time()
        pending: dict[str, float] = {}  # metrics gathered since the last logged row

        def state() -> dict[str, Any]:
            return {
                "counters": dataclasses.asdict(c),
                "elapsed_s": time.time() - t0,
                "result": dataclasses.asdict(result),
                "algo": algo.state_dict(),
                "schedules": [s.base_lrs for s in schedules],
                "rng": global_rng_state(),
                "pending": dict(pending),  # metrics not logged yet (log_at_evaluations)
            }

        if checkpoints is not None:
            checkpoints.lock()  # one writer per stage dir (released when this process ends)
        if checkpoints is not None and (found := checkpoints.latest()) is not None:
            saved, path = found
            c = Counters(**saved["counters"])
            t0 = time.time() - float(saved["elapsed_s"])
            result = LoopResult(**saved["result"])
            result.eval_history = [tuple(x) for x in result.eval_history]
            exact = algo.load_state_dict(saved["algo"])
            for s, lrs in zip(schedules, saved["schedules"], strict=True):
                s.base_lrs = list(lrs)
            set_global_rng_state(saved["rng"])
            pending = dict(saved["pending"])
            if logger is not None and hasattr(logger, "rewind"):
                logger.rewind(c.get(self.x_axis))
            log.info(
                "resumed from %s: iteration %d, %d env steps%s",
                path,
                c.iterations,
                c.env_steps,
                "" if exact else " (env states not restorable: not bit-exact)",
            )
        stop = {"signal": None}
        handlers = {}
        if checkpoints is not None and threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGTERM, signal.SIGUSR2, signal.SIGINT):
                handlers[sig] = signal.signal(sig, lambda num, frame: stop.update(signal=num))
        bar_unit, bar_total = next(iter(self.budget.items()))
        bar = progress_bar(
            bar_total,
            self.desc,
            progress,
            unit={"iterations": "it", "episodes": "ep"}.get(bar_unit, "step"),
        )
        bar.update(c.get(bar_unit))  # where a resumed run starts
        try:
            while not self.done(c):
                keep = checkpoints is not None and self.snapshot_before_iterations
                before_state = copy.deepcopy(state()) if keep else None
                before = copy.deepcopy(c)
                if self.anneal_lr:  # the learning rates decay linearly to 0 over the budget
                    for s in schedules:
                        s.set_remaining(1.0 - self.fraction_used(c))
                try:
                    step = self._iterate(algo, c)
                except NonFiniteError as err:
                    if checkpoints is None:
                        raise
                    if before_state is not None:
                        path = checkpoints.save(before_state, c.iterations)
                        raise NonFiniteError(
                            f"{err}; the last finite state is saved in {path}"
                        ) from None
                    newest = checkpoints.files()
                    where = (
                        f"the newest checkpoint is {newest[-1][1]}"
                        if newest
                        else "no checkpoint was saved"
                    )
                    raise NonFiniteError(f"{err}; {where}") from None
                c.add(step)
                finished = step.finished or self.done(c)
                metrics = step.metrics
                elapsed = max(time.time() - t0, 1e-9)
                metrics["charts/iteration"] = c.iterations
                if c.env_steps:
                    metrics["charts/SPS"] = c.env_steps / elapsed
                if schedules:
                    metrics["charts/learning_rate"] = schedules[0].optimizer.param_groups[0]["lr"]
                evaluated = self.due(self.eval_cadence, before, c) or finished
                if evaluated:
                    det, eval_metrics = training_evaluation(
                        algo.policy, eval_envs, self.eval_episodes, seeds
                    )
                    metrics.update(eval_metrics)
                    x = c.get(self.x_axis)
                    result.eval_history.append((x, det.mean))
                    if det.mean >= result.best_return:
                        result.best_return, result.best_step = det.mean, x
                        if self.keep_best:
                            result.best_state = copy.deepcopy(algo.policy.state_dict())
                    metrics["eval/best_return"] = result.best_return
                    bar.set_postfix(self._postfix(metrics, det.mean))
                pending.update(metrics)
                if logger is not None and (evaluated or self.due(self.log_cadence, before, c)):
                    logger.log(pending, c.get(self.x_axis))
                    pending = {}
                bar.update(c.get(bar_unit) - before.get(bar_unit))
                reached = (
                    self.stop_at_return is not None and result.best_return >= self.stop_at_return
                )
                if checkpoints is not None and (
                    self.checkpoint_due(checkpoints, before, c, evaluated, len(result.eval_history))
                    or finished
                    or reached
                    or stop["signal"]
                ):
                    path = checkpoints.save(state(), c.iterations)
                    if stop["signal"] is not None:
                        raise Preempted(
                            f"stopped by signal {stop['signal']} after iteration {c.iterations}; "
                            f"state saved to {path}: run the same command in the same run dir "
                            "to resume",
                            int(stop["signal"]),
                        )
                if reached:
                    log.info(
                        "greedy evaluation reached %.1f >= stop_at_return after %d env steps: stopping",
                        result.best_return,
                        c.env_steps,
                    )
                    break
                if step.finished:
                    break
        finally:
            for sig, handler in handlers.items():
                signal.signal(sig, handler)
            if checkpoints is not None:
                checkpoints.unlock()
            bar.close()
            algo.close()
            eval_envs.close()
        result.iterations, result.env_steps = c.iterations, c.env_steps
        result.episodes, result.gradient_steps = c.episodes, c.gradient_steps
        result.wall_time_s = time.time() - t0
        return result

    def _iterate(self, algo: Algorithm, c: Counters) -> Progress:
        """One iteration of ``algo``; NonFiniteError when a metric is NaN/inf or a distribution was
        handed non-finite parameters inside the update."""
        where = f"iteration {c.iterations + 1}"
        try:
            step = algo.iterate(self.remaining(c))
        except ValueError as err:  # torch.distributions' argument validation
            if "invalid values" not in str(err):
                raise
            raise NonFiniteError(
                f"the policy's outputs became non-finite during the update at {where}"
                f" ({str(err).splitlines()[0]}); {self.nan_hint or DEFAULT_HINT}"
            ) from None
        check_finite(step.metrics, where, self.nan_hint)
        return step

    @staticmethod
    def _postfix(metrics: dict[str, float], eval_return: float) -> dict[str, str]:
        out = {"eval": f"{eval_return:.1f}"}
        if "charts/SPS" in metrics:
            out["steps_per_s"] = f"{metrics['charts/SPS']:.0f}"
        if "charts/episodic_return" in metrics:
            out["ret"] = f"{metrics['charts/episodic_return']:.0f}"
        if "disc/acc_agent" in metrics:
            out["d_acc"] = f"{metrics['disc/acc_agent']:.2f}"
        return out
