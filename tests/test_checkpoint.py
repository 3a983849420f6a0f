import pickle

import numpy as np
import pytest
import torch

from gail_lab.experts.scripted import CartPoleController
from gail_lab.rl.checkpoint import CheckpointError, load_policy, save_policy
from gail_lab.rl.networks import CategoricalPolicy


def test_round_trip(tmp_path):
    torch.manual_seed(0)
    policy = CategoricalPolicy(4, 2, [16, 16])
    path = save_policy(tmp_path / "p.pt", policy, {"algo": "x"})
    back, meta = load_policy(path)
    obs = np.random.default_rng(0).normal(size=(5, 4)).astype(np.float32)
    with torch.no_grad():
        torch.testing.assert_close(policy(torch.as_tensor(obs)), back(torch.as_tensor(obs)))
    assert meta == {"algo": "x"}


def test_scripted_expert_round_trip(tmp_path):
    back, _ = load_policy(save_policy(tmp_path / "e.pt", CartPoleController()))
    assert isinstance(back, CartPoleController)


class Evil:
    def __reduce__(self):
        return (print, ("pwned",))


def test_crafted_pickle_refused(tmp_path):
    path = tmp_path / "evil.pt"
    torch.save({"kind": "CategoricalPolicy", "x": Evil()}, path)
    with pytest.raises(CheckpointError, match="refused"):
        load_policy(path)
    path.write_bytes(pickle.dumps(Evil()))
    with pytest.raises(CheckpointError):
        load_policy(path)


def test_corrupt_and_missing(tmp_path):
    path = save_policy(tmp_path / "p.pt", CategoricalPolicy(4, 2, [8]))
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(CheckpointError, match="corrupt"):
        load_policy(path)
    with pytest.raises(CheckpointError, match="not found"):
        load_policy(tmp_path / "none.pt")


def test_obs_normalizer_statistics_and_checkpoint(tmp_path):
    from gail_lab.rl.networks import RunningObsNorm

    rng = np.random.default_rng(0)
    data = rng.normal(loc=[5.0, -2.0], scale=[3.0, 0.5], size=(3000, 2))
    norm = RunningObsNorm(2)
    for chunk in np.array_split(data, 7):  # batches of unequal size combine exactly
        norm.update(chunk)
    np.testing.assert_allclose(norm.mean.numpy(), data.mean(0), rtol=1e-9)
    np.testing.assert_allclose(norm.var.numpy(), data.var(0), rtol=1e-9)
    z = norm(torch.as_tensor(data, dtype=torch.float32))
    np.testing.assert_allclose(z.mean(0).numpy(), 0.0, atol=1e-4)

    policy = CategoricalPolicy(2, 3, [8], normalize_obs=True)
    policy.observe(data)
    back, _ = load_policy(save_policy(tmp_path / "p.pt", policy))
    np.testing.assert_allclose(back.obs_norm.mean.numpy(), data.mean(0), rtol=1e-9)
    x = torch.as_tensor(data[:5], dtype=torch.float32)
    with torch.no_grad():
        torch.testing.assert_close(policy(x), back(x))
