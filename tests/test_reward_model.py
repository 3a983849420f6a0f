"""The reward model (imitation/reward_model.py): one place computes what GAIL and DAC pay; it
works on its own on a batch, and a trained one saves and loads by itself."""

import functools

import numpy as np
import pytest
import torch

from gail_lab.errors import GailLabError
from gail_lab.imitation.absorbing import SUCCESS, ending_code
from gail_lab.imitation.gail import GAIL
from gail_lab.imitation.reward_model import RewardModel
from tests.conftest import airl_discriminator, discriminator
from tests.test_dac import GAMMA, box_episodes, make_dac
from tests.test_gail_family import StubLearner

ADAM = functools.partial(torch.optim.Adam, lr=1e-3)


def test_gail_and_dac_pay_identical_rewards_from_one_reward_model():
    """The same reward model, D and transitions: GAIL's rollout path (episodes, ending codes
    derived from them) and DAC's replay path (codes stored per step) give the same rewards, bit
    for bit, absorbing tails and env-reward mix included."""
    dac = make_dac()
    rm = dac.reward_model
    rm.env_reward_coef, rm.reward_scale = 0.5, 0.25
    for _ in range(5):  # a trained D, not its initialization
        dac.buffer.add(np.ones(2, np.float32), np.zeros(1), 0.0, np.ones(2), 0.0, 0)
        rm.update(dac.agent_batch)
    roll = box_episodes()
    roll.rewards[:] = np.arange(len(roll), dtype=np.float32) - 3.0
    dac.buffer.size = dac.buffer.pos = 0
    for i in range(len(roll)):
        terminated = bool(roll.terminated[i])
        episode = np.searchsorted(roll.episode_starts, i, side="right") - 1
        info = {"is_success": bool(roll.episode_successes[episode])}
        code = ending_code(terminated, info, rm.terminal_outcome)
        dac.buffer.add(
            roll.observations[i],
            roll.actions[i],
            roll.rewards[i],
            roll.next_observations[i],
            float(terminated),
            code,
        )
    gail = GAIL(None, StubLearner(), rm, roll, None, 0, 1, 0.0, 64, 0, None)
    r_gail, m_gail = gail.rewards_of(roll)
    r_dac, m_dac = dac.rewards_of(dac.replay_arrays(np.arange(len(roll))))
    assert r_gail.dtype == r_dac.dtype == np.float32
    np.testing.assert_array_equal(r_gail, r_dac)
    assert m_gail == m_dac
    # the success ending (step 1) and the crash (step 4) were paid their absorbing tails
    no_tail = rm(
        roll.observations,
        roll.actions,
        roll.next_observations,
        roll.terminated,
        env_rewards=roll.rewards,
    )
    ended = np.flatnonzero(r_gail != no_tail)
    np.testing.assert_array_equal(ended, [1, 4])


def test_the_reward_model_alone_on_a_batch_matches_what_the_learner_is_paid():
    dac = make_dac()
    rm = dac.reward_model
    roll = box_episodes()
    r_paid, _ = GAIL(None, StubLearner(), rm, roll, None, 0, 1, 0.0, 64, 0, None).rewards_of(roll)
    batch = rm.batch_of(roll)
    r_alone = rm(
        roll.observations,
        roll.actions,
        roll.next_observations,
        roll.terminated,
        batch["next_codes"],
    )
    np.testing.assert_array_equal(r_alone, r_paid)


@pytest.mark.parametrize("kind", ["gail", "airl"])
def test_a_saved_reward_model_loads_by_itself_and_pays_the_same(tmp_path, kind):
    torch.manual_seed(0)
    if kind == "gail":
        d = discriminator(
            2, 1, False, ADAM, hidden_sizes=[16, 8], reward_form="logit", absorbing=True
        )
    else:
        d = airl_discriminator(2, 1, False, ADAM, hidden_sizes=[8], absorbing=True)
        d.attach_policy(make_dac().policy)
    rm = RewardModel(
        d, box_episodes(), "info", GAMMA, 2, 8, 1.0, 0.0, 2.0, np.random.default_rng(0)
    )
    roll = box_episodes()
    rm.update(rm.pool_sampler(roll))
    path = rm.save(tmp_path / "reward_model.pt")
    loaded = RewardModel.load(path)
    if kind == "airl":
        loaded.discriminator.attach_policy(d.policy)
    assert type(loaded.discriminator) is type(d) and loaded.settings() == rm.settings()
    codes = rm.batch_of(roll)["next_codes"]
    args = (roll.observations, roll.actions, roll.next_observations, roll.terminated, codes)
    np.testing.assert_array_equal(loaded(*args), rm(*args))
    assert (codes == SUCCESS).any()
    with pytest.raises(GailLabError, match="rewards only"):
        loaded.update(rm.pool_sampler(roll))


def test_a_file_that_is_not_a_reward_model_is_refused_in_one_line(tmp_path):
    bad = tmp_path / "x.pt"
    torch.save({"weights": torch.zeros(2)}, bad)
    with pytest.raises(GailLabError, match="not a gail_lab reward model"):
        RewardModel.load(bad)
    bad.write_bytes(b"not a torch file")
    with pytest.raises(GailLabError, match="not a readable reward model"):
        RewardModel.load(bad)


def test_a_reward_model_with_the_learners_shared_normalizer_saves_it_as_its_own(tmp_path):
    """DAC's D normalizes with the actor's running normalizer (env.normalize_obs): the saved
    reward carries those statistics and loads without the actor."""
    dac = make_dac(normalize=True)
    roll = box_episodes()
    dac.reward_model.discriminator.obs_norm.update(roll.observations * 3.0)
    loaded = RewardModel.load(dac.reward_model.save(tmp_path / "rm.pt"))
    args = (roll.observations, roll.actions, roll.next_observations)
    np.testing.assert_array_equal(loaded(*args), dac.reward_model(*args))
