"""Benchmark: demonstration collection speed (transitions/s) against the raw vectorized step rate
(random actions through the same rollout runner), for the experts that need no training.

    .venv/bin/python benchmarks/collection_speed.py --transitions 50000
"""

from __future__ import annotations

import argparse
import time

import torch

from gail_lab.data.collect import collect_demos
from gail_lab.envs import EnvFactory
from gail_lab.experts.scripted import CartPoleController, RacecarPurePursuit
from gail_lab.rl.networks import QPolicy, RandomPolicy
from gail_lab.rl.rollout import EpisodeRunner


def raw_rate(factory: EnvFactory, steps: int) -> float:
    vec = factory.make_vec()
    runner = EpisodeRunner(vec, seed=0)
    policy = RandomPolicy(vec.single_action_space, 0)
    t0 = time.perf_counter()
    n = len(runner.run(policy.act, min_steps=steps))
    rate = n / (time.perf_counter() - t0)
    vec.close()
    return rate


def collect_rate(policy, factory: EnvFactory, steps: int, **kw) -> float:
    t0 = time.perf_counter()
    demos = collect_demos(policy, factory, seed=0, num_transitions=steps, progress=False, **kw)
    return len(demos) / (time.perf_counter() - t0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--transitions", type=int, default=50_000)
    ap.add_argument("--num-envs", type=int, default=8)
    args = ap.parse_args()
    torch.set_num_threads(1)
    cartpole = EnvFactory("CartPole-v1", num_envs=args.num_envs)
    racecar = EnvFactory("gail_lab/Racecar-v1", kwargs={"obs_mode": "pose"}, num_envs=args.num_envs)
    q = QPolicy(cartpole.obs_dim, cartpole.n_actions, [128, 128])  # a DQN expert's inference cost
    cases = [
        ("CartPole-v1", "scripted_cartpole", CartPoleController(), cartpole, args.transitions, {}),
        ("CartPole-v1", "dqn network (128-128)", q, cartpole, args.transitions, {}),
        (
            "CartPole-v1",
            "scripted_cartpole, DART noise 0.2",
            CartPoleController(),
            cartpole,
            args.transitions,
            {"noise_scale": 0.2, "label": "clean"},
        ),
        (
            "gail_lab/Racecar-v1",
            "scripted_racecar",
            RacecarPurePursuit(),
            racecar,
            args.transitions // 5,
            {},
        ),
    ]
    print(
        f"| env | expert | collection transitions/s | raw {args.num_envs}-env rate (random actions) | share |"
    )
    print("| --- | --- | --- | --- | --- |")
    raw = {}
    for env_id, name, policy, factory, steps, kw in cases:
        raw.setdefault(env_id, raw_rate(factory, steps))
        rate = collect_rate(policy, factory, steps, **kw)
        print(
            f"| {env_id} | {name} | {rate:,.0f} | {raw[env_id]:,.0f} | {rate / raw[env_id]:.0%} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
