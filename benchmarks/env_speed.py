"""Benchmark: env steps/s with random actions (single env, and vectorized sync/async through the
rollout runner every task uses) and reset time, for each env preset in conf/env.

    .venv/bin/python benchmarks/env_speed.py                 # all presets
    .venv/bin/python benchmarks/env_speed.py racecar --steps 5000

Prints a markdown table (paste it into the README's "Environment speed" section).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from hydra import compose, initialize_config_dir
from hydra.utils import instantiate

from gail_lab.config import register_configs
from gail_lab.rl.networks import RandomPolicy
from gail_lab.rl.rollout import EpisodeRunner

CONF = Path(__file__).resolve().parents[1] / "conf"


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
    vec = factory.make_vec(n)
    policy = RandomPolicy(vec.single_action_space, 0)
    runner = EpisodeRunner(vec, seed=0)
    runner.run(policy.act, min_steps=n)  # start-up (worker processes) not timed
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
    rows = [
        f"| env | single env steps/s | reset (ms) | {args.num_envs} envs sync steps/s | {args.num_envs} envs async steps/s |",
        "| --- | --- | --- | --- | --- |",
    ]
    for preset in presets:
        with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
            cfg = compose(config_name="config", overrides=[f"env={preset}"])
        factory = instantiate(cfg.env)
        sps, reset_ms = single_env(factory, args.steps)
        sync = vectorized(factory, args.steps, args.num_envs, "sync")
        asyn = vectorized(factory, args.steps, args.num_envs, "async")
        rows.append(
            f"| {preset} ({factory.id}) | {sps:,.0f} | {reset_ms:.3f} | {sync:,.0f} | {asyn:,.0f} |"
        )
        print(rows[-1], flush=True)
    print("\n".join(rows))


if __name__ == "__main__":
    main()
