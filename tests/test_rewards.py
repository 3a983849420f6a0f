import math

import pytest
import torch

from gail_lab.imitation.rewards import gail_reward


@pytest.mark.parametrize("logit", [-5.0, -1.0, 0.0, 1.0, 5.0])
def test_forms_match_their_definitions(logit):
    d = 1 / (1 + math.exp(-logit))
    t = torch.tensor([logit], dtype=torch.float64)
    assert gail_reward(t, "gail").item() == pytest.approx(-math.log(1 - d))
    assert gail_reward(t, "log_d").item() == pytest.approx(math.log(d))
    assert gail_reward(t, "logit").item() == pytest.approx(math.log(d) - math.log(1 - d))


def test_signs():
    t = torch.linspace(-20, 20, 41)
    assert (gail_reward(t, "gail") > 0).all()  # pays for survival
    assert (gail_reward(t, "log_d") < 0).all()  # charges every step
    assert (gail_reward(t, "logit")[t > 0] > 0).all() and (gail_reward(t, "logit")[t < 0] < 0).all()


def test_more_expert_like_is_paid_more():
    t = torch.tensor([-3.0, 0.0, 3.0])
    for form in ("gail", "log_d", "logit"):
        r = gail_reward(t, form)
        assert r[0] < r[1] < r[2], form


def test_finite_when_discriminator_saturates():
    # D -> 1 (logit +inf side) and D -> 0: the study notes' -log(1 - D + 1e-8) guard is not needed
    t = torch.tensor([-1e4, -100.0, 100.0, 1e4])
    for form in ("gail", "log_d", "logit"):
        assert torch.isfinite(gail_reward(t, form)).all(), form


def test_unknown_form():
    with pytest.raises(ValueError, match="reward_form"):
        gail_reward(torch.zeros(1), "bogus")
