import functools
import json

import numpy as np
import pytest
import torch

from gail_lab.rl.returns import gae
from gail_lab.seeding import SeedTree
from tests.conftest import run_cli


def test_gae_by_hand():
    # one terminated episode of 2 steps, one truncated episode of 1 step
    r = np.array([1.0, 2.0, 3.0])
    v = np.array([0.5, 1.0, 2.0])
    nv = np.array([1.0, 9.0, 4.0])  # V(s_{t+1}); ignored after a termination
    term = np.array([False, True, False])
    adv, ret = gae(r, v, nv, term, np.array([0, 2]), gamma=0.9, lam=0.5)
    d1 = 2.0 - 1.0  # terminated: no bootstrap
    d0 = 1.0 + 0.9 * 1.0 - 0.5
    d2 = 3.0 + 0.9 * 4.0 - 2.0  # truncated: bootstraps from V(next)
    np.testing.assert_allclose(adv, [d0 + 0.9 * 0.5 * d1, d1, d2])
    np.testing.assert_allclose(ret, adv + v)


def test_gae_lambda_one_gamma_one_is_monte_carlo_minus_value():
    r = np.array([1.0, 1.0, 1.0])
    v = np.array([0.3, 0.2, 0.1])
    nv = np.array([0.2, 0.1, 0.0])  # V(s_{t+1})
    adv, _ = gae(r, v, nv, np.array([False, False, True]), np.array([0]), 1.0, 1.0)
    np.testing.assert_allclose(adv, np.array([3.0, 2.0, 1.0]) - v)


