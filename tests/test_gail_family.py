"""The pieces of the GAIL family: discriminator regularizers and inputs, reward shaping, BC."""

import functools

import numpy as np
import pytest
import torch

from gail_lab.data import Demonstrations
from gail_lab.data.transitions import Transitions
from gail_lab.imitation.bc import BCLoss, behavior_cloning
from gail_lab.imitation.gail import GAIL
from gail_lab.imitation.reward_model import RewardModel
from gail_lab.rl.networks import CategoricalPolicy, GaussianPolicy
from tests.conftest import airl_discriminator, discriminator, run_cli


def make_disc(**kw):
    torch.manual_seed(0)
    kw.setdefault("optimizer", functools.partial(torch.optim.Adam, lr=1e-2))
    return discriminator(obs_dim=2, n_actions=3, discrete=True, **kw)


def batch(obs, actions):
    return {"obs": obs, "actions": actions, "next_obs": obs}


def separable_batch(n=64, seed=0):
    """(expert, agent) batches on the same states: the expert takes action 0, the agent 2."""
    obs = np.random.default_rng(seed).normal(size=(n, 2)).astype(np.float32)
    return batch(obs, np.zeros(n, int)), batch(obs, np.full(n, 2))


def test_gradient_penalty_is_zero_on_a_constant_discriminator():
    d = make_disc(grad_penalty=10.0)
    with torch.no_grad():
        for p in d.net[-1].parameters():
            p.zero_()  # last layer zero: D(x) = 1/2 for every x
    expert, agent = separable_batch()
    x_e, x_a = d.batch_logits(expert)[1], d.batch_logits(agent)[1]
    assert d.gradient_penalty(x_e, x_a).item() == 0.0
    assert make_disc(grad_penalty=10.0).gradient_penalty(x_e, x_a).item() > 0
    wgan = make_disc(grad_penalty=10.0, grad_penalty_target=1.0)
    with torch.no_grad():
        for p in wgan.net[-1].parameters():
            p.zero_()
    assert wgan.gradient_penalty(x_e, x_a).item() == pytest.approx(1.0)  # (0 - 1)^2


def test_gradient_penalty_keeps_the_discriminator_smooth():
    sharp, smooth = make_disc(), make_disc(grad_penalty=10.0)
    batch = separable_batch()
    for _ in range(200):
        sharp.update(*batch)
        m = smooth.update(*batch)
    assert m["disc/grad_penalty"] > 0
    x_e, x_a = sharp.batch_logits(batch[0])[1], sharp.batch_logits(batch[1])[1]
    assert sharp.gradient_penalty(x_e, x_a) > smooth.gradient_penalty(x_e, x_a)


def test_label_smoothing_keeps_d_off_the_rails():
    d = make_disc(label_smoothing=0.1)
    batch = separable_batch()
    for _ in range(300):
        m = d.update(*batch)
    assert 0.85 < m["disc/d_expert"] < 0.95 and 0.05 < m["disc/d_agent"] < 0.15


def test_updates_are_skipped_while_d_is_too_accurate():
    d = make_disc(skip_above_accuracy=0.9)
    batch = separable_batch()
    for _ in range(100):
        m = d.update(*batch)
    assert m["disc/skipped"] == 1.0 and m["disc/acc_expert"] == 1.0
    before = [p.clone() for p in d.net.parameters()]
    d.update(*batch)
    assert all(torch.equal(a, b) for a, b in zip(before, d.net.parameters(), strict=True))


def test_spectral_norm_bounds_every_layer():
    d = make_disc(spectral_norm=True)
    for _ in range(50):
        d.update(*separable_batch())
    d.eval()
    for layer in d.net:
        if isinstance(layer, torch.nn.Linear):
            assert torch.linalg.matrix_norm(layer.weight, ord=2) <= 1.0 + 1e-3


def test_entropy_bonus_and_observation_normalization_run():
    d = make_disc(entropy_coef=0.1, normalize_obs=True)
    obs = np.random.default_rng(0).normal(5.0, 3.0, size=(64, 2)).astype(np.float32)
    m = d.update(batch(obs, np.zeros(64, int)), batch(obs, np.full(64, 2)))
    assert np.isfinite(list(m.values())).all()
    np.testing.assert_allclose(d.obs_norm.mean.numpy(), obs.mean(0), rtol=1e-5)


