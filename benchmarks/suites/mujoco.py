"""The MuJoCo suite: locomotion from demonstrations as in the papers (Ho & Ermon 2016; DAC,
Kostrikov et al. 2019): BC, gail_ppo and the off-policy DAC learner (and AIRL on Hopper) from 4
trajectories subsampled every 20th transition, beside the random-data control of each GAIL row;
BC at 1 and 4 trajectories on Hopper."""

from __future__ import annotations

from benchmarks.suites.base import Column, Row, Suite

# Per seed, expert=ppo_mujoco (CleanRL's continuous PPO with observation and reward
# normalization; minutes per expert on one core, where SAC takes hours) drives 10 episodes of up
# to 1,000 steps; `data.use_episodes=n` takes the first n and `data.subsample_every=20` keeps
# every 20th transition of each (terminal steps kept), so every row of a seed shares one dataset.
# Normalized score: random policy 0, the demonstrations' return 1; steps to 0.9 come from the
# training evaluations (5 greedy episodes every eval_every env steps).
ENVS = ("hopper", "walker2d", "halfcheetah")
DATA = [
    "expert=ppo_mujoco",
    "data.num_transitions=null",
    "data.num_episodes=10",
    "data.subsample_every=20",
    "eval.episodes=20",
    "eval.target_score=0.9",
]
BC = ["algo=bc", "algo.trainer.steps=20000"]
# DAC: algo=dac's defaults (SAC 256-256, D 256-256 with absorbing states, GP 10, logit reward,
# one D and one SAC step per env step); the bound is 1M env steps, the aim 300k.
DAC = [
    "algo=dac",
    "algo.trainer.total_steps=1000000",
    "algo.trainer.eval_every=10000",
    "algo.trainer.eval_episodes=5",
]
# gail_ppo: 3M env steps (1,465 PPO iterations of 2,048), absorbing states on (termination bias
# is real on Hopper and Walker2d).
GAIL_PPO = [
    "algo=gail_ppo",
    "algo.trainer.iterations=1465",
    "algo.trainer.eval_every=10",
    "algo.trainer.eval_episodes=5",
    "discriminator.absorbing=true",
]
AIRL = [*GAIL_PPO[1:], "algo=airl"]


def mujoco_rows() -> list[Row]:
    rows: list[Row] = []
    for env in ENVS:
        data = [f"env={env}", *DATA]
        sizes = (1, 4) if env == "hopper" else (4,)
        for n in sizes:
            rows.append(
                Row(
                    f"{env}_bc_{n}", f"{env}: bc, {n} traj.", [*data, f"data.use_episodes={n}", *BC]
                )
            )
        four = [*data, "data.use_episodes=4"]
        learners = [("dac", DAC), ("gail_ppo", GAIL_PPO)]
        if env == "hopper":
            learners.append(("airl", AIRL))
        for name, args in learners:
            rows.append(Row(f"{env}_{name}_4", f"{env}: {name}, 4 traj.", [*four, *args]))
            rows.append(
                Row(
                    f"{env}_{name}_4_random",
                    f"{env}: control: {name} on 4 random-policy episodes",
                    [*four, *args, "data.source=random"],
                )
            )
    return rows


MUJOCO = Suite(
    rows=mujoco_rows(),
    columns=[
        Column("normalized_score", "normalized score"),
        Column("normalized_score_stochastic", "normalized score (stochastic)"),
        Column("imitation_return_mean", "return (greedy)", "{:.0f}"),
        Column("expert_return", "expert return", "{:.0f}"),
        Column("random_return", "random return", "{:.0f}"),
        Column("imitation_env_steps", "env steps (bc: none)", "{:.0f}"),
        Column("to_target_step", "steps to 0.9 (env; bc: gradient steps)", "{:.0f}"),
        Column("to_target_time_s", "s to 0.9", "{:.0f}"),
        Column("wall_time_s.imitate", "training s", "{:.0f}"),
    ],
    note=(
        "Hopper-v5, Walker2d-v5, HalfCheetah-v5; n trajectories of the seed's PPO expert (the"
        " first n of 10), every 20th transition kept; 20 evaluation episodes per policy;"
        " normalized score = (R - R_random) / (R_expert - R_random), R_expert the"
        " demonstrations' mean return, greedy (the headline) and stochastic."
    ),
)
