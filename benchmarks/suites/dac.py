"""The DAC suite: off-policy adversarial imitation (algo=dac) on Pendulum from 1 and 4
trajectories, beside BC, gail_ppo on the same data (steps to 0.95) and the random-data control."""

from __future__ import annotations

from benchmarks.suites.base import Row, Suite
from benchmarks.suites.classic import CLASSIC

# One scripted expert (expert=scripted_pendulum: swing-up then balance, ~-150 per episode) drives
# 16 episodes per seed; `data.use_episodes=n` takes the first n, so every row of a seed shares one
# dataset. DAC: algo=dac's defaults (SAC 256-256, D 256-256 with absorbing states, GP 10, reward
# log D - log(1 - D), one D step and one SAC step per env step), pure imitation, 20 000 env steps,
# a 10-episode training evaluation every 1 000 steps (steps to 0.95 come from those). gail_ppo:
# algo=gail_ppo's defaults on the same data for 200 PPO iterations of 2 048 steps (409 600 env
# steps; at 120 iterations Pendulum had not passed 0.95 on SAC-expert data, classic suite).
PENDULUM = [
    "env=pendulum",
    "expert=scripted_pendulum",
    "data.num_episodes=16",
    "data.num_transitions=null",
    "eval.episodes=50",
]
DAC = [
    "algo=dac",
    "algo.trainer.total_steps=20000",
    "algo.trainer.eval_every=1000",
    "algo.trainer.eval_episodes=10",
]
GAIL_PPO = [
    "algo=gail_ppo",
    "algo.trainer.iterations=200",
    "algo.trainer.eval_every=5",
    "algo.trainer.eval_episodes=10",
]
BC = ["algo=bc", "algo.trainer.steps=5000"]


def dac_rows() -> list[Row]:
    rows, controls = [], []
    for n in (1, 4):
        data = [*PENDULUM, f"data.use_episodes={n}"]
        rows.append(Row(f"pendulum_dac_{n}", f"pendulum: dac, {n} traj.", [*data, *DAC]))
        rows.append(Row(f"pendulum_bc_{n}", f"pendulum: bc, {n} traj.", [*data, *BC]))
        controls.append(
            Row(
                f"pendulum_dac_{n}_random",
                f"pendulum: control: dac on {n} random-policy episodes",
                [*data, *DAC, "data.source=random"],
            )
        )
    for n in (1, 4):  # the long on-policy baseline runs last
        data = [*PENDULUM, f"data.use_episodes={n}"]
        rows.append(
            Row(f"pendulum_gail_ppo_{n}", f"pendulum: gail_ppo, {n} traj.", [*data, *GAIL_PPO])
        )
    return rows[:4] + controls + rows[4:]


DAC_SUITE = Suite(
    rows=dac_rows(),
    columns=CLASSIC.columns,
    note=(
        "Pendulum-v1, n trajectories of the scripted swing-up expert (the first n of 16 per seed),"
        " 50 evaluation episodes per policy; normalized score = (R - R_random) / (R_expert -"
        " R_random), R_expert the demonstrations' mean return, greedy (the headline) and"
        " stochastic; steps to 0.95: the first training evaluation (10 episodes) that reached it."
    ),
)
