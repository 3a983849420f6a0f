"""The PyBullet racecar env (gail_lab/Racecar-v1), its track geometry and helpers."""

from __future__ import annotations

import importlib
import math

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import gail_lab.envs.registration as registration
from gail_lab.envs import track
from gail_lab.envs.racecar import RacecarEnv

# The checker warns about the (deliberately) infinite bounds of positions and velocities.
pytestmark = pytest.mark.filterwarnings("ignore:.*Box observation space (min|max)imum value")


@pytest.fixture
def make_env():
    envs: list[RacecarEnv] = []

    def _make(**kwargs) -> RacecarEnv:
        env = RacecarEnv(**kwargs)
        envs.append(env)
        return env

    yield _make
    for env in envs:
        env.close()


def drive(env: RacecarEnv, seed: int | None, actions: np.ndarray, stop: bool = True) -> np.ndarray:
    """Reset with ``seed`` and apply ``actions``; the observations, one row per step."""
    obs, _ = env.reset(seed=seed)
    rows = [obs]
    for action in actions:
        obs, _, terminated, _, _ = env.step(action)
        rows.append(obs)
        if terminated and stop:
            break
    return np.array(rows)


def pursue(env: RacecarEnv, seed: int, max_steps: int = 600):
    """One pure-pursuit episode: (last reward, terminated, info, steps, xy path)."""
    env.reset(seed=seed)
    path = [env.pose()[:2]]
    for _ in range(max_steps):
        x, y, yaw, _ = env.pose()
        _, reward, terminated, truncated, info = env.step(track.pure_pursuit_action(x, y, yaw))
        path.append(env.pose()[:2])
        if terminated or truncated:
            break
    return reward, terminated, info, len(path) - 1, np.array(path)


