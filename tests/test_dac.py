"""DAC (imitation/dac.py): absorbing transitions in the replay buffer, D's batches, the critic's
rewards, the gradient penalty, the shared observation normalizer, and runs through the CLI."""

import functools
import json

import numpy as np
import pytest
import torch
from gymnasium import spaces
from torch import nn

from gail_lab.data.transitions import Transitions
from gail_lab.imitation.absorbing import FAILURE, NOT_ENDED, SUCCESS, ending_code, with_absorbing
from gail_lab.imitation.dac import DAC
from gail_lab.imitation.reward_model import RewardModel
from gail_lab.rl.networks import RunningObsNorm, sac_policy
from gail_lab.rl.replay import ReplayBuffer
from gail_lab.rl.sac import SAC
from gail_lab.seeding import SeedTree
from tests.conftest import discriminator, read_jsonl, run_cli

ADAM = functools.partial(torch.optim.Adam, lr=1e-3)
GAMMA = 0.9


def box_episodes() -> Transitions:
    """Expert data, Box actions: episode 0 (2 steps) reaches the goal, episode 1 (3 steps)
    crashes, episode 2 (2 steps) hits the time limit."""
    n = 7
    obs = np.arange(n * 2, dtype=np.float32).reshape(n, 2) / 10
    return Transitions(
        obs,
        np.full((n, 1), 0.5, np.float32),
        np.zeros(n, np.float32),
        obs + 0.1,
        np.array([0, 1, 0, 0, 1, 0, 0], bool),
        np.array([0, 0, 0, 0, 0, 0, 1], bool),
        np.array([0, 2, 5]),
        np.array([True, False, False]),
    )


def make_dac(
    absorbing=True,
    normalize=False,
    capacity=100,
    d_batch=8,
    expert_ratio=0.0,
    policy_delay=1,
    absorbing_obs="zero",
) -> DAC:
    torch.manual_seed(0)
    policy = sac_policy(2, spaces.Box(-1.0, 1.0, (1,)), [16, 16], normalize_obs=normalize)
    sac = SAC(policy, ADAM, GAMMA, 0.005, [16, 16], None, 1.0, None, policy_delay=policy_delay)
    disc = discriminator(
        2, 1, False, ADAM, hidden_sizes=[16], reward_form="logit", absorbing=absorbing,
        absorbing_obs=absorbing_obs,
    )  # fmt: skip
    rng = np.random.default_rng(0)
    reward_model = RewardModel(
        disc,
        box_episodes(),
        "info",
        GAMMA,
        d_steps=1,
        d_batch_size=d_batch,
        disc_reward_coef=1.0,
        env_reward_coef=0.0,
        reward_scale=1.0,
        rng=rng,
    )
    dac = DAC(
        sac,
        reward_model,
        box_episodes(),
        buffer_size=capacity,
        learning_starts=1,
        batch_size=8,
        train_freq=1,
        gradient_steps=1,
        d_every=1,
        seeds=SeedTree(0),
        expert_ratio=expert_ratio,
    )
    dac.attach_buffer(ReplayBuffer(capacity, 2, (1,), np.float32, dac.rng))  # as setup() does
    return dac


def add(dac: DAC, n: int, code: int = NOT_ENDED, value: float = 1.0) -> None:
    for _ in range(n):
        obs = np.full(2, value, np.float32)
        dac.buffer.add(obs, np.zeros(1), 0.0, obs + 1, float(code != NOT_ENDED), code)


def test_each_step_records_how_its_episode_ended():
    assert ending_code(False, {"is_success": True}, "info") == NOT_ENDED  # not terminated
    assert ending_code(True, {"is_success": True}, "info") == SUCCESS
    assert ending_code(True, {"is_success": False}, "info") == FAILURE
    assert ending_code(True, {}, "success") == SUCCESS
    assert ending_code(True, {"is_success": True}, "failure") == FAILURE


