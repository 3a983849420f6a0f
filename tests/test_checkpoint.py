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
