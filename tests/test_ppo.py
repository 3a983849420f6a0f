import functools

import numpy as np
import pytest
import torch

from gail_lab.rl.returns import gae


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
def test_ppo_expert_solves_cartpole():
    from gail_lab.envs import EnvFactory
    from gail_lab.experts.ppo import PPOExpert
    from gail_lab.rl.evaluation import evaluate_policy

    torch.manual_seed(0)
    expert = PPOExpert(
        functools.partial(torch.optim.Adam, lr=2.5e-4),
        total_steps=150_000,
        epochs=10,
        stop_at_return=500,
    )
    factory = EnvFactory("CartPole-v1", num_envs=8)
    policy, info = expert.fit(factory, seed=0, progress=False)
    vec = factory.make_vec()
    result = evaluate_policy(policy, vec, 10, seed=0)
    vec.close()
    assert result.mean >= 475, (result.returns, info)


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
