import numpy as np

from gail_lab.envs import EnvFactory
from gail_lab.rl.evaluation import evaluate_policy
from gail_lab.rl.networks import RandomPolicy
from gail_lab.rl.rollout import EpisodeRunner
from gail_lab.seeding import SeedTree


def test_runner_returns_complete_episodes_until_min_steps():
    f = EnvFactory("CartPole-v1", num_envs=3)
    runner = EpisodeRunner(f.make_vec(), np.random.default_rng(0))
    policy = RandomPolicy(f.action_space, 0)
    roll = runner.run(policy.act, min_steps=200)
    assert len(roll) >= 200
    ends = np.append(roll.episode_starts[1:], len(roll)) - 1
    # every episode ends done, and nothing before its end is done
    done = roll.terminated | roll.truncated
    assert done[ends].all() and done.sum() == roll.num_episodes
    assert roll.episode_lengths.sum() == len(roll)
    np.testing.assert_allclose(roll.episode_returns, roll.episode_lengths)  # CartPole pays 1 a step


def test_runner_exact_episode_count_and_seeded_episodes():
    f = EnvFactory("CartPole-v1", num_envs=4)
    policy = RandomPolicy(f.action_space, 0)
    roll = EpisodeRunner(f.make_vec(), np.random.default_rng(0)).run(policy.act, num_episodes=6)
    assert roll.num_episodes == 6


class LeanPolicy:
    """Deterministic: push toward the side the pole leans to (episodes of varying length)."""

    def act(self, obs, deterministic=True):
        return (obs[:, 2] > 0).astype(np.int64)


def test_evaluation_episodes_do_not_depend_on_env_count():
    f = EnvFactory("CartPole-v1", num_envs=1)
    a = evaluate_policy(LeanPolicy(), f.make_vec(4), 6, SeedTree(3))
    b = evaluate_policy(LeanPolicy(), f.make_vec(1), 6, SeedTree(3))
    assert sorted(a.returns) == sorted(b.returns) and len(set(a.returns)) > 1
    c = evaluate_policy(LeanPolicy(), f.make_vec(4), 6, SeedTree(4))
    assert sorted(c.returns) != sorted(a.returns)


def test_seeded_episodes_come_back_in_seed_order():
    """Episode k is the one reset with seed k, whatever order the envs finished them in."""
    f = EnvFactory("CartPole-v1", num_envs=1)
    seeds = [11, 12, 13, 14, 15, 16]
    batched = EpisodeRunner(f.make_vec(3), np.random.default_rng(0)).run(
        LeanPolicy().act, episode_seeds=seeds
    )
    for k, s in enumerate(seeds):
        one = EpisodeRunner(f.make_vec(1), np.random.default_rng(0)).run(
            LeanPolicy().act, episode_seeds=[s]
        )
        a, b = batched.episode_starts[k], batched.episode_starts[k] + one.episode_lengths[0]
        assert batched.episode_lengths[k] == one.episode_lengths[0]
        np.testing.assert_array_equal(batched.observations[a:b], one.observations)


def test_outcomes_paths_and_path_distance():
    from gail_lab.data.transitions import Transitions
    from gail_lab.rl.evaluation import episode_outcomes, episode_paths, path_distance

    obs = np.arange(12, dtype=np.float32).reshape(6, 2)
    roll = Transitions(
        obs,
        np.zeros(6, int),
        np.zeros(6, np.float32),
        obs + 1,
        np.array([0, 1, 0, 0, 0, 1], bool),  # ep 0 terminated, ep 1 truncated, ep 2 terminated
        np.array([0, 0, 0, 1, 0, 0], bool),
        np.array([0, 2, 4]),
        episode_successes=np.array([True, False, False]),
    )
    assert episode_outcomes(roll) == ["success", "timeout", "failure"]
    paths = episode_paths(roll, [1], 2.0)
    np.testing.assert_array_equal(paths[0][:, 0], [2.0, 6.0, 8.0])  # obs 0, 1 and the last next
    line = np.stack([np.linspace(0, 10, 11), np.zeros(11)], 1)
    assert path_distance(line + [0, 0.5], line) == 0.5
    assert path_distance(line, line) == 0.0


def test_evaluation_reports_outcomes_and_fidelity_to_a_reference():
    f = EnvFactory("CartPole-v1", num_envs=1)
    ref = evaluate_policy(LeanPolicy(), f.make_vec(2), 4, SeedTree(0), position_dims=[0])
    same = evaluate_policy(LeanPolicy(), f.make_vec(3), 4, SeedTree(0), position_dims=[0])
    same.compare_paths(ref)
    assert (
        same.path_distances == [0.0] * 4
    )  # the same policy on the same seeds drives the same path
    rnd = evaluate_policy(
        RandomPolicy(f.action_space, 0), f.make_vec(2), 4, SeedTree(0), position_dims=[0]
    )
    rnd.compare_paths(ref)
    assert all(d >= 0 for d in rnd.path_distances) and sum(rnd.path_distances) > 0
    d = same.as_dict()
    assert "paths" not in d and sum(d["outcome_counts"].values()) == 4
    assert set(same.outcomes) <= {"terminated", "timeout"}  # CartPole has no is_success


def test_step_runner_rolls_out_exactly_n_steps_and_carries_episodes_over():
    """Fixed env-step rollouts (learners with a critic): every call is exactly steps_per_env x
    num_envs transitions; an episode cut at the end of a call is a segment whose last step is
    marked truncated (bootstrapped), and it goes on from that very state in the next call."""
    from gail_lab.rl.rollout import StepRunner

    f = EnvFactory("CartPole-v1", num_envs=2)
    runner = StepRunner(f.make_vec(), np.random.default_rng(0))
    first = runner.run_steps(LeanPolicy().act, 150)
    ended_first = runner.episodes["lengths"]
    second = runner.run_steps(LeanPolicy().act, 150)
    assert len(first) == len(second) == 300
    for roll in (first, second):
        ends = roll.episode_ends
        done = roll.terminated | roll.truncated
        assert done[ends].all() and done.sum() == roll.num_episodes  # each segment ends once
    # the cut segments of call 1 continue in call 2: next observation -> first observation
    cut = [i for i in first.episode_ends if not first.terminated[i]][-2:]
    starts = {tuple(second.observations[s]) for s in second.episode_starts}
    assert all(tuple(first.next_observations[i]) in starts for i in cut)
    # ended episodes are counted from their real start, across calls
    total = np.concatenate([ended_first, runner.episodes["lengths"]]).sum()
    assert total + runner._length.sum() == 600
    assert (runner.episodes["lengths"] > 0).all() and runner.episodes["successes"] is None


def test_step_runner_resumes_mid_episode_exactly():
    from gail_lab.rl.rollout import StepRunner

    f = EnvFactory("CartPole-v1", num_envs=2)
    a = StepRunner(f.make_vec(), np.random.default_rng(0))
    a.run_steps(RandomPolicy(f.action_space, 0).act, 37)
    state = a.state_dict()
    after_a = a.run_steps(RandomPolicy(f.action_space, 5).act, 60)  # (seeded: the same draws)
    b = StepRunner(f.make_vec(), np.random.default_rng(0))
    assert b.load_state_dict(state)
    after_b = b.run_steps(RandomPolicy(f.action_space, 5).act, 60)
    for name in ("observations", "actions", "rewards", "terminated", "truncated", "episode_starts"):
        np.testing.assert_array_equal(getattr(after_a, name), getattr(after_b, name), err_msg=name)
