"""Experts trained on the env's own reward by gail_lab's learners (rl/): each recipe names a
network, a learner and a budget, and runs it in the one training loop (rl/loop.py), which keeps
the best greedy snapshot and checkpoints the whole state (SIGTERM, rerun, and the result is the
same as an uninterrupted run). The settings and their sources live in the config
(gail_lab/config/experts.py, conf/expert/*.yaml); these classes take them as they come."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

import torch

from gail_lab.envs import EnvFactory
from gail_lab.errors import IncompatibleSpaceError
from gail_lab.rl.dqn import DQN, DQNAgent
from gail_lab.rl.loop import Algorithm, TrainingLoop
from gail_lab.rl.networks import QPolicy, policy_for_space, sac_policy
from gail_lab.rl.on_policy import OnPolicy
from gail_lab.rl.ppo import PPO
from gail_lab.rl.sac import SAC, SACAgent
from gail_lab.rl.training_state import TrainingCheckpoints
from gail_lab.seeding import SeedTree


class TrainedExpert:
    """A recipe: ``build`` makes the learner for an env; ``fit`` runs it in ``self.loop`` and
    returns the best greedy snapshot with what the expert's metadata records of its training."""

    loop: TrainingLoop
    stop_at_threshold: bool = False

    def check_env(self, factory: EnvFactory) -> None:
        """Refuse an action space the learner cannot drive (before any file is written)."""

    def build(self, factory: EnvFactory, seeds: SeedTree) -> Algorithm:
        raise NotImplementedError

    def fit(
        self,
        factory: EnvFactory,
        seeds: SeedTree,
        logger=None,
        progress: bool = True,
        checkpoints: TrainingCheckpoints | None = None,
    ) -> tuple[Any, dict[str, Any]]:
        self.check_env(factory)
        algo = self.build(factory, seeds)
        loop = self.loop
        if (
            loop.stop_at_return is None
            and self.stop_at_threshold
            and factory.expert_min_return is not None
        ):  # done once it holds the env's threshold: no budget spent past it
            loop = dataclasses.replace(loop, stop_at_return=factory.expert_min_return)
        result = loop.run(algo, factory, seeds, logger, progress, checkpoints)
        algo.policy.load_state_dict(result.best_state)
        info = {
            "best_eval_return": result.best_return,
            "best_env_step": result.best_step,
            "episodes": result.episodes,
            "env_steps": result.env_steps,
            "wall_time_s": result.wall_time_s,
        }
        return algo.policy.eval(), info


def require(factory: EnvFactory, name: str, discrete: bool, instead: str) -> None:
    if factory.discrete != discrete:
        kind = "a discrete" if discrete else "a Box"
        raise IncompatibleSpaceError(
            f"expert={name} needs {kind} action space; {factory.id} has {factory.action_space} "
            f"(use {instead})"
        )


class DQNExpert(TrainedExpert):
    """DQN (rl/dqn.py): the study notes' CartPole recipe (a budget in episodes) or SB3's step-based one."""

    def __init__(
        self,
        optimizer: Callable[..., torch.optim.Optimizer],
        name: str,
        hidden_sizes: Sequence[int],
        episodes: int | None,
        total_steps: int | None,
        eval_every_episodes: int | None,
        eval_every_steps: int | None,
        eval_episodes: int,
        stop_at_return: float | None,
        stop_at_threshold: bool,
        **dqn_kwargs: Any,
    ) -> None:
        self.name, self.optimizer, self.hidden_sizes = name, optimizer, list(hidden_sizes)
        self.stop_at_threshold = stop_at_threshold
        self.total_steps, self.dqn_kwargs = total_steps, dqn_kwargs
        budget = {"env_steps": total_steps, "episodes": episodes}  # the env-step bar first
        by_episodes = eval_every_episodes is not None
        self.loop = TrainingLoop(
            budget=budget,
            eval_every=eval_every_episodes if by_episodes else eval_every_steps,
            eval_unit="episodes" if by_episodes else "env_steps",
            eval_episodes=eval_episodes,
            log_at_evaluations=False,
            x_axis="env_steps",
            anneal_lr=False,
            stop_at_return=stop_at_return,
            keep_best=True,
            snapshot_before_iterations=False,
            nan_hint="lower the learning rate",
            desc=f"expert {name}",
        )

    def check_env(self, factory: EnvFactory) -> None:
        require(factory, self.name, True, "expert=sac or expert=ppo")

    def build(self, factory: EnvFactory, seeds: SeedTree) -> DQNAgent:
        q = QPolicy(factory.obs_dim, factory.n_actions, self.hidden_sizes)
        return DQNAgent(DQN(q, self.optimizer, total_steps=self.total_steps, **self.dqn_kwargs))


