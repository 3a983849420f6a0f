"""The CartPole-v1 suites: seed experiments 1 and 2, gail_ppo, offline GAIL trained longer."""

from __future__ import annotations

from benchmarks.suites.base import PPO_CHANGES, Column, Row, Suite

FAST = ["experiment=cartpole_gail_ppo_fast"]
OFFLINE = ["experiment=cartpole_gail_offline"]

# CartPole-v1: seed experiments 1 and 2, and gail_ppo (issue 6's variants, issue 9's rows).
CARTPOLE = Suite(
    rows=[
        Row(
            "gail_reinforce",
            "seed exp 1: DQN expert, GAIL+REINFORCE",
            ["experiment=cartpole_gail_reinforce"],
        ),
        Row("gail_ppo", "GAIL+PPO (20 scripted episodes)", ["experiment=cartpole_gail_ppo_fast"]),
        Row("gail_offline", "seed exp 2: offline GAIL", [*OFFLINE]),
        Row("bc_exp2", "BC on exp 2's data", [*OFFLINE, "algo=bc"]),
        Row(
            "gail_ppo_random",
            "control: GAIL+PPO on random-policy data",
            ["experiment=cartpole_gail_ppo_fast", "data.source=random"],
        ),
        Row(
            "gail_ppo_absorbing",
            "GAIL+PPO with absorbing states (DAC)",
            ["experiment=cartpole_gail_ppo_fast", "discriminator.absorbing=true"],
        ),
        Row(
            "gail_ppo_absorbing_random",
            "control: GAIL+PPO with absorbing states on random-policy data",
            [
                "experiment=cartpole_gail_ppo_fast",
                "discriminator.absorbing=true",
                "data.source=random",
            ],
        ),
        Row(
            "gail_ppo_absorbing_100",
            "GAIL+PPO with absorbing states, 100 iterations",
            [*FAST, "discriminator.absorbing=true", "algo.trainer.iterations=100"],
        ),
        Row(
            "gail_ppo_absorbing_100_random",
            "control: the row above on random-policy data",
            [
                *FAST,
                "discriminator.absorbing=true",
                "algo.trainer.iterations=100",
                "data.source=random",
            ],
        ),
        Row(
            "gail_ppo_logit_100",
            "GAIL+PPO with the logit reward (log D - log(1-D)), 100 iterations",
            [*FAST, "discriminator.reward_form=logit", "algo.trainer.iterations=100"],
        ),
        Row(
            "gail_ppo_logit_100_random",
            "control: the row above on random-policy data",
            [
                *FAST,
                "discriminator.reward_form=logit",
                "algo.trainer.iterations=100",
                "data.source=random",
            ],
        ),
        Row(
            "gail_reinforce_random",
            "control: exp 1 on random-policy data",
            ["experiment=cartpole_gail_reinforce", "data.source=random"],
        ),
    ],
    columns=[
        Column("imitation_return_mean", "return (greedy)", "{:.1f}"),
        Column("imitation_return_stochastic", "return (stochastic)", "{:.1f}"),
        Column("eval/length_mean", "episode length", "{:.0f}"),
        Column("normalized_score", "normalized score", "{:.2f}"),
        Column("to_target_step", "steps to 0.95 (env; offline: grad steps/epochs)", "{:.0f}"),
        Column("to_target_time_s", "s to 0.95", "{:.1f}"),
        Column("wall_time_s.imitate", "training s", "{:.0f}"),
    ],
    note="CartPole-v1; normalized score = (R - R_random) / (R_expert - R_random).",
    revision=1,
    revision_note=PPO_CHANGES,
)

# Seed experiment 2 trained longer (issue 9: offline GAIL must beat the seed's ~210 too). The
# seed stopped at 500 epochs (one policy step of 128 each at lr 1e-4), where the policy's entropy
# is still 0.51 of CartPole's 0.69 and the greedy return ~75 (seed 0); its notes say more epochs
# made it worse, but here the probe on seed 0 rose through 198 at 2000 epochs to 500 from 3500
# on. 10 policy steps per epoch instead collapsed to ~10 (D falls behind the policy).
OFFLINE_LONG = [*OFFLINE, "algo.trainer.epochs=5000", "algo.trainer.eval_every=250"]
CARTPOLE_OFFLINE = Suite(
    rows=[
        Row("gail_offline", "seed exp 2: offline GAIL, 500 epochs", OFFLINE),
        Row("gail_offline_5000", "offline GAIL, 5000 epochs", OFFLINE_LONG),
        Row("bc_exp2", "BC on exp 2's data", [*OFFLINE, "algo=bc"]),
        Row(
            "gail_offline_5000_random",
            "control: offline GAIL, 5000 epochs, on random-policy data",
            [*OFFLINE_LONG, "data.source=random"],
        ),
    ],
    columns=CARTPOLE.columns,
    note=(
        "CartPole-v1, seed experiment 2's setting (the seed's DQN expert per seed, 200k"
        " state-action pairs, no env interaction while imitating); 10 evaluation episodes per"
        " policy; normalized score = (R - R_random) / (R_expert - R_random)."
    ),
    revision=1,
    revision_note=(
        "the DQN expert's training changed since these runs (seed 0's expert scored 499.4 then,"
        " 490.5 now), so its demonstrations did: the cartpole suite's offline-GAIL and BC rows,"
        " the same commands re-run at revision 1, give 0.54 and 0.45 where these gave 0.39 and"
        " 0.67"
    ),
)
