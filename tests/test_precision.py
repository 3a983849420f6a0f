"""precision=bf16 (rl/precision.py): the hidden layers run under bfloat16 autocast, their
outputs and everything computed from them stay float32, weights and state dicts are unchanged."""

import copy

import numpy as np
import pytest
import torch
from gymnasium import spaces

from gail_lab.rl.networks import sac_policy
from gail_lab.rl.precision import apply_precision, to_bf16
from gail_lab.rl.sac import SAC


def make_sac():
    torch.manual_seed(0)
    policy = sac_policy(3, spaces.Box(-1.0, 1.0, (2,)), [32, 32])
    return SAC(policy, torch.optim.Adam, 0.99, 0.005, [32, 32], None, 1.0, None)


def test_bf16_runs_the_products_in_bf16_and_returns_float32():
    sac = make_sac()
    obs = torch.randn(8, 3)
    before = sac.actor.trunk(obs)
    keys = list(sac.actor.state_dict())
    apply_precision("bf16", policy=sac.actor, learner=sac)
    after = sac.actor.trunk(obs)
    assert after.dtype == torch.float32 and not torch.equal(before, after)
    torch.testing.assert_close(after, before, atol=0.05, rtol=0.05)  # bf16 rounding only
    assert type(sac.actor.trunk).__name__ == "Bf16Sequential"
    assert all(type(q.net).__name__ == "Bf16Sequential" for q in sac.critic_targets)
    assert list(sac.actor.state_dict()) == keys  # checkpoints and policy files unchanged
    assert all(p.dtype == torch.float32 for p in sac.actor.parameters())
    twin = copy.deepcopy(sac.actor)
    assert torch.equal(twin.trunk(obs), after)  # a copy keeps the precision
    with torch.no_grad():
        dist = sac.actor.distribution(obs)
    assert dist.sample().dtype == torch.float32
    assert to_bf16(sac.actor.trunk) is sac.actor.trunk  # converting twice is a no-op


def test_bf16_updates_are_deterministic_and_learn():
    def run():
        sac = make_sac()
        apply_precision("bf16", policy=sac.actor, learner=sac)
        g = torch.Generator().manual_seed(1)
        batch = {
            "obs": torch.randn(64, 3, generator=g),
            "actions": torch.rand(64, 2, generator=g) * 2 - 1,
            "next_obs": torch.randn(64, 3, generator=g),
            "rewards": torch.randn(64, generator=g),
            "terminated": torch.zeros(64),
        }
        torch.manual_seed(2)
        stats = [sac.update(batch) for _ in range(5)]
        return stats, [p.clone() for p in sac.actor.parameters()]

    (s1, p1), (s2, p2) = run(), run()
    assert s1 == s2 and all(torch.equal(a, b) for a, b in zip(p1, p2, strict=True))
    assert all(np.isfinite(v) for row in s1 for v in row.values())
    assert s1[-1]["losses/qf_loss"] != s1[0]["losses/qf_loss"]


def test_unknown_precision_is_refused():
    with pytest.raises(ValueError, match="precision must be one of"):
        apply_precision("fp8", policy=None)
