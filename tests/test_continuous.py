"""Continuous control: the tanh-squashed Gaussian policy, PPO and SAC on Box actions."""

import tempfile
from functools import partial
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
import torch

from gail_lab.data.transitions import Transitions
from gail_lab.rl.checkpoint import load_policy, save_policy
from gail_lab.rl.distributions import ClippedNormal
from gail_lab.rl.networks import GaussianPolicy, policy_for_space
from gail_lab.rl.replay import ReplayBuffer
from gail_lab.rl.sac import SAC
from tests.conftest import from_conf, run_cli

TARGET = np.array([0.5, -1.0], dtype=np.float32)  # best action of the bandit below
LOW, HIGH = [-2.0, -2.0], [2.0, 2.0]


def bandit_reward(actions: np.ndarray) -> np.ndarray:
    """A one-step continuous bandit: reward -|a - TARGET|^2."""
    return -((actions - TARGET) ** 2).sum(-1).astype(np.float32)


def test_squashed_gaussian_is_a_density_inside_the_box():
    torch.manual_seed(0)
    policy = GaussianPolicy(3, [-2.0], [2.0], [16], log_std_init=0.5)
    obs = torch.randn(1, 3)
    grid = torch.linspace(-2 + 1e-5, 2 - 1e-5, 40001)[:, None]
    dist = policy.distribution(obs.expand(len(grid), 3))
    mass = torch.trapezoid(dist.log_prob(grid).exp(), grid[:, 0]).item()
    assert mass == pytest.approx(1.0, abs=2e-3)
    many = policy.distribution(obs.expand(5000, 3))
    samples = many.sample()
    assert samples.min() >= -2 and samples.max() <= 2
    a, logp = many.rsample_with_log_prob()
    inside = a[:, 0].abs() < 2 * 0.999  # float32 tanh saturates at the edge; inversion is clamped
    assert inside.float().mean() > 0.95
    torch.testing.assert_close(logp[inside], many.log_prob(a)[inside], atol=1e-3, rtol=1e-4)


def test_the_mean_stays_in_the_box_however_far_the_net_pushes_it():
    policy = GaussianPolicy(2, [-1.0], [3.0], [8])
    with torch.no_grad():
        policy.mean_head.bias.fill_(1e4)
    actions = policy.act(np.zeros((4, 2), np.float32), deterministic=True)
    assert np.all(actions <= 3.0) and np.all(actions >= -1.0)
    logp = policy.distribution(torch.zeros(4, 2)).log_prob(torch.as_tensor(actions))
    assert torch.isfinite(logp).all()


def test_policy_for_space_picks_the_distribution():
    assert type(policy_for_space(4, gym.spaces.Discrete(2), [8])).__name__ == "CategoricalPolicy"
    box = gym.spaces.Box(-2.0, 2.0, (1,), np.float32)
    assert isinstance(policy_for_space(3, box, [8], log_std_init=-1.0), GaussianPolicy)
    with pytest.raises(ValueError, match="finite action box"):
        GaussianPolicy(3, [-np.inf], [np.inf], [8])


def test_gaussian_policy_checkpoint_round_trip(tmp_path):
    policy = GaussianPolicy(3, LOW, HIGH, [16, 16], normalize_obs=True, state_dependent_std=True)
    policy.observe(np.random.default_rng(0).normal(size=(50, 3)))
    obs = np.random.default_rng(1).normal(size=(6, 3)).astype(np.float32)
    loaded, _ = load_policy(save_policy(tmp_path / "g.pt", policy))
    np.testing.assert_array_equal(loaded.act(obs, True), policy.act(obs, True))


def test_ppo_learns_a_continuous_bandit():
    torch.manual_seed(0)
    policy = GaussianPolicy(1, LOW, HIGH, [32, 32])
    ppo = from_conf(
        "algo/learner/ppo",
        rng=np.random.default_rng(0),
        policy=policy,
        optimizer=partial(torch.optim.Adam, lr=3e-3),
        epochs=4,
    )
    n = 256
    obs = np.ones((n, 1), np.float32)
    for _ in range(60):
        actions = policy.act(obs)
        batch = Transitions(
            obs,
            actions,
            bandit_reward(actions),
            obs,
            np.ones(n, bool),
            np.zeros(n, bool),
            np.arange(n),
        )
        metrics = ppo.update(batch, batch.rewards)
    assert np.isfinite(list(metrics.values())).all()
    np.testing.assert_allclose(policy.act(obs[:1], deterministic=True)[0], TARGET, atol=0.15)


