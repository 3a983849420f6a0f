import functools

import numpy as np
import pytest
import torch

from tests.conftest import discriminator


def batch(obs, actions):
    return {"obs": obs, "actions": actions, "next_obs": obs}


def make_disc(**kw):
    torch.manual_seed(0)
    return discriminator(
        obs_dim=2,
        n_actions=3,
        discrete=True,
        optimizer=functools.partial(torch.optim.Adam, lr=1e-2),
        **kw,
    )


def test_inputs_are_state_and_one_hot_action():
    d = make_disc()
    x = d.inputs(np.array([[0.5, -1.0], [2.0, 3.0]]), np.array([2, 0]))
    np.testing.assert_allclose(x.numpy(), [[0.5, -1.0, 0, 0, 1], [2.0, 3.0, 1, 0, 0]])


def test_expert_is_label_one():
    """Expert pairs always take action 0, agent pairs action 2: D learns D(expert) -> 1."""
    d = make_disc()
    rng = np.random.default_rng(0)
    obs = rng.normal(size=(64, 2)).astype(np.float32)
    for _ in range(100):
        m = d.update(batch(obs, np.zeros(64, int)), batch(obs, np.full(64, 2)))
    assert m["disc/acc_expert"] == 1.0 and m["disc/acc_agent"] == 1.0
    assert m["disc/loss"] < 0.1
    with torch.no_grad():
        assert torch.sigmoid(d.logits(obs, np.zeros(64, int))).min() > 0.9
    # the expert's action earns the higher reward under every form
    for form in ("gail", "log_d", "logit"):
        d.reward_form = form
        expert_r = d.reward(batch(obs, np.zeros(64, int)))
        assert (expert_r > d.reward(batch(obs, np.full(64, 2)))).all()


def test_accuracies_are_per_class():
    d = make_disc()
    obs = np.zeros((8, 2), np.float32)
    same = batch(obs, np.zeros(8, int))
    m = d.update(same, same)  # identical pairs: one class must be wrong
    assert m["disc/acc_expert"] + m["disc/acc_agent"] == 1.0


def test_obs_dims_choose_what_d_sees():
    """With obs_dims D's input holds only those observation dims (after normalization, next
    observations alike), so the others cannot change its judgement."""
    torch.manual_seed(0)
    d = discriminator(
        obs_dim=4,
        n_actions=1,
        discrete=False,
        optimizer=functools.partial(torch.optim.Adam, lr=1e-2),
        inputs="state_next_state",
        obs_dims=[2, 0],
    )
    obs = np.array([[1.0, 2.0, 3.0, 4.0]], np.float32)
    x = d.inputs(obs, None, obs + 10)
    np.testing.assert_allclose(x.numpy(), [[3.0, 1.0, 13.0, 11.0]])
    other = obs.copy()
    other[:, [1, 3]] = [-50.0, 7.0]
    assert torch.equal(d.logits(obs, None, obs), d.logits(other, None, other))


@pytest.mark.parametrize("dims", [[], [4], [0, 0], [-1]])
def test_obs_dims_out_of_range_are_refused(dims):
    with pytest.raises(
        ValueError, match=r"obs_dims must be distinct observation indices in \[0, 3\]"
    ):
        discriminator(
            obs_dim=4,
            n_actions=2,
            discrete=True,
            optimizer=functools.partial(torch.optim.Adam, lr=1e-2),
            obs_dims=dims,
        )
