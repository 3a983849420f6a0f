import numpy as np

from gail_lab.envs import EnvFactory
from gail_lab.rl.evaluation import evaluate_policy
from gail_lab.rl.networks import RandomPolicy
from gail_lab.rl.rollout import EpisodeRunner


def test_runner_returns_complete_episodes_until_min_steps():
    f = EnvFactory("CartPole-v1", num_envs=3)
    runner = EpisodeRunner(f.make_vec(), seed=0)
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
    roll = EpisodeRunner(f.make_vec(), seed=0).run(policy.act, num_episodes=6)
    assert roll.num_episodes == 6


class LeanPolicy:
    """Deterministic: push toward the side the pole leans to (episodes of varying length)."""

    def act(self, obs, deterministic=True):
        return (obs[:, 2] > 0).astype(np.int64)


def test_evaluation_episodes_do_not_depend_on_env_count():
    f = EnvFactory("CartPole-v1")
    a = evaluate_policy(LeanPolicy(), f.make_vec(4), 6, seed=3)
    b = evaluate_policy(LeanPolicy(), f.make_vec(1), 6, seed=3)
    assert sorted(a.returns) == sorted(b.returns) and len(set(a.returns)) > 1
    c = evaluate_policy(LeanPolicy(), f.make_vec(4), 6, seed=4)
    assert sorted(c.returns) != sorted(a.returns)
