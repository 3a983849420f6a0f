"""Benchmark: DAC's env steps per second on one thread, Hopper-sized (11-dim observation, 3-dim
action, a synthetic env whose step costs microseconds), 256-256 actor, critics and D, batch 256,
one SAC update per env step, D updated every `d_every` steps, Adam as a for-loop over the
parameters and fused, float32 matmuls at torch's `highest` and `medium` precision
(`matmul_precision=`; medium runs them through oneDNN's bf16 kernels here). The rows record
steps/s (timed without a profiler) and where the time goes (cProfile, a second run of the same
length: SAC update, D update, rewards, optimizer steps, acting).

    .venv/bin/python -m benchmarks.dac_speed --steps 500

Records its rows in benchmarks/records/dac_speed.json (rendered into docs/results/speed.md by
`python -m benchmarks.docs_tables`). Time it on an otherwise idle machine: the load average is
recorded.
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import pstats
import sys
import time

import gymnasium as gym
import numpy as np
import torch
from gymnasium import spaces
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

from benchmarks import ROOT, measurements
from benchmarks.measurements import Column, Table
from gail_lab.config import register_configs
from gail_lab.data.transitions import Transitions
from gail_lab.imitation.dac import DAC
from gail_lab.imitation.discriminator import Discriminator
from gail_lab.imitation.reward_model import RewardModel
from gail_lab.rl.networks import sac_policy
from gail_lab.rl.sac import SAC
from gail_lab.seeding import SeedTree

OBS, ACT = 11, 3
TABLE = Table(
    [
        Column("Adam", lambda r: "fused" if r["fused"] else "for-loop"),
        Column("matmul precision", "{precision}"),
        Column("D updated every", "{d_every} steps"),
        Column("env steps/s (one SAC update each)", "{steps_per_s:.0f}"),
        Column("ms per step", "{ms_per_step:.1f}"),
        Column("SAC update %", "{sac_update:.0f}"),
        Column("D update %", "{d_update:.0f}"),
        Column("rewards % (inside SAC)", "{rewards:.0f}"),
        Column("optimizer steps %", "{optimizer:.0f}"),
        Column("acting %", "{act:.0f}"),
    ],
    keys=4,
)


class HopperSized(gym.Env):
    """11-dim observation, 3-dim action, linear dynamics, episodes of up to 1000 steps that
    sometimes terminate (so absorbing states are exercised)."""

    observation_space = spaces.Box(-np.inf, np.inf, (OBS,), np.float32)
    action_space = spaces.Box(-1.0, 1.0, (ACT,), np.float32)

    def reset(self, seed=None, options=None):
        super().reset(seed=seed)
        self.t, self.s = 0, self.np_random.normal(size=OBS).astype(np.float32)
        return self.s, {}

    def step(self, a):
        self.t += 1
        self.s = (0.9 * self.s + 0.1 * np.tanh(np.resize(a, OBS))).astype(np.float32)
        terminated = bool(self.t >= 300 and self.np_random.random() < 0.01)
        return self.s, 0.0, terminated, self.t >= 1000, {}


def dac_discriminator(adam) -> Discriminator:
    """algo=dac's discriminator (conf/discriminator/dac.yaml: 256-256, absorbing states, gradient
    penalty 10, logit reward) for the Hopper-sized spaces."""
    register_configs()
    with initialize_config_dir(config_dir=str(ROOT / "conf"), version_base="1.3"):
        cfg = compose(config_name="config", overrides=["env=pendulum", "algo=dac"])
    node = OmegaConf.to_container(cfg.discriminator, resolve=True)
    node.pop("_target_"), node.pop("optimizer")
    return Discriminator(OBS, ACT, False, adam, **node)


class Factory:
    obs_dim, action_space, terminal_outcome = OBS, HopperSized.action_space, "failure"

    def make(self):
        return HopperSized()


def build(d_every: int, fused: bool) -> DAC:
    rng = np.random.default_rng(0)
    n = 1000
    obs = rng.normal(size=(n, OBS)).astype(np.float32)
    terminated = np.zeros(n, bool)
    terminated[-1] = True
    demos = Transitions(
        obs,
        rng.uniform(-1, 1, (n, ACT)).astype(np.float32),
        np.zeros(n, np.float32),
        obs,
        terminated,
        np.zeros(n, bool),
        np.array([0]),
        None,
    )
    adam = functools.partial(torch.optim.Adam, lr=3e-4, fused=fused)
    policy = sac_policy(OBS, HopperSized.action_space, [256, 256])
    sac = SAC(policy, adam, 0.99, 0.005, [256, 256], None, 1.0, None)
    disc = dac_discriminator(adam)
    reward_model = RewardModel(
        disc, demos, "failure", gamma=0.99, d_steps=1, d_batch_size=256, disc_reward_coef=1.0,
        env_reward_coef=0.0, reward_scale=1.0, rng=rng,
    )  # fmt: skip
    dac = DAC(
        sac, reward_model, demos, buffer_size=100_000, learning_starts=300, batch_size=256,
        train_freq=1, gradient_steps=1, d_every=d_every, seeds=SeedTree(0),
    )  # fmt: skip
    dac.setup(Factory(), SeedTree(0))
    return dac


def measure(d_every: int, fused: bool, precision: str, steps: int) -> dict:
    """Steps/s timed without the profiler, then the same number of steps under cProfile for the
    shares (the profiler's own overhead inflates small calls, so shares are approximate)."""
    torch.set_float32_matmul_precision(precision)
    dac = build(d_every, fused)
    for _ in range(dac.learning_starts + 10):  # past the random warm-up, into the updates
        dac.iterate({})
    t0 = time.perf_counter()
    for _ in range(steps):
        dac.iterate({})
    wall = time.perf_counter() - t0
    prof = cProfile.Profile()
    t0 = time.perf_counter()
    prof.enable()
    for _ in range(steps):
        dac.iterate({})
    prof.disable()
    prof_wall = time.perf_counter() - t0
    stats = pstats.Stats(prof).stats  # (file, line, name) -> (cc, nc, tottime, cumtime, callers)
    share = {}
    for what, name in [
        ("sac_update", "update_policy"),
        ("d_update", "update_discriminator"),
        ("rewards", "rewards_of"),
        ("optimizer", "step"),
        ("act", "act"),
    ]:
        cum = sum(
            v[3]
            for k, v in stats.items()
            if k[2] == name and ("gail_lab" in k[0] or (name == "step" and "optim" in k[0]))
        )
        share[what] = round(100 * cum / prof_wall, 1)
    return {
        "d_every": d_every,
        "fused": fused,
        "precision": precision,
        "steps": steps,
        "steps_per_s": round(steps / wall, 1),
        "ms_per_step": round(1e3 * wall / steps, 2),
        **share,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=500)
    ap.add_argument("--d-every", type=int, nargs="+", default=[1, 4])
    ap.add_argument("--fused", choices=["both", "on", "off"], default="both")
    ap.add_argument("--precision", nargs="+", default=["highest", "medium"])
    args = ap.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    fused = {"both": [False, True], "on": [True], "off": [False]}[args.fused]
    rows = [
        measure(d, f, p, args.steps)
        for p in args.precision
        for f in fused
        for d in args.d_every
        if f or p == "highest"  # the for-loop Adam at the default precision only
    ]
    for r in rows:
        print(r, flush=True)
    print(measurements.table(measurements.save("dac_speed", rows, sys.argv), TABLE))


if __name__ == "__main__":
    main()
