"""Absorbing states: one per ending (success, failure), none for time-limit truncations."""

import functools

import numpy as np
import pytest
import torch

from gail_lab.data.transitions import Transitions
from gail_lab.imitation.absorbing import (
    FAILURE,
    NOT_ENDED,
    SUCCESS,
    MissingOutcomesError,
    absorbing_tail,
    episode_outcomes,
    next_codes,
    with_absorbing,
)
from tests.conftest import TINY, discriminator, run_cli
from tests.test_gail_family import gail_with


def three_episodes(successes=(True, False, False)) -> Transitions:
    """Episode 0 (2 steps) reaches the goal, episode 1 (3 steps) crashes, episode 2 (2 steps)
    hits the time limit."""
    n = 7
    obs = np.arange(n * 2, dtype=np.float32).reshape(n, 2) + 1
    terminated = np.array([0, 1, 0, 0, 1, 0, 0], bool)
    truncated = np.array([0, 0, 0, 0, 0, 0, 1], bool)
    return Transitions(
        obs,
        np.ones(n, np.int64),
        np.zeros(n, np.float32),
        obs + 1,
        terminated,
        truncated,
        np.array([0, 2, 5]),
        None if successes is None else np.array(successes),
    )


def test_each_ending_is_told_apart():
    t = three_episodes()
    np.testing.assert_array_equal(episode_outcomes(t, "info"), [SUCCESS, FAILURE, NOT_ENDED])
    np.testing.assert_array_equal(episode_outcomes(t, "failure"), [FAILURE, FAILURE, NOT_ENDED])
    np.testing.assert_array_equal(episode_outcomes(t, "success"), [SUCCESS, SUCCESS, NOT_ENDED])
    with pytest.raises(MissingOutcomesError, match="terminal_outcome"):
        episode_outcomes(three_episodes(successes=None), "info")


def test_absorbing_entries_follow_the_transitions():
    pool = with_absorbing(three_episodes(), "info")
    assert (
        len(pool["obs"]) == 7 + 2
    )  # one absorbing entry per terminated episode, none for truncation
    np.testing.assert_array_equal(pool["codes"], [0] * 7 + [SUCCESS, FAILURE])
    assert not pool["obs"][7:].any() and not pool["actions"][7:].any()


def test_terminal_steps_earn_the_discounted_absorbing_reward():
    codes = next_codes(three_episodes(), "info")
    bonus = absorbing_tail(codes, {SUCCESS: 2.0, FAILURE: -1.0}, gamma=0.9)
    # gamma / (1 - gamma) = 9: success ends at step 1, failure at step 4; the truncated episode
    # (steps 5-6) gets nothing: the learner bootstraps through a time limit
    np.testing.assert_allclose(bonus, [0, 18, 0, 0, -9, 0, 0])


def test_discriminator_sees_only_the_code_of_an_absorbing_state():
    d = discriminator(2, 2, True, functools.partial(torch.optim.Adam, lr=1e-3), absorbing=True)
    x = d.inputs(np.ones((3, 2)), np.array([1, 0, 1]), codes=np.array([0, SUCCESS, FAILURE]))
    np.testing.assert_allclose(
        x.numpy(), [[1, 1, 0, 1, 0, 0], [0, 0, 0, 0, 1, 0], [0, 0, 0, 0, 0, 1]]
    )

    far = discriminator(
        2, 2, True, functools.partial(torch.optim.Adam, lr=1e-3), absorbing=True, absorbing_scale=5
    )
    x = far.inputs(np.ones((2, 2)), np.array([1, 0]), codes=np.array([0, FAILURE]))
    np.testing.assert_allclose(x.numpy(), [[1, 1, 0, 1, 0, 0], [0, 0, 0, 0, 0, 5]])


