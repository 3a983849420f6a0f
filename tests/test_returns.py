import numpy as np
import pytest

from gail_lab.rl.returns import discounted_returns, normalize


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