class PPOExpert(TrainedExpert):
    """PPO with a critic and GAE (rl/ppo.py) on complete episodes, discrete or Box actions."""

    def __init__(
        self,
        optimizer: Callable[..., torch.optim.Optimizer],
        name: str,
        hidden_sizes: Sequence[int],
        total_steps: int,
        samples_per_iteration: int,
        normalize_obs: bool,
        anneal_lr: bool,
        eval_every: int,
        eval_episodes: int,
        stop_at_return: float | None,
        stop_at_threshold: bool,
        log_std_init: float,
        num_envs: int | None,
        activation: str,
        squash: str,
        reward_norm: bool,
        observe_after_update: bool,
        **ppo_kwargs: Any,
    ) -> None:
        self.name, self.optimizer, self.hidden_sizes = name, optimizer, list(hidden_sizes)
        self.num_envs = num_envs
        self.activation, self.squash, self.reward_norm = activation, squash, reward_norm
        self.observe_after_update = observe_after_update
        self.stop_at_threshold = stop_at_threshold
        self.samples_per_iteration, self.normalize_obs = samples_per_iteration, normalize_obs
        self.log_std_init, self.ppo_kwargs = log_std_init, ppo_kwargs
        self.loop = TrainingLoop(
            budget={"env_steps": total_steps},
            eval_every=eval_every,
            eval_unit="iterations",
            eval_episodes=eval_episodes,
            log_at_evaluations=False,
            x_axis="env_steps",
            anneal_lr=anneal_lr,
            stop_at_return=stop_at_return,
            keep_best=True,
            snapshot_before_iterations=True,
            nan_hint="lower the learning rate",
            desc=f"expert {name}",
        )

    def build(self, factory: EnvFactory, seeds: SeedTree) -> OnPolicy:
        continuous = (
            {}
            if factory.discrete
            else {
                "log_std_init": self.log_std_init,
                "activation": self.activation,
                "squash": self.squash,
            }
        )
        policy = policy_for_space(
            factory.obs_dim,
            factory.action_space,
            self.hidden_sizes,
            self.normalize_obs,
            **continuous,
        )
        ppo = PPO(policy, self.optimizer, rng=seeds.generator("minibatches"), **self.ppo_kwargs)
        return OnPolicy(
            policy,
            ppo,
            self.samples_per_iteration,
            self.num_envs,
            reward_norm=self.reward_norm,
            observe_after_update=self.observe_after_update,
        )


class SACExpert(TrainedExpert):
    """SAC (rl/sac.py) for Box actions: one env stepped in order, as in SB3 and CleanRL."""

    def __init__(
        self,
        optimizer: Callable[..., torch.optim.Optimizer],
        name: str,
        hidden_sizes: Sequence[int],
        total_steps: int,
        buffer_size: int,
        learning_starts: int,
        batch_size: int,
        train_freq: int,
        gradient_steps: int,
        eval_every_steps: int,
        eval_episodes: int,
        stop_at_return: float | None,
        stop_at_threshold: bool,
        **sac_kwargs: Any,
    ) -> None:
        self.name, self.optimizer, self.hidden_sizes = name, optimizer, list(hidden_sizes)
        self.stop_at_threshold = stop_at_threshold
        self.agent_kwargs = dict(
            buffer_size=buffer_size,
            learning_starts=learning_starts,
            batch_size=batch_size,
            train_freq=train_freq,
            gradient_steps=gradient_steps,
        )
        self.sac_kwargs = sac_kwargs
        self.loop = TrainingLoop(
            budget={"env_steps": total_steps},
            eval_every=eval_every_steps,
            eval_unit="env_steps",
            eval_episodes=eval_episodes,
            log_at_evaluations=True,
            x_axis="env_steps",
            anneal_lr=False,
            stop_at_return=stop_at_return,
            keep_best=True,
            snapshot_before_iterations=False,
            nan_hint="lower the learning rate",
            desc=f"expert {name}",
        )

    def check_env(self, factory: EnvFactory) -> None:
        require(factory, self.name, False, "expert=dqn or expert=ppo")

    def build(self, factory: EnvFactory, seeds: SeedTree) -> SACAgent:
        actor = sac_policy(factory.obs_dim, factory.action_space, self.hidden_sizes)
        sac = SAC(actor, self.optimizer, critic_hidden_sizes=self.hidden_sizes, **self.sac_kwargs)
        return SACAgent(sac, **self.agent_kwargs)