def test_ppo_survives_a_tail_sample_of_a_narrow_gaussian():
    """The racecar's NaN crash: one sample ~75 sigma out in a narrow Gaussian's tail, paid for,
    gains thousands of nats of log-probability within an update; an uncapped ratio exp() gives
    inf and the backward NaN weights. With the cap the weights stay finite."""
    torch.manual_seed(0)
    policy = GaussianPolicy(1, [-1.0], [1.0], [8], log_std_init=-5.0, squash="clip")
    ppo = from_conf(
        "algo/learner/ppo",
        rng=np.random.default_rng(0),
        policy=policy,
        optimizer=partial(torch.optim.Adam, lr=0.1),
        minibatch_size=8,
    )
    n = 8
    obs = np.ones((n, 1), np.float32)
    actions = policy.act(obs, deterministic=True).copy()
    actions[0] += 0.5  # the tail sample
    rewards = np.zeros(n, np.float32)
    rewards[0] = 1.0
    batch = Transitions(
        obs, actions, rewards, obs, np.ones(n, bool), np.zeros(n, bool), np.arange(n)
    )
    metrics = ppo.update(batch, rewards)
    assert all(torch.isfinite(p).all() for p in policy.parameters())
    assert np.isfinite(metrics["losses/policy_loss"])


def test_sac_learns_a_continuous_bandit():
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    actor = GaussianPolicy(1, LOW, HIGH, [32, 32], state_dependent_std=True, activation="relu")
    sac = SAC(
        actor,
        partial(torch.optim.Adam, lr=3e-3),
        gamma=0.0,
        tau=0.005,
        critic_hidden_sizes=[32, 32],
        alpha=None,
        alpha_init=1.0,
        target_entropy=None,
    )
    buffer = ReplayBuffer(5000, 1, (2,), np.float32, rng)
    obs = np.ones(1, np.float32)
    for step in range(1500):
        a = rng.uniform(-2, 2, 2) if step < 200 else actor.act(obs[None])[0]
        buffer.add(obs, a, bandit_reward(a[None])[0], obs, 1.0)
        if step >= 200:
            metrics = sac.update(buffer.sample(64))
    assert np.isfinite(list(metrics.values())).all() and metrics["losses/alpha"] < 1.0
    np.testing.assert_allclose(actor.act(obs[None], deterministic=True)[0], TARGET, atol=0.15)


@pytest.mark.parametrize(
    "overrides",
    [
        [
            "expert=sac",
            "expert.loop.budget.env_steps=300",
            "expert.algorithm.learning_starts=100",
            "expert.loop.eval_every=150",
            "expert.policy.hidden_sizes=[32,32]",
        ],
        [
            "expert=ppo",
            "expert.loop.budget.env_steps=800",
            "expert.algorithm.samples_per_iteration=400",
            "expert.loop.eval_every=1",
        ],
    ],
    ids=["sac", "ppo"],
)
@pytest.mark.slow  # an expert trained, then collected and evaluated (~15 s each); run by .ci/run
def test_continuous_expert_trains_collects_and_evaluates_on_pendulum(tmp_path, overrides):
    common = [
        "env=pendulum",
        "logger=none",
        "progress=false",
        "env.num_envs=2",
        "eval.episodes=2",
        "expert.loop.eval_episodes=2",
        "data.num_transitions=400",
    ]
    out = run_cli(tmp_path, "task=train_expert", *common, *overrides)
    assert out.returncode == 0, out.stderr[-2000:]
    out = run_cli(tmp_path, "task=collect", *common, *overrides, run_dir="collect")
    assert out.returncode == 0, out.stderr[-2000:]
    data = np.load(next((tmp_path / "artifacts").rglob("*.npz")))
    assert data["actions"].dtype == np.float32 and data["actions"].shape[1:] == (1,)
    assert np.abs(data["actions"]).max() <= 2.0


def test_sac_expert_on_discrete_actions_is_discrete_sac(tmp_path):
    """expert=sac on CartPole: a categorical actor with a value per action (discrete SAC)."""
    from gail_lab.rl.checkpoint import load_policy
    from gail_lab.rl.networks import CategoricalPolicy

    args = ["task=train_expert", "env=cartpole", "expert=sac", "logger=none", "progress=false"]
    budget = ["expert.loop.budget.env_steps=300", "expert.algorithm.learning_starts=100"]
    out = run_cli(tmp_path, *args, *budget, "expert.loop.eval_every=300")
    assert out.returncode == 0, out.stderr[-2000:]
    (path,) = (tmp_path / "artifacts" / "experts").glob("*/expert.pt")
    policy, _ = load_policy(path)
    assert isinstance(policy, CategoricalPolicy)


