"""Benchmark: demonstration collection speed (transitions/s) against the raw vectorized step rate
(random actions through the same rollout runner), for the experts that need no training.

    .venv/bin/python -m benchmarks.collection_speed --transitions 50000

Records its rows in benchmarks/records/collection_speed.json (rendered into docs/results/speed.md
by `python -m benchmarks.docs_tables`).
"""

from __future__ import annotations

import argparse
import sys
import time

import torch

from benchmarks import measurements
from benchmarks.env_speed import random_action_rate
from benchmarks.measurements import Column, Table
from gail_lab.envs import EnvFactory
from gail_lab.experts.scripted import CartPoleController, RacecarPurePursuit
from gail_lab.rl.collect import collect_demos
from gail_lab.rl.networks import QPolicy
from gail_lab.seeding import SeedTree

TABLE = Table(
    [
        Column("env", "{env}"),
        Column("expert", "{expert}"),
        Column("collection transitions/s", "{transitions_per_s:,}"),
        Column("raw {num_envs}-env rate (random actions)", "{raw_rate:,}"),
        Column("share", lambda r: f"{r['transitions_per_s'] / r['raw_rate']:.0%}"),
    ]
)


def collect_rate(policy, factory: EnvFactory, steps: int, **kw) -> float:
    t0 = time.perf_counter()
    demos = collect_demos(policy, factory, SeedTree(0), num_transitions=steps, progress=False, **kw)
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
    rows, raw = [], {}
    for env_id, name, policy, factory, steps, kw in cases:
        raw.setdefault(env_id, random_action_rate(factory.make_vec(), steps))
        rate = collect_rate(policy, factory, steps, **kw)
        rows.append(
            {
                "env": env_id,
                "expert": name,
                "transitions_per_s": round(rate),
                "raw_rate": round(raw[env_id]),
                "num_envs": args.num_envs,
            }
        )
        print(rows[-1], flush=True)
    print(measurements.table(measurements.save("collection_speed", rows, sys.argv), TABLE))


if __name__ == "__main__":
    main()