@pytest.mark.parametrize(
    ("inputs", "width"), [("state", 2), ("state_next_state", 4), ("state_action", 5)]
)
def test_input_kinds(inputs, width):
    d = make_disc(inputs=inputs)
    obs = np.ones((3, 2), np.float32)
    assert d.inputs(obs, np.zeros(3, int), 2 * obs).shape == (3, width)
    if inputs == "state_next_state":
        with pytest.raises(ValueError, match="needs next observations"):
            d.inputs(obs, np.zeros(3, int))


def test_continuous_actions_are_concatenated():
    d = discriminator(2, 1, False, functools.partial(torch.optim.Adam, lr=1e-3))
    x = d.inputs(np.zeros((2, 2)), np.array([[0.5], [-1.0]]))
    np.testing.assert_allclose(x.numpy(), [[0, 0, 0.5], [0, 0, -1.0]])


def test_reward_clip_and_normalization():
    expert = separable_batch()[0]
    d = make_disc(reward_form="logit", reward_clip=0.01)
    assert np.abs(d.reward(expert)).max() <= 0.01
    for form in ("gail", "log_d"):
        scaled = make_disc(reward_form=form, reward_normalization="scale")
        raw = scaled.raw_reward(expert).numpy()
        r = scaled.reward(expert, update_stats=True)
        assert np.all(np.sign(r) == np.sign(raw))  # scaling keeps the survival incentive
        np.testing.assert_allclose(r, raw / raw.std(), rtol=1e-3)
    std = make_disc(reward_normalization="standardize")
    r = std.reward(expert, update_stats=True)
    assert abs(r.mean()) < 1e-4 and r.std() == pytest.approx(1.0, rel=1e-3)


class StubLearner:
    gamma = 0.99

    def update(self, roll, rewards):
        return {"losses/policy_loss": 0.0}


def gail_with(d, demos, gamma=0.99, terminal_outcome="info", **options):
    """GAIL's steps on their own (no env, no policy): D, demonstrations and the reward options."""
    opts = dict(
        d_steps=0, d_batch_size=2, env_reward_coef=0.0, reward_scale=1.0, disc_reward_coef=1.0
    )
    reward_model = RewardModel(
        d, demos, terminal_outcome, gamma, rng=np.random.default_rng(0), **{**opts, **options}
    )
    return GAIL(None, StubLearner(), reward_model, demos, None, 0, 1, 0.0, 64, 0, None)


def four_steps(obs):
    """One 4-step episode with env rewards 1, 0, -1, 3 (observations = next observations)."""
    rewards = np.array([1, 0, -1, 3], np.float32)
    return Transitions(
        obs, np.zeros(4, int), rewards, obs, np.zeros(4, bool), np.zeros(4, bool), np.array([0])
    )


def test_env_reward_is_mixed_in():
    d = make_disc()
    obs = np.zeros((4, 2), np.float32)
    roll = four_steps(obs)
    demos = roll
    r0, m = gail_with(d, demos).rewards_of(roll)
    r30, _ = gail_with(d, demos, env_reward_coef=30.0).rewards_of(roll)
    np.testing.assert_allclose(r30 - r0, 30 * roll.rewards, rtol=1e-6)
    assert {"disc/reward_mean", "disc/reward_std", "disc/reward_min", "disc/reward_max"} <= set(m)


@pytest.mark.parametrize("continuous", [False, True])
def test_bc_loss_decreases_on_a_fixed_batch(continuous):
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    obs = rng.normal(size=(256, 3)).astype(np.float32)
    if continuous:
        policy = GaussianPolicy(3, [-1.0], [1.0], [32])
        actions = np.tanh(obs[:, :1]).astype(np.float32) * 0.9
    else:
        policy = CategoricalPolicy(3, 2, [32])
        actions = (obs[:, 0] > 0).astype(np.int64)
    demos = Transitions(
        obs,
        actions,
        np.zeros(256, np.float32),
        obs,
        np.zeros(256, bool),
        np.zeros(256, bool),
        np.array([0]),
    )
    loss_fn = BCLoss(policy, demos, 256, np.random.default_rng(0))
    before = loss_fn().item()
    opt = torch.optim.Adam(policy.parameters(), lr=1e-2)
    after = behavior_cloning(policy, demos, opt, 200, 256, np.random.default_rng(1))
    assert after < before - 0.3, (before, after)