def random_actions(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.uniform([-1.0, 0.3], [1.0, 1.0], size=(n, 2)).astype(np.float32)


def test_registered_and_made_outside_the_framework():
    importlib.reload(registration)  # registering twice is harmless
    env = gym.make("gail_lab/Racecar-v1", obs_mode="pose")
    try:
        assert env.spec.max_episode_steps == 2000
        assert env.observation_space.shape == (6,)
        assert env.action_space.shape == (2,)
        np.testing.assert_array_equal(env.action_space.low, [-1.0, 0.0])
        np.testing.assert_array_equal(env.action_space.high, [1.0, 1.0])
        obs, info = env.reset(seed=0)
        assert obs.dtype == np.float32 and env.observation_space.contains(obs)
        assert info["is_success"] is False
    finally:
        env.close()


def test_time_limit_truncates_without_success():
    env = gym.make("gail_lab/Racecar-v1")
    try:
        env.reset(seed=0)
        idle = np.zeros(2, dtype=np.float32)
        steps = 0
        truncated = False
        while not truncated and steps < 2100:
            _, reward, terminated, truncated, info = env.step(idle)
            steps += 1
            assert not terminated and reward == 0.0
        assert steps == 2000 and truncated
        assert info["is_success"] is False and info["collision"] is False
    finally:
        env.close()


@pytest.mark.parametrize(
    "obs_mode,dim", [("pose", 6), ("pose_speed", 7), ("full", 12), ("rays", 15)]
)
def test_env_checker_and_observations_in_space(make_env, obs_mode, dim):
    env = make_env(obs_mode=obs_mode)
    check_env(env, skip_render_check=True)
    assert env.observation_space.shape == (dim,)
    rows = drive(env, 3, random_actions(200), stop=False)
    assert rows.dtype == np.float32
    assert all(env.observation_space.contains(row) for row in rows)
    # The goal sits in the last two entries (but for rays); sin^2 + cos^2 = 1.
    if obs_mode != "rays":
        np.testing.assert_allclose(rows[:, -2:], [[14.5 / 15, 7.5 / 15]] * len(rows), rtol=1e-6)
    s, c = (4, 5) if obs_mode == "full" else (2, 3)
    np.testing.assert_allclose(rows[:, s] ** 2 + rows[:, c] ** 2, 1.0, atol=1e-5)


def test_walls_do_not_move_when_rammed(make_env):
    env = make_env()
    # Facing the wall along y = 4 from half a metre away, at full throttle for 100 steps.
    env.reset(seed=0, options={"start_pose": (1.0, 3.2, math.pi / 2)})
    before = env.wall_poses()
    results = [env.step(np.array([0.0, 1.0], dtype=np.float32)) for _ in range(100)]
    assert env.wall_poses() == before
    assert any(r[4]["collision"] for r in results)
    assert env.pose()[1] < 4.0 - track.WALL_THICKNESS / 2  # the car did not get through


def test_walls_meeting_at_corners_stay_put(make_env):
    env = make_env()
    env.reset(seed=0)
    before = env.wall_poses()
    idle = np.zeros(2, dtype=np.float32)
    for _ in range(300):
        env.step(idle)
    assert env.wall_poses() == before
    # The walls sit where track.py says.
    for (position, _), ((cx, cy), _, _) in zip(before, track.wall_boxes(), strict=True):
        assert position == pytest.approx((cx, cy, track.WALL_HEIGHT / 2))


def test_wall_contact_terminates_with_minus_one(make_env):
    env = make_env()
    env.reset(seed=0, options={"start_pose": (1.0, 3.2, math.pi / 2)})
    for _ in range(100):
        _, reward, terminated, truncated, info = env.step(np.array([0.0, 1.0], np.float32))
        if terminated:
            break
    assert terminated and not truncated
    assert reward == -1.0
    assert info["collision"] is True and info["is_success"] is False


def test_goal_terminates_with_plus_three(make_env):
    env = make_env()
    # Test hook: start 1.6 m short of the goal, facing it.
    env.reset(seed=0, options={"start_pose": (12.9, 7.3, 0.0)})
    rewards = []
    for _ in range(50):
        _, reward, terminated, _, info = env.step(np.array([0.0, 1.0], np.float32))
        rewards.append(reward)
        if terminated:
            break
    assert terminated and reward == 3.0
    assert info["is_success"] is True and info["collision"] is False
    assert info["distance_to_goal"] < track.GOAL_RADIUS
    assert rewards[:-1] == [0.0] * (len(rewards) - 1)


def test_pure_pursuit_reaches_the_goal(make_env):
    env = make_env()  # start perturbation on (defaults 0.1 m, 0.1 rad)
    steps = []
    for seed in range(10):
        reward, terminated, info, n, path = pursue(env, seed)
        assert terminated and info["is_success"], (seed, info)
        assert reward == 3.0 and not info["collision"]
        assert min(track.distance_to_walls(x, y) for x, y in path) > 0.3
        steps.append(n)
    assert 250 < np.mean(steps) < 400


def test_same_seed_same_trajectory_different_seeds_different_starts(make_env):
    env = make_env()
    actions = random_actions(150, seed=1)
    first = drive(env, 7, actions)
    drive(env, 8, random_actions(80, seed=2))  # another episode in between
    again = drive(env, 7, actions)
    np.testing.assert_array_equal(first, again)
    # A fresh instance agrees too.
    np.testing.assert_array_equal(first, drive(make_env(), 7, actions))

    starts = {tuple(env.reset(seed=s)[0][:4].tolist()) for s in range(5)}
    assert len(starts) == 5
    for s in range(5):
        env.reset(seed=s)
        x, y, yaw, speed = env.pose()
        assert abs(x - track.START[0]) <= 0.1 + 1e-6 and abs(y - track.START[1]) <= 0.1 + 1e-6
        assert abs(yaw - track.START_YAW) <= 0.1 + 1e-6 and speed == 0.0


def test_no_start_noise_gives_the_nominal_start(make_env):
    env = make_env(start_noise_pos=0.0, start_noise_yaw=0.0)
    for s in range(3):
        env.reset(seed=s)
        x, y, yaw, _ = env.pose()
        assert (x, y) == pytest.approx(track.START[:2]) and yaw == pytest.approx(track.START_YAW)


def test_wide_starts_cover_the_first_leg_and_the_expert_still_drives_them(make_env):
    """start_region=wide: across the middle metre of the corridor, 0.5-2 m along it, +-0.3 rad;
    the same seed gives the same pose; the pure-pursuit driver reaches the goal from them."""
    from gail_lab.envs.racecar import WIDE_START

    (x0, x1), (y0, y1), dyaw = WIDE_START
    env = make_env(start_region="wide")
    poses = []
    for s in range(40):
        env.reset(seed=s)
        poses.append(env.pose()[:3])
    x, y, yaw = np.array(poses).T
    assert x.min() >= x0 and x.max() <= x1 and y.min() >= y0 and y.max() <= y1
    assert np.abs(yaw - track.START_YAW).max() <= dyaw + 1e-6
    # spread over the region, far beyond the narrow +-0.1 m / +-0.1 rad
    assert np.ptp(x) > 0.7 and np.ptp(y) > 1.0 and np.ptp(yaw) > 0.4
    env.reset(seed=3)
    assert env.pose()[:3] == pytest.approx(poses[3])
    reward, terminated, info, _, _ = pursue(env, seed=5)
    assert terminated and info["is_success"] and reward == pytest.approx(3.0)
    with pytest.raises(ValueError, match="start_region must be one of"):
        make_env(start_region="everywhere")


def test_two_envs_in_one_process_do_not_interfere(make_env):
    acts_a, acts_b = random_actions(120, seed=3), random_actions(120, seed=4)
    alone_a = drive(make_env(obs_mode="full"), 1, acts_a, stop=False)
    alone_b = drive(make_env(obs_mode="full"), 2, acts_b, stop=False)

    env_a, env_b = make_env(obs_mode="full"), make_env(obs_mode="full")
    rows_a, rows_b = [env_a.reset(seed=1)[0]], [env_b.reset(seed=2)[0]]
    for a, b in zip(acts_a, acts_b, strict=True):
        rows_a.append(env_a.step(a)[0])
        rows_b.append(env_b.step(b)[0])
    np.testing.assert_array_equal(np.array(rows_a), alone_a)
    np.testing.assert_array_equal(np.array(rows_b), alone_b)


def test_actions_are_clipped(make_env):
    env = make_env()
    wild = np.array([[5.0, -3.0], [-7.0, 9.0]] * 20, dtype=np.float32)
    np.testing.assert_array_equal(drive(env, 0, wild), drive(env, 0, np.clip(wild, [-1, 0], 1)))
    with pytest.raises(ValueError):
        env.step(np.array([np.nan, 0.5], dtype=np.float32))


def test_steer_positive_turns_right(make_env):
    env = make_env(start_noise_pos=0.0, start_noise_yaw=0.0)
    for steer, sign in ((0.5, -1.0), (-0.5, 1.0)):
        env.reset(options={"start_pose": (5.0, 3.0, 0.0)})
        for _ in range(20):
            env.step(np.array([steer, 0.5], dtype=np.float32))
        assert sign * env.pose()[2] > 0.3  # yaw fell (right turn) for steer > 0


@pytest.mark.parametrize("view", ["top", "chase"])
def test_render_frame(make_env, view, tmp_path):
    env = make_env(render_mode="rgb_array", render_view=view)
    env.reset(seed=0)
    for _ in range(5):
        env.step(np.array([0.0, 1.0], dtype=np.float32))
    frame = env.render()
    assert frame.shape == (288, 480, 3) and frame.dtype == np.uint8
    assert frame.std() > 10 and len(np.unique(frame.reshape(-1, 3), axis=0)) > 20
    assert make_env().render() is None  # no render_mode: nothing
    track.save_video([frame, frame[::-1].copy()], tmp_path / "clip.gif", fps=20)
    assert (tmp_path / "clip.gif").stat().st_size > 0


def test_plot_track(tmp_path):
    paths = [np.array([[0.5, 0.5], [1.0, 3.0], [9.0, 3.0]]), np.zeros((0, 2))]
    out = tmp_path / "sub" / "track.png"
    ax = track.plot_track(trajectories=paths, labels=["a", "b"], out_png=out)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(ax.patches) == len(track.WALLS) + 1  # walls and the goal circle
    assert [p.name for p in tmp_path.joinpath("sub").iterdir()] == ["track.png"]  # no temp left


def test_pure_pursuit_geometry():
    # On the first straight segment heading at the next waypoint: no steering, full throttle.
    heading = math.atan2(3.0 - 0.5, 1.0 - 0.5)
    steer, throttle = track.pure_pursuit_action(0.6, 1.0, heading)
    assert abs(steer) < 0.05 and throttle == 1.0
    # Facing +x on the y = 3 straight but displaced to its left (y = 3.4): steer right (> 0).
    steer, _ = track.pure_pursuit_action(4.0, 3.4, 0.0)
    assert steer > 0.1
    # Near a corner: slow.
    assert track.pure_pursuit_action(9.0, 2.5, 0.0)[1] == pytest.approx(0.2)


def test_ray_caster_reads_the_distance_to_the_wall_faces():
    rays = track.RayCaster(angles=[-math.pi / 2, 0.0, math.pi / 2], max_range=6.0)
    half = track.WALL_THICKNESS / 2
    # At the start facing +y: the wall x = 2 to the right, y = 4 ahead, x = 0 to the left.
    np.testing.assert_allclose(
        rays(0.5, 0.5, math.pi / 2), [2.0 - half - 0.5, 4.0 - half - 0.5, 0.5 - half]
    )
    # On the y = 3 corridor facing +x: 0.85 to either side, the x = 10 wall ahead; capped.
    np.testing.assert_allclose(rays(5.0, 3.0, 0.0), [1 - half, 5.0 - half, 1 - half])
    assert rays(3.0, 3.0, 0.0)[1] == 6.0
    # Inside a wall: 0 in every direction.
    np.testing.assert_allclose(rays(1.0, 4.0, 0.3), [0.0, 0.0, 0.0])


def test_rays_observation_senses_the_corridor(make_env):
    """obs_mode=rays: pose first (the expert and path metrics read x, y there), rays in [0, 1]
    that shrink as the car drives at a wall, then speed, lateral speed, yaw rate, steering."""
    env = make_env(obs_mode="rays", start_noise_pos=0.0, start_noise_yaw=0.0)
    obs, _ = env.reset(seed=0)
    n = len(track.RAY_ANGLES)
    front = 4 + track.RAY_ANGLES.index(0.0)
    np.testing.assert_allclose(obs[front], (4.0 - 0.15 - 0.5) / track.RAY_RANGE, rtol=1e-4)
    rows = drive(env, 0, [np.array([0.0, 1.0], np.float32)] * 30, stop=True)
    assert rows[15, front] < obs[front] and rows[15, 4 + n] > 0.3  # closer, moving forward
    np.testing.assert_allclose(rows[-1, :2] * 15, env.pose()[:2], rtol=1e-5)


def test_close_is_idempotent():
    env = RacecarEnv()
    env.reset(seed=0)
    env.close()
    env.close()
    with pytest.raises(RuntimeError):
        env.reset(seed=0)


def test_scripted_expert_reads_every_obs_mode_and_refuses_other_sizes(make_env):
    from gail_lab.envs.racecar import OBS_SIZES
    from gail_lab.experts.scripted import RacecarPurePursuit

    expert = RacecarPurePursuit()
    for mode in OBS_SIZES:
        env = make_env(obs_mode=mode)
        obs, _ = env.reset(seed=3)
        x, y, yaw, _ = env.pose()
        np.testing.assert_allclose(
            expert.act(obs[None])[0], track.pure_pursuit_action(x, y, yaw), atol=1e-5
        )
    with pytest.raises(ValueError, match=r"observations of \[6, 7, 12, 15\] dims"):
        expert.act(np.zeros((1, 5), np.float32))
