"""gail_lab from Python: run the default job (GAIL + PPO on CartPole-v1 from a scripted expert),
then load the learned policy and drive a plain gymnasium loop with it.

    .venv/bin/python examples/quickstart.py                          # the default job
    .venv/bin/python examples/quickstart.py algo.loop.budget.iterations=5 eval.control=false

Extra arguments are Hydra overrides, as on run.py's command line.
"""

from __future__ import annotations

import sys

import gymnasium

import gail_lab


def main(overrides: list[str]) -> float:
    cfg = gail_lab.compose(["env=cartpole", "algo=gail_ppo", *overrides])
    print(f"composed: env={cfg.env.id} algo={cfg.algo.name} recipe={cfg.recipe.name}")

    result = gail_lab.run(
        ["env=cartpole", "algo=gail_ppo", *overrides], run_dir="outputs/quickstart"
    )
    print(f"normalized score {result.metric:.3f}; run dir {result.run_dir}")

    policy = gail_lab.load_policy(result.policy_path)  # acts on raw observations
    env = gymnasium.make(cfg.env.id)
    obs, _ = env.reset(seed=123)
    total, done = 0.0, False
    while not done:
        obs, reward, terminated, truncated, _ = env.step(policy.act(obs))
        total, done = total + float(reward), terminated or truncated
    print(f"one greedy episode in a plain gymnasium loop: return {total:.1f}")
    return total


if __name__ == "__main__":
    main(sys.argv[1:])
