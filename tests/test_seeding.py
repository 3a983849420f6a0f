"""One seed tree per run (gail_lab/seeding.py): named, independent streams from one seed, and
every random choice of an imitation run drawn from its run's tree."""

import numpy as np
import pytest

from gail_lab.errors import GailLabError
from gail_lab.experts.scripted import CartPoleController
from gail_lab.rl.collect import collect_demos
from gail_lab.seeding import STREAMS, SeedTree
from gail_lab.tasks.context import RunContext
from gail_lab.tasks.imitate import build_algorithm


def test_streams_are_fixed_per_seed_and_independent_of_each_other():
    a, b = SeedTree(7), SeedTree(7)
    for name in STREAMS:
        assert a.integers(name, 4) == b.integers(name, 4)
        assert a.generator(name).integers(1 << 30) == b.generator(name).integers(1 << 30)
    firsts = {a.integer(name) for name in STREAMS}
    assert len(firsts) == len(STREAMS)  # no two streams start alike
    assert SeedTree(8).integers("evaluation", 4) != a.integers("evaluation", 4)
    assert a.integers("evaluation", 3) == a.integers("evaluation", 10)[:3]  # a prefix


def test_bad_seeds_and_unknown_streams_are_refused():
    for bad in (-1, 2**32, 1.5, True, "3"):
        with pytest.raises(GailLabError, match="seed must be"):
            SeedTree(bad)
    with pytest.raises(KeyError, match="unknown seed stream 'evals'"):
        SeedTree(0).generator("evals")


@pytest.fixture
def imitation_parts(compose_cfg, tmp_path):
    """``parts(seed)`` -> the algorithm and reward model of an imitation run, built by the task's
    own call site from the composed config (env=cartpole algo=gail_ppo)."""
    demos = None

    def parts(seed: int):
        nonlocal demos
        cfg = compose_cfg("env=cartpole", "algo=gail_ppo", f"seed={seed}", "logger=none")
        ctx = RunContext.create(cfg, tmp_path / f"s{seed}")
        if demos is None:
            demos = collect_demos(
                CartPoleController(), ctx.factory, SeedTree(0), num_episodes=2, progress=False
            )
        return build_algorithm(ctx, demos)

    return parts


def test_ppo_minibatch_order_follows_the_run_seed(imitation_parts):
    """PPO's minibatch order comes from the run's ``minibatches`` stream: one seed, the same
    order; two seeds, two orders (it once shuffled with seed 0 in every imitation run)."""
    orders = {}
    for key, seed in (("a", 0), ("b", 0), ("c", 1)):
        algorithm, reward_model = imitation_parts(seed)
        orders[key] = algorithm.learner.rng.permutation(2048)
        orders[key + "_d"] = reward_model.rng.integers(0, 1000, 64)
    np.testing.assert_array_equal(orders["a"], orders["b"])
    assert not np.array_equal(orders["a"], orders["c"])
    np.testing.assert_array_equal(orders["a_d"], orders["b_d"])
    assert not np.array_equal(orders["a_d"], orders["c_d"])
    # the discriminator's batches and the minibatches are different streams
    expected = SeedTree(0).generator("minibatches").permutation(2048)
    np.testing.assert_array_equal(orders["a"], expected)