def test_absorbing_entries_enter_with_their_episode_and_leave_with_it():
    """D's replay samples hold one absorbing entry (zero observation and action, the ending's
    code) per terminated transition in the buffer, drawn as often as any stored transition; once
    the ring buffer overwrites that transition, its absorbing entry is gone too."""
    dac = make_dac(capacity=10)
    add(dac, 2)
    add(dac, 1, SUCCESS, value=2.0)
    add(dac, 1, FAILURE, value=3.0)  # 4 stored transitions + 2 absorbing entries
    batch = dac.agent_batch(6000)
    codes = batch["codes"]
    assert set(np.unique(codes)) == {NOT_ENDED, SUCCESS, FAILURE}
    assert abs((codes != NOT_ENDED).mean() - 2 / 6) < 0.03
    assert abs((codes == SUCCESS).mean() - 1 / 6) < 0.03
    absorbing = codes != NOT_ENDED
    assert not batch["obs"][absorbing].any() and not batch["actions"][absorbing].any()
    assert batch["terminated"][absorbing].all()
    # a stored terminal step leads to its absorbing state; an absorbing state to itself
    terminal = (~absorbing) & (batch["obs"][:, 0] == 2.0)
    assert (batch["next_codes"][terminal] == SUCCESS).all()
    np.testing.assert_array_equal(batch["next_codes"][absorbing], codes[absorbing])
    add(dac, 10)  # overwrite every slot with ordinary transitions
    assert not dac.agent_batch(500)["codes"].any()


def test_terminal_absorbing_entries_show_the_observation_their_episode_ended_in():
    dac = make_dac(capacity=10, absorbing_obs="terminal")
    add(dac, 2)
    add(dac, 1, FAILURE, value=3.0)  # ends at next observation 4.0
    batch = dac.agent_batch(400)
    absorbing = batch["codes"] != NOT_ENDED
    assert 0 < absorbing.sum() < 400
    assert (batch["obs"][absorbing] == 4.0).all() and (batch["next_obs"][absorbing] == 4.0).all()
    assert not batch["actions"][absorbing].any()


def test_without_absorbing_states_replay_samples_are_plain_transitions():
    dac = make_dac(absorbing=False)
    add(dac, 3)
    add(dac, 1, SUCCESS)
    batch = dac.agent_batch(50)
    assert "codes" not in batch and len(batch["obs"]) == 50


def test_discriminator_steps_take_half_expert_half_replay_samples(monkeypatch):
    dac = make_dac(d_batch=8)
    add(dac, 5, value=7.0)
    seen = []
    monkeypatch.setattr(dac.discriminator, "update", lambda e, a: seen.append((e, a)) or {})
    dac.reward_model.d_steps = 3
    dac.update_discriminator()
    assert len(seen) == 3
    pool = with_absorbing(box_episodes(), "info")
    for expert, agent in seen:
        assert len(expert["obs"]) == 4 and len(agent["obs"]) == 4
        for row, code in zip(expert["obs"], expert["codes"], strict=True):  # from the demos
            pairs = zip(pool["obs"], pool["codes"], strict=True)
            assert any((row == p).all() and code == c for p, c in pairs)
        assert (agent["obs"] == 7.0).all()  # from the replay buffer


def test_critic_rewards_are_the_logit_and_terminal_steps_earn_the_absorbing_value():
    """reward_form=logit: r = log D - log(1 - D) = D's logit. A terminated step's reward adds
    gamma / (1 - gamma) * r(absorbing state of its ending): its critic target does not
    bootstrap, so that is the whole value of staying there."""
    dac = make_dac()
    add(dac, 1)
    add(dac, 1, SUCCESS, value=2.0)
    add(dac, 1, FAILURE, value=3.0)
    idx = np.array([0, 1, 2])
    rewards, metrics = dac.rewards_of(dac.replay_arrays(idx))
    b = dac.buffer
    with torch.no_grad():
        logits = dac.discriminator.logits(b.obs[idx], b.actions[idx]).numpy()
    r_abs = dac.discriminator.absorbing_rewards()
    tail = GAMMA / (1 - GAMMA)
    expected = logits + tail * np.array([0.0, r_abs[SUCCESS], r_abs[FAILURE]])
    np.testing.assert_allclose(rewards, expected, rtol=1e-5, atol=1e-6)
    assert metrics["disc/reward_absorbing_success"] == r_abs[SUCCESS]
    plain = make_dac(absorbing=False)
    add(plain, 1, SUCCESS, value=2.0)
    r, _ = plain.rewards_of(plain.replay_arrays(np.array([0])))
    with torch.no_grad():
        logit = plain.discriminator.logits(plain.buffer.obs[:1], plain.buffer.actions[:1])
    np.testing.assert_allclose(r, logit.numpy(), rtol=1e-6)