def test_bc_runs_end_to_end_and_beats_random(tmp_path):
    out = run_cli(
        tmp_path,
        "algo=bc",
        "expert=scripted_cartpole",
        "logger=none",
        "progress=false",
        "data.num_episodes=10",
        "optimizer.lr=1e-3",
        "algo.loop.budget.gradient_steps=1000",
        "eval.episodes=5",
        "env.num_envs=4",
    )
    assert out.returncode == 0, out.stderr[-3000:]
    import json

    report = json.loads((tmp_path / "run" / "evaluate" / "eval.json").read_text())
    assert report["deterministic"]["mean"] > 5 * report["random_return_mean"], report


def test_bc_holds_out_whole_episodes_keeps_its_best_validation_policy_and_stops(tmp_path):
    """algo.algorithm.validation_episodes=k: the last k episodes are held out, their loss is
    logged, the policy with the lowest one is returned, and patience stops the run; an
    impossible split is one line."""
    import json

    from gail_lab.imitation.bc import split_episodes
    from tests.conftest import read_jsonl

    n = 7  # episodes of 2, 3 and 2 steps
    obs = np.arange(n * 2, dtype=np.float32).reshape(n, 2)
    demos = Demonstrations(
        obs, np.zeros(n, np.int64), np.ones(n, np.float32), obs + 1, np.zeros(n, bool),
        np.array([0, 1, 0, 0, 1, 0, 1], bool), np.array([0, 2, 5]),
    )  # fmt: skip
    train, val = split_episodes(demos, 1)
    assert (train.num_episodes, val.num_episodes) == (2, 1)
    assert len(train) + len(val) == len(demos)
    np.testing.assert_array_equal(val.observations, demos.observations[-len(val) :])

    args = [
        "algo=bc",
        "expert=scripted_cartpole",
        "logger=none",
        "progress=false",
        "data.num_episodes=6",
        "data.num_transitions=null",
        "optimizer.lr=1e-2",
        "algo.loop.budget.gradient_steps=20000",
        "algo.algorithm.validation_episodes=2",
        "algo.algorithm.validate_every=50",
        "algo.algorithm.patience=3",
        "eval.episodes=3",
        "env.num_envs=2",
    ]
    out = run_cli(tmp_path, *args)
    assert out.returncode == 0, out.stderr[-3000:]
    rows = read_jsonl(tmp_path / "run" / "imitate" / "metrics.jsonl")
    vals = [(r["global_step"], r["losses/bc_val_loss"]) for r in rows if "losses/bc_val_loss" in r]
    best_step, best = min(vals, key=lambda v: v[1])
    assert vals[-1][0] < 20000  # stopped by patience, 3 validations after its lowest
    assert vals[-1][0] == best_step + 3 * 50
    assert rows[-1]["losses/bc_val_best_step"] == best_step
    assert "validation loss lowest at step" in out.stdout + out.stderr
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["normalized_score"] > 0.5

    bad = run_cli(tmp_path, *args[:-3], "algo.algorithm.validation_episodes=6", run_dir="bad")
    assert bad.returncode != 0
    assert "validation_episodes=6: the dataset holds 6 episodes" in bad.stdout + bad.stderr


