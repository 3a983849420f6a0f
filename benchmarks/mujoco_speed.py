"""Benchmark: env steps per second of each imitation learner on each MuJoCo preset, on one
thread (`torch_threads=1`), with the learner's suite settings (networks, batch sizes, updates per
step) and the env's own physics. Each row is a short `run.py task=pipeline` on a tiny expert's
demonstrations (`data.allow_weak_expert=true`: the speed does not depend on their quality), and
the rate is env steps over seconds between the learner's last two logs (DAC: past its warm-up of
uniform random actions, so every step includes one SAC update and one D step; gail_ppo: its last
iteration, rollout, D and PPO updates).

    .venv/bin/python -m benchmarks.mujoco_speed

Records its rows in benchmarks/records/mujoco_speed.json (rendered into docs/results/speed.md by
`python -m benchmarks.docs_tables`). Time it on an otherwise idle machine: the load average is
recorded.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from benchmarks import measurements
from benchmarks.measurements import Column, Table

ENVS = ("hopper", "walker2d", "halfcheetah")
TABLE = Table(
    [
        Column("env", "{env}"),
        Column("learner", "{learner}"),
        Column("env steps/s (one thread)", "{env_steps_per_s:,.0f}"),
        Column("measured over env steps", "{interval[0]:,}-{interval[1]:,}"),
        Column(
            "suite budget at this rate",
            lambda r: f"{r['budget']:,} steps: {r['budget'] / r['env_steps_per_s'] / 60:.0f} min",
        ),
    ],
    keys=2,
)
TINY_DATA = [
    "expert.loop.budget.env_steps=2048",
    "expert.loop.eval_every=1",
    "expert.loop.eval_episodes=1",
    "data.num_transitions=null",
    "data.num_episodes=2",
    "data.allow_weak_expert=true",
    "eval.episodes=1",
]
# learner -> overrides: a short run (DAC: a slice of --dac-env-steps, measured from the end of
# its 1,000 random warm-up steps to its end, evaluations included; gail_ppo: its last iteration)
LEARNERS = {
    "dac": [
        "algo=dac",
        "algo.algorithm.learning_starts=1000",
        "algo.loop.eval_every=1000",
        "algo.loop.eval_episodes=1",
    ],
    "gail_ppo": [
        "algo=gail_ppo",
        "algo.loop.budget.iterations=6",
        "algo.loop.eval_every=100",
        "algo.loop.eval_episodes=1",
    ],
}


# the MuJoCo suite's budget per run (issue-sized: DAC 300k, gail_ppo 1M env steps), extrapolated
BUDGETS = {"dac": 300_000, "gail_ppo": 1_000_000}


def measure(env: str, learner: str, out: Path, dac_env_steps: int) -> dict:
    run_dir = out / f"{env}__{learner}"
    extra = [f"algo.loop.budget.env_steps={dac_env_steps}"] if learner == "dac" else []
    run = measurements.run_py(
        [
            "task=pipeline",
            f"env={env}",
            "expert=ppo_mujoco",
            *TINY_DATA,
            *LEARNERS[learner],
            *extra,
            "torch_threads=1",
            "logger=none",
            "progress=false",
            f"artifacts_dir={out / 'artifacts'}",
            f"hydra.run.dir={run_dir}",
        ],
        out / f"{env}__{learner}.log",
    )
    if run.returncode != 0:
        return {"env": env, "learner": learner, "error": run.last_line()}
    rows = measurements.metrics(run_dir / "imitate" / "metrics.jsonl")
    logged = [r for r in rows if "charts/SPS" in r]  # SPS is cumulative: take an interval
    a, b = logged[-2:]
    if learner == "dac":  # from the first log past the warm-up to the end
        a = next(r for r in logged if r["global_step"] >= 1000)
    return {
        "env": env,
        "learner": learner,
        "env_steps_per_s": round(
            (b["global_step"] - a["global_step"]) / (b["time"] - a["time"]), 1
        ),
        "interval": [a["global_step"], b["global_step"]],
        "budget": BUDGETS[learner],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--envs", nargs="+", default=list(ENVS))
    ap.add_argument("--learners", nargs="+", default=list(LEARNERS))
    ap.add_argument("--dac-env-steps", type=int, default=20_000, help="the DAC slice's length")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        rows = [
            measure(e, a, Path(tmp), args.dac_env_steps) for e in args.envs for a in args.learners
        ]
    for r in rows:
        print(r, flush=True)
    print(measurements.table(measurements.save("mujoco_speed", rows, sys.argv), TABLE))


if __name__ == "__main__":
    main()
