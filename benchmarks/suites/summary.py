"""The README's summary table: per task, one GAIL row of a suite beside what could explain it
without imitation (BC alone on the same data, the run without the discriminator's reward, the run
on random-policy data), each a row of some suite, read from the suites' records."""

from __future__ import annotations

from dataclasses import dataclass

from benchmarks.suites.base import Column

SUCCESS = Column("eval/success_rate", "success %", "{:.0f}", 100)
SCORE = Column("normalized_score", "normalized score", "{:.2f}")

Cell = tuple[str, str] | None  # (suite, row), or None where the comparison does not apply


@dataclass
class Line:
    task: str
    what: str
    metric: Column
    gail: tuple[str, str]
    bc: Cell = None
    no_disc: Cell = None
    control: Cell = None


SUMMARY = [
    Line(
        "racecar",
        "GAIL+PPO recipe: env reward x30, BC warm start + loss",
        SUCCESS,
        ("racecar", "gail_ppo"),
        ("racecar", "bc"),
        ("racecar", "no_disc"),
        ("racecar", "random_data"),
    ),
    Line(
        "racecar",
        "GAIL+PPO, no env reward, BC warm start + loss",
        SUCCESS,
        ("racecar", "pure_gail_bc"),
        ("racecar", "bc"),
        None,
        ("racecar", "random_data_pure"),
    ),
    Line(
        "racecar",
        "pure GAIL+PPO (no env reward, no BC)",
        SUCCESS,
        ("racecar", "pure_gail"),
        ("racecar", "bc"),
    ),
    Line(
        "racecar",
        "pure GAIL+PPO, absorbing states, logit reward",
        SUCCESS,
        ("racecar", "pure_gail_absorbing_logit"),
        ("racecar", "bc"),
        control=("racecar", "pure_gail_absorbing_logit_random"),
    ),
    Line(
        "racecar",
        "DAC, pure GAIL (no env reward, no BC; rays observation)",
        SUCCESS,
        ("racecar", "pure_dac"),
        ("racecar", "pure_dac_bc"),
        control=("racecar", "pure_dac_random"),
    ),
    Line(
        "CartPole-v1",
        "seed exp 1: GAIL+REINFORCE, DQN expert",
        SCORE,
        ("cartpole", "gail_reinforce"),
        control=("cartpole", "gail_reinforce_random"),
    ),
    Line(
        "CartPole-v1",
        "GAIL+PPO, 20 scripted episodes",
        SCORE,
        ("cartpole", "gail_ppo"),
        control=("cartpole", "gail_ppo_random"),
    ),
    Line(
        "CartPole-v1",
        "GAIL+PPO + absorbing states, 100 iterations",
        SCORE,
        ("cartpole", "gail_ppo_absorbing_100"),
        control=("cartpole", "gail_ppo_absorbing_100_random"),
    ),
    Line(
        "CartPole-v1",
        "offline GAIL, 5000 epochs (seed exp 2 trained longer)",
        SCORE,
        ("cartpole_offline", "gail_offline_5000"),
        ("cartpole_offline", "bc_exp2"),
        control=("cartpole_offline", "gail_offline_5000_random"),
    ),
    Line(
        "MountainCar-v0, 4 traj.",
        "GAIL+PPO + GP 10 + BC warm start + loss, 200 it.",
        SCORE,
        ("classic_fix", "mountaincar_gp_bc_it200_4"),
        control=("classic_fix", "mountaincar_gp_bc_it200_4_random"),
    ),
    Line(
        "Pendulum-v1, 4 traj.",
        "GAIL+PPO, 200 it.",
        SCORE,
        ("classic_fix", "pendulum_it200_4"),
        control=("classic_fix", "pendulum_it200_4_random"),
    ),
    Line(
        "Acrobot-v1, 4 traj. / 20",
        "GAIL+PPO + absorbing states, 100 it. (every 20th step)",
        SCORE,
        ("classic_sub", "acrobot_absorbing_it100_4"),
        ("classic_sub", "acrobot_bc_4"),
        control=("classic_sub", "acrobot_absorbing_it100_4_random"),
    ),
    Line(
        "Pendulum-v1, 4 traj. (scripted expert)",
        "DAC, 20k env steps",
        SCORE,
        ("dac", "pendulum_dac_4"),
        ("dac", "pendulum_bc_4"),
        control=("dac", "pendulum_dac_4_random"),
    ),
]