def test_airl_logit_is_shaped_reward_minus_log_pi():

    torch.manual_seed(0)
    d = airl_discriminator(2, 3, True, functools.partial(torch.optim.Adam, lr=1e-3), gamma=0.9)
    policy = CategoricalPolicy(2, 3, [8])
    d.attach_policy(policy)
    obs = np.random.default_rng(0).normal(size=(5, 2)).astype(np.float32)
    nxt = obs + 1
    act = np.array([0, 1, 2, 1, 0])
    done = np.array([0, 0, 1, 0, 1], bool)
    logits, _ = d.batch_logits({"obs": obs, "actions": act, "next_obs": nxt, "terminated": done})
    with torch.no_grad():
        g = d.net(torch.as_tensor(obs)).squeeze(-1)
        h, h_next = d.potential(obs), d.potential(nxt)
        log_pi = policy.distribution(torch.as_tensor(obs)).log_prob(torch.as_tensor(act))
    expected = g + 0.9 * torch.as_tensor(~done, dtype=torch.float32) * h_next - h - log_pi
    torch.testing.assert_close(logits.detach(), expected)
    np.testing.assert_allclose(d.learned_reward(obs), g.numpy(), rtol=1e-6)


def test_airl_obs_dims_apply_to_g_and_h():
    """obs_dims narrows what both of AIRL's networks see (g(s) and the potential h(s))."""

    torch.manual_seed(0)
    adam = functools.partial(torch.optim.Adam, lr=1e-3)
    d = airl_discriminator(3, 2, True, adam, gamma=0.9, obs_dims=[1])
    d.attach_policy(CategoricalPolicy(3, 2, [8]))
    obs = np.array([[0.0, 1.0, 2.0], [5.0, 1.0, -3.0]], np.float32)
    with torch.no_grad():
        h = d.potential(obs)
    torch.testing.assert_close(h[0], h[1])  # the dims it does not see differ, nothing else
    np.testing.assert_allclose(*d.learned_reward(obs))


def test_airl_with_absorbing_states_prices_the_ending_through_h():
    """A terminal step's f uses h of its ending's absorbing state, the absorbing state's own
    transition is g(abs) + gamma h(abs) - h(abs) with no log pi, and its observation is ignored."""
    from gail_lab.imitation.absorbing import SUCCESS, with_absorbing

    torch.manual_seed(0)
    adam = functools.partial(torch.optim.Adam, lr=1e-3)
    d = airl_discriminator(2, 3, True, adam, gamma=0.9, absorbing=True)
    policy = CategoricalPolicy(2, 3, [8])
    d.attach_policy(policy)
    rng = np.random.default_rng(0)
    obs = rng.normal(size=(4, 2)).astype(np.float32)
    t = Transitions(
        observations=obs,
        actions=np.array([0, 1, 2, 1]),
        rewards=np.zeros(4, np.float32),
        next_observations=obs + 1,
        terminated=np.array([0, 1, 0, 0], bool),  # episode 1 reaches the goal, episode 2 is cut
        truncated=np.array([0, 0, 0, 1], bool),
        episode_starts=np.array([0, 2]),
    )
    batch = with_absorbing(t, "success")
    assert list(batch["codes"]) == [0, 0, 0, 0, SUCCESS]
    assert list(batch["next_codes"]) == [0, SUCCESS, 0, 0, SUCCESS]
    logits, _ = d.batch_logits(batch)
    zero = np.zeros((1, 2), np.float32)
    with torch.no_grad():
        g = d.net(d.inputs(obs, codes=np.zeros(4, int))).squeeze(-1)
        h = d.potential(obs, np.zeros(4, int))
        h_next = d.potential(obs + 1, np.zeros(4, int))
        g_abs = d.net(d.inputs(zero, codes=[SUCCESS])).squeeze(-1)
        h_abs = d.potential(zero, [SUCCESS])
        log_pi = policy.distribution(torch.as_tensor(obs)).log_prob(torch.as_tensor(t.actions))
    expected = g - h - log_pi + 0.9 * torch.stack([h_next[0], h_abs[0], h_next[2], h_next[3]])
    torch.testing.assert_close(logits[:4].detach(), expected)
    torch.testing.assert_close(logits[4:].detach(), g_abs + 0.9 * h_abs - h_abs)
    # an absorbing state is its code only: whatever observation it is given
    moved = dict(batch, obs=batch["obs"] + 5.0, next_obs=batch["next_obs"] + 5.0)
    moved["obs"][:4], moved["next_obs"][:4] = batch["obs"][:4], batch["next_obs"][:4]
    torch.testing.assert_close(d.batch_logits(moved)[0][4:].detach(), logits[4:].detach())
    r_abs = d.absorbing_rewards()[SUCCESS]
    np.testing.assert_allclose(r_abs, d.reward({k: v[4:] for k, v in batch.items()})[0], rtol=1e-5)


