"""DAC: Discriminator-Actor-Critic (Kostrikov et al. 2019), off-policy adversarial imitation.

A SAC generator (rl/sac.py) acts in the env one step at a time and stores every transition in a
replay buffer; the discriminator (imitation/discriminator.py) learns to tell expert transitions
from transitions sampled out of that buffer; every SAC update recomputes the rewards of its batch
from the current discriminator. One iteration, one env step:

    act       a ~ pi(.|s) (uniform random for the first ``learning_starts`` steps), store it
    D step    every ``d_every`` steps: ``d_steps`` x BCE, expert vs replay samples (half each)
    rewards   r = reward_form(D(s, a)) [+ absorbing tail] for a replay batch, fresh each update
    pi step   every ``train_freq`` steps: ``gradient_steps`` SAC updates on those rewards (the
              actor every ``learner.policy_delay``-th); with ``expert_ratio`` > 0 that share of
              each SAC batch is expert transitions, rewarded by D alike (hybrid replay)

Absorbing states (``discriminator.absorbing``, DAC's fix for the termination bias): an episode that
terminates (not at a time limit: SAC bootstraps through those) enters the absorbing state of its
ending, success or failure (imitation/absorbing.py). The buffer records each terminal step's
ending (``next_codes``); D's replay samples include one absorbing entry per terminated episode
in the buffer, as its expert samples do per expert episode; and a terminal step's critic target
is r_D(s, a) + gamma / (1 - gamma) * r_D(absorbing state of its ending): the value of staying in
the absorbing state forever, computed from the current D instead of learnt by bootstrapping from
stored absorbing transitions (the same target for a state that never changes; the actor never
acts there).

Observation normalization (``env.normalize_obs``): one running normalizer, shared by the actor,
both critics (and their targets) and the discriminator, seeded with the expert observations and
updated with each observation the agent sees.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from gail_lab.data import Demonstrations
from gail_lab.envs import EnvFactory
from gail_lab.imitation.absorbing import SUCCESS, append_absorbing, ending_code
from gail_lab.imitation.reward_model import RewardModel
from gail_lab.rl.loop import Progress
from gail_lab.rl.networks import RunningObsNorm
from gail_lab.rl.replay import ReplayBuffer
from gail_lab.rl.sac import SAC
from gail_lab.rl.stepper import EnvStepper
from gail_lab.seeding import SeedTree


class DAC:
    """The DAC algorithm in the training loop: one env step per iteration."""

    def __init__(
        self,
        learner: SAC,
        reward_model: RewardModel,
        demos: Demonstrations,
        seeds: SeedTree,
        buffer_size: int,
        learning_starts: int,
        batch_size: int,
        train_freq: int,
        gradient_steps: int,
        d_every: int,
        expert_ratio: float = 0.0,
    ) -> None:
        self.sac, self.policy, self.reward_model = learner, learner.actor, reward_model
        self.discriminator = reward_model.discriminator
        self.terminal_outcome = reward_model.terminal_outcome
        self.absorbing = reward_model.absorbing
        self.buffer_size, self.learning_starts, self.batch_size = (
            buffer_size,
            learning_starts,
            batch_size,
        )
        self.train_freq, self.gradient_steps, self.d_every = train_freq, gradient_steps, d_every
        self.rng = seeds.generator("replay")  # the replay buffer's sampling
        self.obs_norm = self.share_obs_norm(demos)
        # hybrid replay (HyPE; cleanil's real_ratio): this share of each SAC batch is expert
        # transitions, paid by D like the agent's, drawn from their own stream
        self.n_expert = int(round(expert_ratio * batch_size))
        if self.n_expert:
            self.expert = reward_model.batch_of(demos)  # in the buffer's dtypes at setup()
            if "next_codes" not in self.expert:
                self.expert["next_codes"] = np.zeros(len(demos), np.int64)
            self.expert_rng = seeds.generator("expert_replay")

    def share_obs_norm(self, demos: Demonstrations) -> RunningObsNorm | None:
        """The actor's normalizer (if it has one) becomes the critics' and D's too, seeded with
        the expert observations; D no longer updates it from its batches."""
        norm = self.policy.obs_norm
        if not isinstance(norm, RunningObsNorm):
            return None
        norm.update(demos.observations)
        for q in [*self.sac.critics, *self.sac.critic_targets]:
            q.obs_norm = norm
        self.discriminator.obs_norm = norm
        self.discriminator.updates_obs_norm = False
        return norm

    # ------------------------------------------------------------------ the loop's calls
    def setup(self, factory: EnvFactory, seeds: SeedTree) -> None:
        space = factory.action_space
        dtype = np.int64 if factory.discrete else np.float32
        self.attach_buffer(
            ReplayBuffer(self.buffer_size, factory.obs_dim, space.shape, dtype, self.rng)
        )
        self.stepper = EnvStepper(factory, seeds.generator("envs"))
        self.steps = 0
        self.observe(self.stepper.obs)

    def attach_buffer(self, buffer: ReplayBuffer) -> None:
        """The replay buffer; hybrid replay's expert arrays take its dtypes, once, so that each
        SAC batch concatenates them without casting."""
        self.buffer = buffer
        if self.n_expert:
            self.expert = {
                k: np.asarray(self.expert[k], getattr(buffer, k).dtype)
                for k in (*buffer.FIELDS, "next_codes")
            }

    def observe(self, obs: np.ndarray) -> None:
        if self.obs_norm is not None:
            self.obs_norm.update(np.asarray(obs, np.float32)[None])

    def iterate(self, remaining: dict[str, int | None]) -> Progress:
        self.steps += 1
        if self.steps <= self.learning_starts:
            action = self.stepper.random_action()
        else:
            action = self.policy.act(self.stepper.obs[None])[0]
        s = self.stepper.step(action)
        code = ending_code(s.terminated, s.info, self.terminal_outcome)
        self.buffer.add(s.obs, action, s.reward, s.next_obs, float(s.terminated), code)
        metrics = dict(s.metrics)
        ended = s.terminated or s.truncated
        if ended and (self.terminal_outcome == "info" or "is_success" in s.info):
            metrics["charts/episodic_success"] = float(code == SUCCESS)
        self.observe(self.stepper.obs)
        updates = 0
        if self.steps > self.learning_starts:
            if self.steps % self.d_every == 0:
                metrics.update(self.update_discriminator())
            if self.steps % self.train_freq == 0:
                for _ in range(self.gradient_steps):
                    metrics.update(self.update_policy())
                updates = self.gradient_steps
        return Progress(metrics, env_steps=1, episodes=int(ended), gradient_steps=updates)

    # ------------------------------------------------------------------ DAC's steps
    def agent_batch(self, n: int) -> dict[str, np.ndarray]:
        """``n`` replay samples for D: stored transitions and, with absorbing states, one
        absorbing entry per terminated episode in the buffer, drawn alike."""
        b, size = self.buffer, len(self.buffer)
        ended = np.flatnonzero(b.next_codes[:size]) if self.absorbing else np.zeros(0, np.int64)
        idx = self.rng.integers(0, size + len(ended), n)
        real, absorbing = idx[idx < size], ended[idx[idx >= size] - size]
        batch = {
            "obs": b.obs[real],
            "actions": b.actions[real],
            "next_obs": b.next_obs[real],
            "terminated": b.terminated[real].astype(bool),
        }
        if not self.absorbing:
            return batch
        batch["next_codes"] = b.next_codes[real]
        terminal = b.next_obs[absorbing] if self.reward_model.terminal_obs else None
        return append_absorbing(batch, b.next_codes[absorbing], terminal)

    def update_discriminator(self) -> dict[str, float]:
        """The reward model's D steps: expert samples vs :meth:`agent_batch`'s replay samples."""
        return self.reward_model.update(self.agent_batch)

    def replay_arrays(self, idx: np.ndarray) -> dict[str, np.ndarray]:
        """The replay transitions ``idx``, gathered once for D's rewards and SAC's update."""
        b = self.buffer
        return {name: getattr(b, name)[idx] for name in (*b.FIELDS, "next_codes")}

    def rewards_of(self, a: dict[str, np.ndarray]) -> tuple[np.ndarray, dict[str, float]]:
        """What the reward model pays for replay transitions ``a`` (their ``next_codes`` give
        the absorbing tails, their ``rewards`` the env's)."""
        return self.reward_model.rewards({**a, "terminated": a["terminated"] > 0})

    def update_policy(self) -> dict[str, float]:
        """One SAC update on a replay batch whose rewards come from the current D."""
        a = self.replay_arrays(self.buffer.sample_indices(self.batch_size - self.n_expert))
        if self.n_expert:
            e = self.expert_rng.integers(0, len(self.expert["obs"]), self.n_expert)
            a = {k: np.concatenate([v, self.expert[k][e]]) for k, v in a.items()}
        rewards, metrics = self.rewards_of(a)
        device = self.policy.device
        batch = {
            name: torch.as_tensor(a[name], device=device)
            for name in ("obs", "actions", "next_obs", "terminated")
        }
        batch["rewards"] = torch.as_tensor(rewards, device=device)
        return {**metrics, **self.sac.update(batch)}

    # ------------------------------------------------------------------ state
    def optimizers(self) -> list:
        return [self.sac.actor_optimizer, self.sac.critic_optimizer]

    def state_dict(self) -> dict[str, Any]:
        return {
            "actor": self.policy.state_dict(),
            "sac": self.sac.state_dict(),
            **self.reward_model.state_dict(),
            "buffer": self.buffer.state_dict(),  # its RNG is self.rng: saved with it
            **({"expert_rng": self.expert_rng.bit_generator.state} if self.n_expert else {}),
            "stepper": self.stepper.state_dict(),
            "steps": self.steps,
        }

    def load_state_dict(self, state: dict[str, Any]) -> bool:
        self.policy.load_state_dict(state["actor"])
        self.sac.load_state_dict(state["sac"])
        self.reward_model.load_state_dict(state)
        self.buffer.load_state_dict(state["buffer"])
        if self.n_expert:
            self.expert_rng.bit_generator.state = state["expert_rng"]
        self.steps = int(state["steps"])
        return self.stepper.load_state_dict(state["stepper"])

    def close(self) -> None:
        self.stepper.close()
