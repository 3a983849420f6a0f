import numpy as np
import pytest

from gail_lab.rl.returns import (
    RewardScaler,
    discounted_returns,
    forward_discounted_sums,
    normalize,
)


def test_discounted_returns_by_hand():
    # two episodes: [1, 1, 1] and [2, 0]
    r = np.array([1.0, 1.0, 1.0, 2.0, 0.0])
    g = discounted_returns(r, np.array([0, 3]), gamma=0.5)
    np.testing.assert_allclose(g, [1 + 0.5 + 0.25, 1 + 0.5, 1.0, 2.0, 0.0])


def test_discounted_returns_do_not_leak_across_episodes():
    r = np.array([0.0, 10.0])
    g = discounted_returns(r, np.array([0, 1]), gamma=0.99)
    assert g[0] == 0.0 and g[1] == 10.0


def test_gamma_one_is_reward_to_go():
    r = np.arange(4, dtype=float)
    np.testing.assert_allclose(discounted_returns(r, np.array([0]), 1.0), [6, 6, 5, 3])


def test_normalize_zero_mean_unit_std():
    x = normalize(np.array([1.0, 2.0, 3.0, 10.0]))
    assert x.mean() == pytest.approx(0.0, abs=1e-9)
    assert x.std() == pytest.approx(1.0, abs=1e-6)


def test_normalize_constant_is_zero():
    np.testing.assert_allclose(normalize(np.full(5, 3.0)), 0.0)


def test_forward_discounted_sums_by_hand():
    # two segments: [1, 1, 1] and [2, 0]
    r = np.array([1.0, 1.0, 1.0, 2.0, 0.0])
    sums = forward_discounted_sums(r, np.array([0, 3]), gamma=0.5)
    np.testing.assert_allclose(sums, [1.0, 1.5, 1.75, 2.0, 1.0])


def test_reward_scaler_divides_by_the_running_spread_of_the_sums_and_clips():
    r = np.array([1.0, 1.0, 1.0, 2.0, 0.0])
    scaler = RewardScaler(gamma=0.5, clip=10.0)
    scaled = scaler(r, np.array([0, 3]))
    sums = np.array([1.0, 1.5, 1.75, 2.0, 1.0])
    # gymnasium's RunningMeanStd starts at mean 0, var 1, count 1e-4 and merges the batch
    n, eps = len(sums), 1e-4
    delta = sums.mean()
    var = (1.0 * eps + sums.var() * n + delta**2 * eps * n / (eps + n)) / (eps + n)
    np.testing.assert_allclose(scaled, r / np.sqrt(var + 1e-8), rtol=1e-6)
    assert scaled.dtype == np.float32
    huge = RewardScaler(gamma=0.9, clip=2.0)(np.array([1e6, -1e6, 0.0]), np.array([0, 1, 2]))
    assert huge.max() <= 2.0 and huge.min() >= -2.0


def test_reward_scaler_state_round_trip():
    rng = np.random.default_rng(0)
    a, b = RewardScaler(0.99), RewardScaler(0.99)
    a(rng.normal(size=64) * 50, np.array([0, 20]))
    b.load_state_dict(a.state_dict())
    r = rng.normal(size=16) * 50
    np.testing.assert_array_equal(a(r, np.array([0])), b(r, np.array([0])))