def test_a_unit_gradient_penalty_bounds_how_far_apart_the_endings_are_judged():
    """Trained to separate the two absorbing states as hard as it can under a penalty toward
    unit gradient norm (WGAN-GP's, DAC's), D's logits for success and failure end up at most
    ~sqrt(2) x scale apart: the scale is what lets the endings' rewards differ."""
    gaps = {}
    for scale in (1.0, 10.0):
        torch.manual_seed(0)
        d = discriminator(
            2, 2, False, functools.partial(torch.optim.Adam, lr=1e-2), hidden_sizes=[32, 32],
            reward_form="logit", grad_penalty=10.0, grad_penalty_target=1.0, absorbing=True,
            absorbing_scale=scale,
        )  # fmt: skip
        zeros = {"obs": np.zeros((64, 2), np.float32), "actions": np.zeros((64, 2), np.float32)}
        expert = {**zeros, "codes": np.full(64, SUCCESS)}
        agent = {**zeros, "codes": np.full(64, FAILURE)}
        for _ in range(300):
            d.update(expert, agent)
        r = d.absorbing_rewards()
        gaps[scale] = r[SUCCESS] - r[FAILURE]
    assert 0.5 < gaps[1.0] < 1.6 and gaps[10.0] > 5 * gaps[1.0], gaps


def test_gail_reward_adds_the_tails_at_terminations():
    torch.manual_seed(0)
    d = discriminator(2, 2, True, functools.partial(torch.optim.Adam, lr=1e-3), absorbing=True)
    roll = three_episodes()
    plain = discriminator(2, 2, True, functools.partial(torch.optim.Adam, lr=1e-3))
    plain.net.load_state_dict(
        {k: v[:, :4] if k == "0.weight" else v for k, v in d.net.state_dict().items()}
    )
    rewards, metrics = gail_with(d, roll, gamma=0.9).rewards_of(roll)
    base = plain.reward({"obs": roll.observations, "actions": roll.actions})
    r_abs = d.absorbing_rewards()
    expected = base + absorbing_tail(next_codes(roll, "info"), r_abs, 0.9)
    np.testing.assert_allclose(rewards, expected, rtol=1e-5)
    assert metrics["disc/reward_absorbing_success"] == pytest.approx(r_abs[SUCCESS])


def test_terminal_absorbing_states_show_where_each_episode_ended():
    """absorbing_obs=terminal: one absorbing state for every ending (terminal_outcome=failure),
    each showing D the observation its episode ended in (zero action), so D can tell a goal from
    a crash by the state, and each terminal step's tail is its own absorbing state's reward."""
    t = three_episodes()
    pool = with_absorbing(t, "failure", terminal_obs=True)
    np.testing.assert_array_equal(pool["codes"][7:], [FAILURE, FAILURE])
    np.testing.assert_array_equal(pool["obs"][7:], t.next_observations[[1, 4]])
    np.testing.assert_array_equal(pool["next_obs"][7:], t.next_observations[[1, 4]])
    assert not pool["actions"][7:].any()

    torch.manual_seed(0)
    opt = functools.partial(torch.optim.Adam, lr=1e-3)
    d = discriminator(2, 2, True, opt, absorbing=True, absorbing_obs="terminal")
    x = d.inputs(np.ones((2, 2)), np.array([1, 0]), codes=np.array([0, FAILURE]))
    # the absorbing row keeps its observation, not its action (no action is taken there)
    np.testing.assert_allclose(x.numpy(), [[1, 1, 0, 1, 0, 0], [1, 1, 0, 0, 0, 1]])
    r_abs = d.absorbing_rewards_at(t.next_observations[[1, 4]], np.array([FAILURE, FAILURE]))
    assert r_abs[0] != pytest.approx(r_abs[1])  # the two endings' states, judged apart
    rewards, metrics = gail_with(d, t, gamma=0.9, terminal_outcome="failure").rewards_of(t)
    base = d.reward({"obs": t.observations, "actions": t.actions})
    tail = np.zeros(7)
    tail[[1, 4]] = 9 * r_abs
    np.testing.assert_allclose(rewards, base + tail, rtol=1e-5)
    assert metrics["disc/reward_absorbing_mean"] == pytest.approx(r_abs.mean())
    with pytest.raises(ValueError, match="absorbing_obs must be one of"):
        discriminator(2, 2, True, opt, absorbing=True, absorbing_obs="last")


def test_absorbing_gail_runs_end_to_end(tmp_path):
    out = run_cli(
        tmp_path,
        *TINY,
        "expert=scripted_cartpole",
        "algo=gail_ppo",
        "discriminator.absorbing=true",
        "env.terminal_outcome=failure",
    )
    assert out.returncode == 0, out.stderr[-3000:]