def test_clipped_gaussian_keeps_edge_labels_finite_and_its_mean_in_the_box():
    torch.manual_seed(0)
    policy = GaussianPolicy(2, [0.0], [1.0], [8], squash="clip", box_penalty_coef=1.0)
    obs = torch.zeros(3, 2)
    dist = policy.distribution(obs)
    edge = torch.tensor([[1.0], [0.0], [1.0]])  # labels on the box's edge: finite likelihood
    assert torch.isfinite(dist.log_prob(edge)).all()
    with torch.no_grad():
        policy.mean_head.weight.zero_()
        policy.mean_head.bias.fill_(0.5)  # mean in the middle of the box: no penalty
    assert policy.distribution(obs).box_penalty().item() == 0.0
    with torch.no_grad():
        policy.mean_head.bias.fill_(3.0)  # mean 2 above the box's top
    far = policy.distribution(obs)
    assert far.box_penalty().item() == pytest.approx(4.0)  # (3 - 1)^2
    a = policy.act(np.zeros((5, 2), np.float32))
    assert np.all((a >= 0.0) & (a <= 1.0))  # samples are clipped
    loaded = load_policy(save_policy(Path(tempfile.mkdtemp()) / "p.pt", policy))[0]
    assert loaded.squash == "clip"


def test_censored_clipped_gaussian_is_the_likelihood_of_clipped_samples():
    """clip_censored: an action on the box's edge gets the Gaussian's mass beyond the edge, one
    inside its density; so the mass inside plus both edges' is 1, and with the mean far outside
    the box and a small sigma an edge action's likelihood stays near 1 while the mean moves (the
    density's changes by thousands of nats)."""
    low, high = torch.tensor([-1.0]), torch.tensor([1.0])
    mean, std = torch.tensor([[0.3]]), torch.tensor([[0.8]])
    dist = ClippedNormal(mean, std, low, high, 1.0, censored=True)
    normal = torch.distributions.Normal(0.3, 0.8)
    assert dist.log_prob(torch.tensor([[1.0]])).exp().item() == pytest.approx(
        1 - normal.cdf(torch.tensor(1.0)).item(), rel=1e-5
    )
    assert dist.log_prob(torch.tensor([[-1.0]])).exp().item() == pytest.approx(
        normal.cdf(torch.tensor(-1.0)).item(), rel=1e-5
    )
    inside = torch.linspace(-1, 1, 20001)[1:-1, None]
    density = dist.log_prob(inside).exp()
    mass = torch.trapezoid(density, inside[:, 0]).item()
    edges = dist.log_prob(torch.tensor([[-1.0], [1.0]])).exp().sum().item()
    assert mass + edges == pytest.approx(1.0, abs=1e-3)
    assert torch.allclose(
        dist.log_prob(torch.tensor([[0.5]])),
        ClippedNormal(mean, std, low, high, 1.0).log_prob(torch.tensor([[0.5]])),
    )
    # mean 3 above the top, sigma e^-5, the sample clipped to the edge
    old_mean, new_mean, tiny = (
        torch.tensor([[4.0]]),
        torch.tensor([[3.5]]),
        torch.tensor([[6.7e-3]]),
    )
    edge = torch.tensor([[1.0]])
    for censored, finite in ((False, False), (True, True)):
        old = ClippedNormal(old_mean, tiny, low, high, 1.0, censored).log_prob(edge)
        new = ClippedNormal(new_mean, tiny, low, high, 1.0, censored).log_prob(edge)
        assert bool(torch.isfinite((new - old).exp()).all()) is finite
    policy = GaussianPolicy(2, [0.0], [1.0], [8], squash="clip_censored")
    assert policy.distribution(torch.zeros(1, 2)).censored
    assert load_policy(save_policy(Path(tempfile.mkdtemp()) / "p.pt", policy))[0].squash == (
        "clip_censored"
    )


def test_tanh_policy_checkpoints_from_before_the_squash_option_still_load(tmp_path):
    policy = GaussianPolicy(3, LOW, HIGH, [8])
    path = save_policy(tmp_path / "old.pt", policy)
    payload = torch.load(path, weights_only=True)
    for key in ("squash", "box_penalty_coef"):  # what an older checkpoint lacks
        del payload["init_kwargs"][key]
    torch.save(payload, path)
    assert load_policy(path)[0].squash == "tanh"