@pytest.mark.slow
def test_ppo_expert_solves_cartpole(tmp_path):
    out = run_cli(
        tmp_path,
        "task=train_expert",
        "env=cartpole",
        "expert=ppo",
        "logger=none",
        "progress=false",
        "eval.episodes=10",
        "expert.loop.budget.env_steps=150000",
        "expert.loop.stop_at_return=500",
        timeout=900,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["expert/return_mean"] >= 475, summary


def test_linear_lr_decay():
    from gail_lab.rl.schedules import LinearLRDecay

    opt = torch.optim.Adam(
        [
            {"params": [torch.zeros(1, requires_grad=True)], "lr": 1e-3},
            {"params": [torch.zeros(1, requires_grad=True)], "lr": 1e-2},
        ]
    )
    sched = LinearLRDecay(opt)
    sched.set_remaining(0.25)
    assert [g["lr"] for g in opt.param_groups] == pytest.approx([2.5e-4, 2.5e-3])
    sched.set_remaining(-0.5)  # clamped: never negative
    assert [g["lr"] for g in opt.param_groups] == [0.0, 0.0]
    sched.set_remaining(1.0)
    assert [g["lr"] for g in opt.param_groups] == pytest.approx([1e-3, 1e-2])


def test_ppo_old_log_probs_are_the_acting_policys_with_the_normalizer_on():
    """The ratio pi_new / pi_old must be measured against the policy that acted. The loop updates
    the observation normalizer after the rollout, so log-probs recomputed in the update belong to a
    policy that never acted; the runner records them when the policy acts."""
    from gail_lab.envs import EnvFactory
    from gail_lab.rl.networks import CategoricalPolicy
    from gail_lab.rl.rollout import EpisodeRunner
    from tests.conftest import from_conf

    torch.manual_seed(0)
    factory = EnvFactory("CartPole-v1", num_envs=2)
    policy = CategoricalPolicy(4, 2, [16], normalize_obs=True)
    policy.observe(np.random.default_rng(0).normal(size=(50, 4)) * 3)  # some earlier statistics
    vec = factory.make_vec()
    roll = EpisodeRunner(vec, np.random.default_rng(0)).run(policy.decide, min_steps=64)
    vec.close()
    obs = torch.as_tensor(roll.observations)
    acts = torch.as_tensor(roll.actions)
    with torch.no_grad():
        acting = policy.distribution(obs).log_prob(acts).numpy()
    np.testing.assert_allclose(roll.log_probs, acting, rtol=1e-5, atol=1e-6)
    policy.observe(roll.observations)  # what the loop does before the update
    with torch.no_grad():
        after = policy.distribution(obs).log_prob(acts).numpy()
    assert np.abs(after - acting).max() > 1e-3  # the normalizer moved: a different policy
    # With a zero learning rate nothing moves inside the update: its KL estimate is the one
    # between the normalized policy and the acting one, not 0.
    ppo = from_conf(
        "algo/learner/ppo",
        rng=np.random.default_rng(0),
        policy=policy,
        optimizer=functools.partial(torch.optim.SGD, lr=0.0),
        epochs=1,
        minibatch_size=len(roll),
    )
    metrics = ppo.update(roll, roll.rewards)
    log_ratio = after - acting
    expected_kl = np.mean(np.expm1(log_ratio) - log_ratio)
    assert metrics["losses/approx_kl"] == pytest.approx(expected_kl, rel=1e-3)
    assert metrics["losses/approx_kl"] > 1e-6


def test_reinforce_returns_end_at_a_time_limit_cut():
    """REINFORCE has no value estimate: a truncated episode's return is not bootstrapped (the
    documented choice), while GAE bootstraps the same cut from V(next)."""
    from gail_lab.rl.returns import discounted_returns

    r = np.array([1.0, 1.0, 1.0])
    np.testing.assert_allclose(discounted_returns(r, np.array([0]), 0.5), [1.75, 1.5, 1.0])
    adv, _ = gae(
        r, np.zeros(3), np.array([0.0, 0.0, 8.0]), np.zeros(3, bool), np.array([0]), 0.5, 1.0
    )
    assert adv[-1] == pytest.approx(1.0 + 0.5 * 8.0)


def test_ppo_expert_with_reward_normalization_relu_and_clip_options():
    """The MuJoCo PPO experts' options (rl-baselines3-zoo's settings): rewards scaled by their
    running return spread (its statistics saved with the algorithm's state), ReLU policy and
    critic, a Gaussian clipped to the box."""
    from gail_lab.envs import EnvFactory
    from gail_lab.rl.networks import GaussianPolicy, policy_for_space
    from gail_lab.rl.on_policy import OnPolicy
    from tests.conftest import from_conf

    torch.manual_seed(0)
    factory = EnvFactory("Pendulum-v1", num_envs=1)
    policy = policy_for_space(
        factory.obs_dim, factory.action_space, [16, 16], activation="relu", squash="clip"
    )
    ppo = from_conf(
        "algo/learner/ppo",
        policy=policy,
        optimizer=functools.partial(torch.optim.Adam, lr=3e-4),
        rng=np.random.default_rng(0),
        value_hidden_sizes=[16, 16],
        value_activation="relu",
    )
    algo = OnPolicy(policy, ppo, 256, num_envs=1, reward_norm=True, observe_after_update=False)
    assert isinstance(algo.policy, GaussianPolicy) and algo.policy.squash == "clip"
    assert isinstance(algo.learner.value.net[1], torch.nn.ReLU)
    algo.setup(factory, seeds=SeedTree(0))
    roll = algo.sample_trajectories()
    algo.update(roll)
    state = algo.state_dict()["reward_scaler"]
    assert state["count"] > len(roll) - 1 and state["var"] > 1.0  # Pendulum's sums spread widely
    again = OnPolicy(policy, ppo, 256, num_envs=1, reward_norm=True, observe_after_update=False)
    again.reward_scaler.load_state_dict(state)
    r = roll.rewards[:8]
    np.testing.assert_array_equal(
        algo.reward_scaler(r, np.array([0])), again.reward_scaler(r, np.array([0]))
    )
    algo.close()


@pytest.mark.parametrize(
    "override, message",
    [
        (
            "expert.policy.activation=gelu",
            "expert.policy.activation: must be one of ['tanh', 'relu']",
        ),
        (
            "expert.policy.squash=sigmoid",
            "expert.policy.squash: must be one of ['tanh', 'clip', 'clip_censored']",
        ),
    ],
)
def test_ppo_expert_options_are_checked_at_compose_time(compose_cfg, override, message):
    from gail_lab.config import ConfigValueError, validate_config

    cfg = compose_cfg("env=pendulum", "expert=ppo", override)
    with pytest.raises(ConfigValueError) as err:
        validate_config(cfg)
    assert str(err.value).startswith(message)


@pytest.mark.parametrize("after", [False, True])
def test_the_normalizer_takes_in_a_rollout_before_or_after_the_update(after):
    """observe_after_update=True (the MuJoCo PPO experts): the update sees the normalizer the
    policy acted with, so the old log-probabilities and the first ratio agree (ratio 1)."""
    from gail_lab.envs import EnvFactory
    from gail_lab.rl.networks import CategoricalPolicy
    from gail_lab.rl.on_policy import OnPolicy

    class Recorder:
        gamma, bootstraps, optimizer = 0.99, True, None

        def update(self, roll, rewards):
            seen.append(policy.obs_norm.count.item())
            return {}

    seen: list[float] = []
    policy = CategoricalPolicy(4, 2, [8], normalize_obs=True)
    algo = OnPolicy(
        policy, Recorder(), 64, num_envs=1, reward_norm=False, observe_after_update=after
    )
    algo.setup(EnvFactory("CartPole-v1", num_envs=1), seeds=SeedTree(0))
    before = policy.obs_norm.count.item()
    algo.iterate({"env_steps": None})
    algo.close()
    assert (seen[0] == before) == after  # after: the update ran on the acting normalizer
    assert policy.obs_norm.count.item() > before  # either way the rollout is taken in