@pytest.mark.parametrize("target", [0.0, 1.0])
def test_gradient_penalty_at_hand_computed_values(target):
    """For a linear D the input gradient is its weight vector w everywhere, so the penalty is
    (||w|| - target)^2 whatever the interpolates."""
    disc = discriminator(2, 1, False, ADAM, grad_penalty=10.0, grad_penalty_target=target)
    disc.net = nn.Linear(3, 1)
    with torch.no_grad():
        disc.net.weight.copy_(torch.tensor([[3.0, 0.0, 4.0]]))  # ||w|| = 5
    x_e, x_a = torch.randn(16, 3), torch.randn(16, 3)
    gp = disc.gradient_penalty(x_e, x_a)
    assert gp.item() == pytest.approx((5.0 - target) ** 2)


def test_one_observation_normalizer_for_actor_critics_and_discriminator():
    """With env.normalize_obs the actor's running normalizer is also both critics' (and their
    targets') and D's, seeded with the expert observations; D's updates leave it alone."""
    dac = make_dac(normalize=True)
    norm = dac.policy.obs_norm
    assert isinstance(norm, RunningObsNorm) and norm.count.item() == len(box_episodes())
    assert all(q.obs_norm is norm for q in [*dac.sac.critics, *dac.sac.critic_targets])
    assert dac.discriminator.obs_norm is norm
    add(dac, 4)
    before = norm.mean.clone()
    dac.update_discriminator()
    assert torch.equal(norm.mean, before)
    dac.observe(np.array([5.0, 5.0], np.float32))
    assert norm.count.item() == len(box_episodes()) + 1


def test_an_update_step_trains_both_models():
    dac = make_dac()
    add(dac, 20)
    add(dac, 2, SUCCESS)
    d0 = [p.clone() for p in dac.discriminator.net.parameters()]
    a0 = [p.clone() for p in dac.policy.parameters()]
    m = {**dac.update_discriminator(), **dac.update_policy()}
    assert {"disc/loss", "losses/qf_loss", "losses/actor_loss", "disc/reward_mean"} <= set(m)
    assert all(np.isfinite(v) for v in m.values())
    assert any(
        not torch.equal(a, b) for a, b in zip(d0, dac.discriminator.net.parameters(), strict=True)
    )
    assert any(not torch.equal(a, b) for a, b in zip(a0, dac.policy.parameters(), strict=True))


def test_a_delayed_actor_learns_every_other_update_and_the_critics_every_update():
    dac = make_dac(policy_delay=2)
    add(dac, 20)

    def moved(before, now) -> bool:
        return any(not torch.equal(a, b) for a, b in zip(before, now, strict=True))

    seen = []
    for _ in range(4):
        actor = [p.clone() for p in dac.policy.parameters()]
        critics = [p.clone() for p in dac.sac.critics.parameters()]
        m = dac.update_policy()
        assert {"losses/qf_loss", "losses/actor_loss", "losses/alpha"} <= set(m)
        assert moved(critics, dac.sac.critics.parameters())
        seen.append(moved(actor, dac.policy.parameters()))
    assert seen == [True, False, True, False]
    state = dac.sac.state_dict()
    assert state["updates"] == 4 and "losses/actor_loss" in state["actor_stats"]


def test_hybrid_replay_puts_expert_transitions_in_each_sac_batch_paid_by_d(monkeypatch):
    """expert_ratio 0.5 of a batch of 8: 4 expert transitions (with their absorbing tails, as
    the replay's) beside 4 replay samples; D's reward is computed for all 8."""
    dac = make_dac(expert_ratio=0.5)
    add(dac, 20, value=9.0)  # replay observations are all 9: expert ones are below 1.4
    got = {}
    monkeypatch.setattr(dac.sac, "update", lambda batch: got.update(batch) or {})
    dac.update_policy()
    obs = got["obs"].numpy()
    assert len(obs) == 8 and (obs[:4] == 9.0).all() and (obs[4:] < 1.4).all()
    assert got["rewards"].shape == (8,) and torch.isfinite(got["rewards"]).all()
    experts = box_episodes()
    rows = [int(np.flatnonzero((experts.observations == o).all(1))[0]) for o in obs[4:]]
    np.testing.assert_array_equal(got["terminated"].numpy()[4:], experts.terminated[rows])
    assert got["terminated"].dtype == got["obs"].dtype == torch.float32  # the buffer's dtypes


# ---------------------------------------------------------------------------- through the CLI
PENDULUM_DAC = [
    "logger=none",
    "progress=false",
    "env=pendulum",
    "env.num_envs=2",
    "expert=scripted_pendulum",
    "data.num_transitions=null",
    "data.num_episodes=1",
    "algo=dac",
    "algo.policy.hidden_sizes=[32,32]",
    "algo.learner.critic_hidden_sizes=[32,32]",
    "discriminator.hidden_sizes=[32,32]",
    "algo.algorithm.learning_starts=100",
    "algo.loop.eval_every=200",
    "algo.loop.eval_episodes=1",
    "eval.episodes=2",
]