@pytest.mark.parametrize(
    "overrides",
    [
        ["algo=airl"],
        ["algo=airl", "discriminator.absorbing=true", "env.terminal_outcome=failure"],
        ["algo=gail_offline", "algo.loop.budget.iterations=20", "algo.loop.eval_every=10"],
        [
            "algo=gail_ppo",
            "algo.algorithm.bc_coef=0.5",
            "algo.algorithm.bc_warm_start=50",
            "discriminator.grad_penalty=1",
            "discriminator.normalize_obs=true",
            "discriminator.reward_normalization=scale",
            "algo.reward.env_reward_coef=0.1",
        ],
    ],
    ids=["airl", "airl_absorbing", "gail_offline", "gail_ppo_with_options"],
)
def test_gail_family_runs_end_to_end_on_cartpole(tmp_path, overrides):
    from tests.conftest import TINY

    base = (
        TINY
        if "algo=gail_offline" not in overrides
        else [o for o in TINY if not o.startswith("algo.algorithm.")]
    )
    out = run_cli(tmp_path, *base, "expert=scripted_cartpole", *overrides)
    assert out.returncode == 0, out.stderr[-3000:]
    assert (tmp_path / "run" / "imitate" / "policy.pt").is_file()
    # the trained reward is saved beside the policy and loads by itself
    reward_model = RewardModel.load(tmp_path / "run" / "imitate" / "reward_model.pt")
    assert reward_model.discriminator.obs_dim == 4


def test_gail_ppo_drives_continuous_actions(tmp_path):
    """Pendulum: SAC expert (tiny), demos, GAIL with the tanh-Gaussian PPO policy."""
    out = run_cli(
        tmp_path,
        "env=pendulum",
        "algo=gail_ppo",
        "logger=none",
        "progress=false",
        "expert.loop.budget.env_steps=300",
        "expert.policy.hidden_sizes=[32,32]",
        "expert.loop.eval_every=150",
        "expert.loop.eval_episodes=2",
        "data.num_transitions=1000",
        "algo.loop.budget.iterations=2",
        "algo.algorithm.samples_per_iteration=400",
        "algo.loop.eval_episodes=2",
        "eval.episodes=2",
        "env.num_envs=2",
    )
    assert out.returncode == 0, out.stderr[-3000:]
    assert "imitation_return_mean" in (tmp_path / "run" / "summary.json").read_text()


def test_no_discriminator_ablation_pays_the_env_reward_only_and_leaves_d_alone():
    d = make_disc()
    before = {k: v.clone() for k, v in d.state_dict().items()}
    obs = np.random.default_rng(0).normal(size=(4, 2)).astype(np.float32)
    roll = four_steps(obs)
    gail = gail_with(
        d, roll, d_steps=4, env_reward_coef=30.0, reward_scale=0.01, disc_reward_coef=0
    )
    r, metrics = gail.rewards_of(roll)
    np.testing.assert_allclose(r, 0.3 * roll.rewards, rtol=1e-6)
    assert metrics == {}  # D is not asked
    assert gail.update(roll) == {"losses/policy_loss": 0.0}  # and not trained: the policy step only
    for k, v in d.state_dict().items():
        assert torch.equal(v, before[k]), k


def test_a_run_with_no_reward_and_no_bc_at_all_is_refused_at_compose_time(compose_cfg):
    from gail_lab.config import ConfigValueError, validate_config

    with pytest.raises(ConfigValueError, match="disc_reward_coef"):
        validate_config(compose_cfg("algo=gail_ppo", "algo.reward.disc_reward_coef=0"))
    # the ablation itself is fine
    validate_config(
        compose_cfg(
            "algo=gail_ppo", "algo.reward.disc_reward_coef=0", "algo.reward.env_reward_coef=1"
        )
    )


