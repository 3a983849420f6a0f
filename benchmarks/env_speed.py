"""Benchmark: env steps/s with random actions (single env, and vectorized sync/async through the
rollout runner every task uses) and reset time, for each env preset in conf/env.

    .venv/bin/python -m benchmarks.env_speed                 # all presets
    .venv/bin/python -m benchmarks.env_speed racecar --steps 5000

Prints a markdown table and records its rows in benchmarks/records/env_speed.json (rendered into
docs/results/speed.md by `python -m benchmarks.docs_tables`).
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np
from hydra import compose, initialize_config_dir
from hydra.utils import instantiate

from benchmarks import ROOT, measurements
from benchmarks.measurements import Column, Table
from gail_lab.config import register_configs
from gail_lab.rl.networks import RandomPolicy
from gail_lab.rl.rollout import EpisodeRunner

CONF = ROOT / "conf"
TABLE = Table(
    [
        Column("env", "{env} ({id})"),
        Column("single env steps/s", "{single_steps_per_s:,}"),
        Column("reset (ms)", "{reset_ms:.3f}"),
        Column("{num_envs} envs sync steps/s", "{sync_steps_per_s:,}"),
        Column("{num_envs} envs async steps/s", "{async_steps_per_s:,}"),
    ]
)


def single_env(factory, steps: int, seed: int = 0) -> tuple[float, float]:
    """(steps/s, mean reset ms) for one env stepped with random actions."""
    env = factory.make()
    env.action_space.seed(seed)
    env.reset(seed=seed)
    actions = [env.action_space.sample() for _ in range(steps)]
    resets, reset_time = 0, 0.0
    t0 = time.perf_counter()
    for a in actions:
        _, _, terminated, truncated, _ = env.step(a)
        if terminated or truncated:
            t = time.perf_counter()
            env.reset()
            reset_time += time.perf_counter() - t
            resets += 1
    elapsed = time.perf_counter() - t0
    # reset time measured on its own as well (episodes may be long)
    t = time.perf_counter()
    for _ in range(50):
        env.reset()
    reset_ms = (time.perf_counter() - t) / 50 * 1e3
    env.close()
    return steps / (elapsed - reset_time), reset_ms


def vectorized(factory, steps: int, n: int, mode: str) -> float:
    factory.vectorization = mode
    return random_action_rate(factory.make_vec(n), steps, warmup=n)


def random_action_rate(vec, steps: int, warmup: int = 0) -> float:
    """Env steps/s of uniform random actions through the rollout runner every task uses, after
    `warmup` steps that are not timed (worker processes starting); closes `vec`."""
    policy = RandomPolicy(vec.single_action_space, 0)
    runner = EpisodeRunner(vec, np.random.default_rng(0))
    if warmup:
        runner.run(policy.act, min_steps=warmup)
    t0 = time.perf_counter()
    roll = runner.run(policy.act, min_steps=steps)
    sps = len(roll) / (time.perf_counter() - t0)
    vec.close()
    return sps


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("presets", nargs="*")
    ap.add_argument("--steps", type=int, default=20_000)
    ap.add_argument("--num-envs", type=int, default=4)
    args = ap.parse_args()
    register_configs()
    presets = args.presets or sorted(
        p.stem for p in (CONF / "env").glob("*.yaml") if p.stem != "gym"
    )
    rows = []
    for preset in presets:
        with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
            cfg = compose(config_name="config", overrides=[f"env={preset}"])
        factory = instantiate(cfg.env)
        sps, reset_ms = single_env(factory, args.steps)
        rows.append(
            {
                "env": preset,
                "id": factory.id,
                "single_steps_per_s": round(sps),
                "reset_ms": round(reset_ms, 3),
                "num_envs": args.num_envs,
                "sync_steps_per_s": round(vectorized(factory, args.steps, args.num_envs, "sync")),
                "async_steps_per_s": round(vectorized(factory, args.steps, args.num_envs, "async")),
            }
        )
        print(rows[-1], flush=True)
    print(measurements.table(measurements.save("env_speed", rows, sys.argv), TABLE))


if __name__ == "__main__":
    main()