@pytest.mark.parametrize("precision", ["fp32", "bf16"])
def test_dac_runs_end_to_end_on_pendulum(tmp_path, precision):
    r = run_cli(tmp_path, *PENDULUM_DAC, "algo.loop.budget.env_steps=400", f"precision={precision}")
    assert r.returncode == 0, r.stderr[-3000:]
    rows = read_jsonl(tmp_path / "run" / "imitate" / "metrics.jsonl")
    keys = set().union(*rows)
    assert {"disc/acc_expert", "disc/reward_mean", "losses/qf_loss", "eval/return_mean"} <= keys
    assert rows[-1]["global_step"] == 400


def test_dac_runs_discrete_sac_on_discrete_actions(tmp_path):
    """env=cartpole algo=dac: a categorical actor and critics with a value per action, integer
    actions in the replay buffer, end to end."""
    args = [
        *PENDULUM_DAC,
        "env=cartpole",
        "expert=scripted_cartpole",
        "algo.loop.budget.env_steps=400",
    ]
    r = run_cli(tmp_path, *args)
    assert r.returncode == 0, r.stderr[-3000:]
    rows = read_jsonl(tmp_path / "run" / "imitate" / "metrics.jsonl")
    assert {"losses/qf_loss", "losses/actor_loss", "disc/acc_expert"} <= set().union(*rows)
    from gail_lab.rl.checkpoint import load_policy
    from gail_lab.rl.networks import CategoricalPolicy

    policy, _ = load_policy(tmp_path / "run" / "imitate" / "policy.pt")
    assert isinstance(policy, CategoricalPolicy) and policy.init_kwargs["n_actions"] == 2


def test_discrete_sac_targets_and_actor_loss_are_expectations_over_the_actions():
    """Discrete SAC: target r + gamma (1 - d) sum_a pi(a|s') (min Q'(s', a) - alpha log pi(a|s')),
    the taken action's Q regressed on it; the actor minimizes sum_a pi(a|s) (alpha log pi - min Q);
    the default target entropy is target_entropy_ratio x log |A|."""
    import torch.nn.functional as F

    from gail_lab.rl.networks import CategoricalPolicy

    torch.manual_seed(0)
    policy = CategoricalPolicy(2, 3, [8])
    sac = SAC(policy, ADAM, 0.9, 0.005, [8], 0.5, 1.0, None, target_entropy_ratio=0.5)
    assert sac.discrete and sac.target_entropy == pytest.approx(0.5 * np.log(3))
    obs, next_obs = torch.randn(5, 2), torch.randn(5, 2)
    actions, rewards = torch.tensor([0, 1, 2, 1, 0]), torch.randn(5)
    terminated = torch.tensor([0.0, 0.0, 1.0, 0.0, 0.0])
    with torch.no_grad():
        logp = F.log_softmax(policy(next_obs), -1)
        q_next = torch.min(*(q(next_obs) for q in sac.critic_targets))
        target = rewards + 0.9 * (1 - terminated) * (logp.exp() * (q_next - 0.5 * logp)).sum(-1)
        q1, q2 = (q(obs)[torch.arange(5), actions] for q in sac.critics)
        expected = (F.mse_loss(q1, target) + F.mse_loss(q2, target)) / 2
    batch = {"obs": obs, "actions": actions, "next_obs": next_obs, "rewards": rewards}
    stats = sac.update(batch | {"terminated": terminated})
    assert stats["losses/qf_loss"] == pytest.approx(float(expected), rel=1e-5)
    assert stats["losses/alpha"] == pytest.approx(0.5)  # a fixed temperature stays