def test_airl_gradient_penalty_covers_g_and_h():
    """The penalty is on the whole f = g + gamma h(s') - h(s): it must push on h's weights too
    (it covered g only), and it equals ||grad f|| computed by hand at the same interpolates."""

    torch.manual_seed(0)
    adam = functools.partial(torch.optim.Adam, lr=1e-3)
    d = airl_discriminator(2, 3, True, adam, gamma=0.9, grad_penalty=10.0)
    d.attach_policy(CategoricalPolicy(2, 3, [8]))
    rng = np.random.default_rng(0)

    def batch(shift):
        obs = (rng.normal(size=(16, 2)) + shift).astype(np.float32)
        return {
            "obs": obs,
            "actions": rng.integers(0, 3, 16),
            "next_obs": obs + 0.5,
            "terminated": np.zeros(16, bool),
        }

    e, a = batch(1.0), batch(-1.0)
    _, pe = d.batch_logits(e)
    _, pa = d.batch_logits(a)
    torch.manual_seed(1)
    gp = d.gradient_penalty(tuple(p.detach() for p in pe), tuple(p.detach() for p in pa))
    gp.backward()
    weights = [p for n, p in d.h_net.named_parameters() if n.endswith("weight")]
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in weights)
    torch.manual_seed(1)
    eps = torch.rand(16, 1)
    mix = [
        (eps * torch.as_tensor(e[k]) + (1 - eps) * torch.as_tensor(a[k])).requires_grad_()
        for k in ("obs", "obs", "next_obs")  # g's input, h(s)'s and h(s')'s
    ]
    f = d.net(mix[0]).squeeze(-1) + 0.9 * d.h_net(mix[2]).squeeze(-1) - d.h_net(mix[1]).squeeze(-1)
    grads = torch.autograd.grad(f.sum(), mix)
    expected = torch.cat(grads, -1).norm(dim=-1).pow(2).mean()
    assert gp.item() == pytest.approx(expected.item(), rel=1e-5)


def test_airl_refuses_inputs_and_a_discount_other_than_the_learners(compose_cfg):
    from gail_lab.config import ConfigValueError, validate_config

    with pytest.raises(ValueError, match="inputs='state_next_state' does not apply"):
        airl_discriminator(2, 3, True, torch.optim.Adam, inputs="state_next_state")
    cfg = compose_cfg("algo=airl", "algo.learner.gamma=0.95")
    assert cfg.discriminator.gamma == 0.95  # h discounts with the learner's gamma
    validate_config(cfg)
    with pytest.raises(
        ConfigValueError, match="discriminator.gamma: must equal algo.learner.gamma"
    ):
        validate_config(compose_cfg("algo=airl", "discriminator.gamma=0.9"))
    with pytest.raises(ConfigValueError, match="discriminator.inputs: must be left unset for AIRL"):
        validate_config(compose_cfg("algo=airl", "discriminator.inputs=state"))
    # the reward form follows the env preset, like GAIL's
    assert compose_cfg("algo=airl", "env=acrobot").discriminator.reward_form == "log_d"
    assert compose_cfg("algo=airl", "env=cartpole").discriminator.reward_form == "gail"


@pytest.mark.parametrize("kind", ["gail", "airl"])
def test_the_reward_model_is_usable_on_its_own(kind):
    """reward(obs, act, next_obs) outside any trainer: after D learned that the expert takes
    action 0 and the agent action 2, the expert's transitions are paid more (GAIL's D and AIRL's
    structured one alike)."""

    torch.manual_seed(0)
    adam = functools.partial(torch.optim.Adam, lr=1e-2)
    if kind == "gail":
        d = discriminator(2, 3, True, adam)
    else:
        d = airl_discriminator(2, 3, True, adam, state_only=False, reward_form="logit")
        d.attach_policy(CategoricalPolicy(2, 3, [8]))
    expert, agent = separable_batch()
    for b in (expert, agent):
        b["terminated"] = np.zeros(len(b["obs"]), bool)
    for _ in range(200):
        d.update(expert, agent)
    reward_model = RewardModel(d, None, "failure", 0.99, 0, 2, 1.0, 0.0, 1.0, rng=None)
    r_e = reward_model(expert["obs"], expert["actions"], expert["next_obs"])
    r_a = reward_model(agent["obs"], agent["actions"], agent["next_obs"])
    assert r_e.shape == (64,) and r_e.mean() > r_a.mean() + 1.0