@pytest.mark.parametrize("discrete", [True, False], ids=["discrete", "gaussian"])
def test_a_relative_entropy_bonus_pays_alpha_times_entropy_above_the_target(discrete, monkeypatch):
    """entropy_bonus=relative: the bootstrapped soft value is lowered by alpha x target entropy
    (each step pays alpha (H - H_target)); a terminal step's target, which bootstraps nothing, is
    the same under both bonuses."""
    import torch.nn.functional as F

    from gail_lab.rl.networks import CategoricalPolicy

    space = spaces.Discrete(3) if discrete else spaces.Box(-1.0, 1.0, (2,))
    real_mse, seen = F.mse_loss, {}

    def spy(q, target):
        seen["target"] = target
        return real_mse(q, target)

    monkeypatch.setattr(F, "mse_loss", spy)

    def targets(bonus: str) -> tuple[torch.Tensor, float]:
        torch.manual_seed(0)
        sac = SAC(
            sac_policy(2, space, [8]), ADAM, 0.9, 0.005, [8], 0.5, 1.0, None, entropy_bonus=bonus
        )

        torch.manual_seed(1)
        batch = {
            "obs": torch.randn(4, 2),
            "actions": torch.tensor([0, 1, 2, 1]) if discrete else torch.rand(4, 2) * 2 - 1,
            "next_obs": torch.randn(4, 2),
            "rewards": torch.randn(4),
            "terminated": torch.tensor([0.0, 1.0, 0.0, 0.0]),
        }
        sac.update(batch)
        return seen["target"], sac.target_entropy

    absolute, h_target = targets("absolute")
    relative, _ = targets("relative")
    shift = torch.tensor([1.0, 0.0, 1.0, 1.0]) * 0.9 * 0.5 * h_target
    torch.testing.assert_close(absolute - relative, shift, rtol=0, atol=1e-5)
    with pytest.raises(ValueError, match="entropy_bonus"):
        SAC(CategoricalPolicy(2, 3, [8]), ADAM, 0.9, 0.005, [8], 0.5, 1.0, None, entropy_bonus="x")


@pytest.mark.slow  # two DAC runs and an interrupted one (~1 min each); run by .ci/run
@pytest.mark.parametrize(
    "options",
    [[], ["algo.learner.policy_delay=2", "algo.algorithm.expert_ratio=0.25"]],
    ids=["defaults", "delayed_actor_hybrid_replay"],
)
def test_dac_sigterm_then_resume_is_bit_identical(tmp_path, options):
    """SIGTERM mid-episode, run again: the replay buffer, D, SAC, the normalizer, the env and
    every RNG come back, and the run ends as an uninterrupted one does, bit for bit."""
    from tests.test_resume import comparable, interrupt, weights

    args = [*PENDULUM_DAC, "env.normalize_obs=true", "algo.loop.budget.env_steps=1300", *options]
    assert run_cli(tmp_path, *args, run_dir="whole").returncode == 0
    interrupt(tmp_path, args, "cut", "imitate/metrics.jsonl", 3)
    resumed = run_cli(tmp_path, *args, run_dir="cut")
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    out = resumed.stdout + resumed.stderr
    assert "resumed from" in out and "not bit-exact" not in out
    whole, again = tmp_path / "whole" / "imitate", tmp_path / "cut" / "imitate"
    assert comparable(read_jsonl(again / "metrics.jsonl")) == comparable(
        read_jsonl(whole / "metrics.jsonl")
    )
    wa, wb = weights(whole / "policy.pt"), weights(again / "policy.pt")
    assert all(torch.equal(wa[k], wb[k]) for k in wa)


@pytest.mark.slow  # 116 s with another run on the second core: run by .ci/run
def test_dac_learns_pendulum_from_one_trajectory(tmp_path):
    """Pure imitation (D's reward only) from a single 200-step demonstration, 10 000 env steps,
    64-64 actor, critics and D (algo=dac's 256-256 take ~4x longer per step for the same
    check): at least 3 of 10 greedy evaluation episodes swing the pendulum up and hold it
    (return past halfway from random to the expert), which a random policy never does (200
    random episodes: -1870 to -744, halfway ~ -710). Measured at seed 0: 4 of 10 expert-like (-3 to
    -244), 6 spinning (~-1900); at 20 000 steps with 256-256 networks (the dac suite) 49 of 50."""
    args = [
        "logger=none",
        "progress=false",
        "env=pendulum",
        "expert=scripted_pendulum",
        "data.num_transitions=null",
        "data.num_episodes=1",
        "algo=dac",
        "algo.loop.budget.env_steps=10000",
        "algo.loop.eval_every=2000",
        "algo.policy.hidden_sizes=[64,64]",
        "algo.learner.critic_hidden_sizes=[64,64]",
        "discriminator.hidden_sizes=[64,64]",
        "eval.episodes=10",
    ]
    r = run_cli(tmp_path, *args, timeout=900)
    assert r.returncode == 0, r.stderr[-3000:]
    s = json.loads((tmp_path / "run" / "summary.json").read_text())
    expert, random = s["expert_return"], s["random_return"]
    report = json.loads((tmp_path / "run" / "evaluate" / "eval.json").read_text())
    returns = np.array(report["deterministic"]["returns"])
    assert (returns > random + 0.5 * (expert - random)).sum() >= 3, returns
