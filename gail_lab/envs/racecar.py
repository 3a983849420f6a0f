"""A PyBullet racecar on a walled track, as a gymnasium env (``gail_lab/Racecar-v1``).

The MIT racecar of ``pybullet_data`` drives from the start (0.5, 0.5) through a walled corridor
(see :mod:`gail_lab.envs.track`) to the goal (14.5, 7.5). Action ``[steer, throttle]`` in
``[-1, 1] x [0, 1]``; ``steer > 0`` turns right. Reaching the goal (distance < 1 m) ends the
episode with reward +3 and ``info["is_success"] = True``; touching a wall ends it with reward -1;
every other step gives 0. Registration adds a 2000-step TimeLimit (``truncated``).

This env replaces the study notes' racecar script, whose defects are fixed as follows:

* **Global client.** The notes' script used the module-level ``pybullet`` functions, i.e. one
  physics world per process, so two envs interfered. Here every instance owns its own
  ``BulletClient`` in DIRECT mode, every PyBullet call goes through it, and ``close()``
  disconnects it.
* **Movable walls.** The notes' walls were dynamic bodies that the car could push away. Here
  they are static boxes (mass 0), which Bullet never moves, whatever hits them.
* **Throttle range.** The notes' policy emitted throttle in [-1, 1], their action space said
  [0, 1]. Here the action space is ``Box([-1, 0], [1, 1])`` (no reversing) and every action is
  clipped into it; non-finite actions raise ``ValueError``.
* **Printing and writers inside the env.** Here the env neither prints nor writes files (even
  PyBullet's ``argv[0]=`` line on connect is avoided, see ``bullet_world.QuietBulletClient``); plotting and
  video export are separate helpers in :mod:`gail_lab.envs.track` (``plot_track``,
  ``save_video``) that the caller uses.
* **No seeding.** Here ``reset(seed=...)`` seeds ``self.np_random``, the only source of
  randomness (the start-pose perturbation); the physics is deterministic
  (``deterministicOverlappingPairs``) and every reset restores the same saved physics state, so
  the same seed and actions give bit-identical trajectories, whatever ran before.
* **Track rebuilt on each reset.** Rebuilding the plane, the car and the walls costs about
  20 ms. Here the world is built once in ``__init__``; ``reset`` restores the snapshot taken
  after the build and places the car (about 30 microseconds).
* **Hardware OpenGL renderer.** That needs a display (or an EGL device). Here ``render()`` uses
  PyBullet's software TinyRenderer (``ER_TINY_RENDERER``) and works headless, in a ``"top"``
  (whole track) or ``"chase"`` (behind the car) view.

Physics: gravity -10, one env step is 1/20 s of simulated time split into ``physics_substeps``
solver steps (default 4, chosen by measurement: see the ``physics_substeps`` argument). A single
substep is not enough: the car sinks about 1 cm into the ground and pulls sideways.
"""

from __future__ import annotations

import math
from typing import Any

import gymnasium as gym
import numpy as np
import pybullet
from gymnasium import spaces
from pybullet_utils.bullet_client import BulletClient

from gail_lab.envs import track
from gail_lab.envs.bullet_world import (
    QuietBulletClient,
    build_world,
    camera_matrices,
)

#: Wheel target angular velocity (rad/s) at throttle 1 (about 2.5 m/s), and the motor force.
MAX_WHEEL_SPEED = 50.0
WHEEL_FORCE = 100.0
#: Coordinates are divided by this in observations.
POSITION_SCALE = 15.0
#: Observation size of each obs_mode (every mode starts with x/15, y/15).
OBS_SIZES = {"pose": 6, "pose_speed": 7, "full": 12, "rays": 15}
OBS_MODES = tuple(OBS_SIZES)
RENDER_VIEWS = ("top", "chase")
START_REGIONS = ("narrow", "wide")
#: The wide start region: x range, y range (metres; the first leg's corridor is x in [0, 2] and
#: runs up to the first corner at y = 2..4) and the heading's half range around +y (radians).
WIDE_START: tuple[tuple[float, float], tuple[float, float], float] = ((0.5, 1.5), (0.5, 2.0), 0.3)


class RacecarEnv(gym.Env[np.ndarray, np.ndarray]):
    """PyBullet racecar that must drive through a walled corridor to a goal.

    Args:
        obs_mode: ``"pose"`` (default, 6 dims): ``x/15, y/15, sin(yaw), cos(yaw), goal_x/15,
            goal_y/15``, the first racecar imitation probe's pose observation. ``"pose_speed"``
            (7 dims) adds the signed forward speed (m/s) after ``cos(yaw)``: a copycat trap for
            imitation (the expert's throttle follows its speed, so behavior cloning learns
            "slow -> slow" and the car stalls: 0/20 greedy BC episodes from 10 DART demos,
            against 20/20 without it, measured with an MSE regressor).
            ``"full"`` (12 dims): ``x/15, y/15, vx, vy, sin(yaw), cos(yaw)``, the two steering
            hinge angles, their angular velocities, ``goal_x/15, goal_y/15``.
            ``"rays"`` (15 dims): ``x/15, y/15, sin(yaw), cos(yaw)``, then what the car senses
            around itself: 7 range-finder rays at -90, -60, ..., +90 degrees from its heading
            (distance to the nearest wall face / 6 m, capped at 1; :class:`track.RayCaster`),
            its forward and lateral speed (m/s), yaw rate (rad/s) and steering angle (rad).
            The rays make "where is the opening" a local reading, the same at every corner, which
            a discriminator can judge (``discriminator.obs_dims=[4, ..., 14]``: the car's
            surroundings and motion, not its place on the map).
        physics_substeps: solver steps per env step of 1/20 s (default 4). Measured with
            :func:`gail_lab.envs.track.pure_pursuit_action` on 300 seeded episodes each: 1, 2, 4
            and 8 substeps all reach the goal 300/300 (with the steering gain scaled, see below),
            but the car sinks into the ground while braking or launching: by up to 4.1 cm at 1,
            1.6 cm at 2, 0.7 cm at 4 and 0.04 cm at 8 substeps. 4 is the smallest count whose
            contacts stay within a few millimetres; it runs about 4,400 steps/s, 8 about 2,400.
        start_noise_pos: the start x and y are perturbed by ``uniform(-a, a)`` metres.
        start_noise_yaw: the start yaw is perturbed by ``uniform(-a, a)`` radians.
        start_region: ``"narrow"`` (the nominal start perturbed as above, where the
            demonstrations come from) or ``"wide"`` (:data:`WIDE_START`: anywhere in the middle
            metre across the first leg's 2 m corridor, 0.5-2 m along it, heading +-0.3 rad; the
            ``start_noise_*`` values are then unused). Wide starts are an evaluation condition:
            states a policy learned from narrow-start demonstrations has not seen.
        render_mode: ``None`` or ``"rgb_array"`` (TinyRenderer, headless).
        render_view: ``"top"`` (whole track from above) or ``"chase"`` (camera behind the car).
        render_width, render_height: frame size in pixels.

    Steering is a PyBullet position servo, which closes the fraction ``positionGain`` of the
    angle error per *solver* step; with PyBullet's fixed default 0.1 the car would steer more
    sluggishly the fewer substeps it has (the pure-pursuit driver then reaches the goal on only
    79/300 episodes at 2 substeps and 299/300 at 4). The gain is therefore scaled to
    ``1 - 0.9 ** (8 / physics_substeps)``, so that the servo closes the same 57% of the error
    per 1/20 s env step as the default does at 8 substeps, whatever the substep count.

    ``reset(options={"start_pose": (x, y, yaw)})`` places the car exactly there instead of the
    (perturbed) nominal start: a hook for tests and for experts that need other starts.
    ``pose()`` returns the raw ``(x, y, yaw, speed)`` of the car's base (rear-axle centre).
    """

    metadata = {"render_modes": ["rgb_array"], "render_fps": 20}

    def __init__(
        self,
        obs_mode: str = "pose",
        physics_substeps: int = 4,
        start_noise_pos: float = 0.1,
        start_noise_yaw: float = 0.1,
        start_region: str = "narrow",
        render_mode: str | None = None,
        render_view: str = "top",
        render_width: int = 480,
        render_height: int = 288,
    ) -> None:
        if obs_mode not in OBS_MODES:
            raise ValueError(f"obs_mode must be one of {OBS_MODES}, got {obs_mode!r}")
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"render_mode must be None or 'rgb_array', got {render_mode!r}")
        if render_view not in RENDER_VIEWS:
            raise ValueError(f"render_view must be one of {RENDER_VIEWS}, got {render_view!r}")
        if int(physics_substeps) < 1:
            raise ValueError(f"physics_substeps must be >= 1, got {physics_substeps}")
        if start_noise_pos < 0 or start_noise_yaw < 0:
            raise ValueError("start_noise_pos and start_noise_yaw must be >= 0")
        if start_region not in START_REGIONS:
            raise ValueError(f"start_region must be one of {START_REGIONS}, got {start_region!r}")
        self.start_region = start_region
        self.obs_mode = obs_mode
        self.physics_substeps = int(physics_substeps)
        self.start_noise_pos = float(start_noise_pos)
        self.start_noise_yaw = float(start_noise_yaw)
        self.render_mode = render_mode
        self.render_view = render_view
        self.render_width = int(render_width)
        self.render_height = int(render_height)

        self.action_space = spaces.Box(
            low=np.array([-1.0, 0.0], dtype=np.float32),
            high=np.array([1.0, 1.0], dtype=np.float32),
            dtype=np.float32,
        )
        # Positions, velocities and joint states are unbounded (a physics glitch can throw the
        # car anywhere); sin/cos lie in [-1, 1]; the goal coordinates /15 lie in [0, 1].
        inf = np.inf
        if obs_mode == "pose":
            low = [-inf, -inf, -1.0, -1.0, 0.0, 0.0]
            high = [inf, inf, 1.0, 1.0, 1.0, 1.0]
        elif obs_mode == "pose_speed":
            low = [-inf, -inf, -1.0, -1.0, -inf, 0.0, 0.0]
            high = [inf, inf, 1.0, 1.0, inf, 1.0, 1.0]
        elif obs_mode == "full":
            low = [-inf, -inf, -inf, -inf, -1.0, -1.0, -inf, -inf, -inf, -inf, 0.0, 0.0]
            high = [inf, inf, inf, inf, 1.0, 1.0, inf, inf, inf, inf, 1.0, 1.0]
        else:
            n = len(track.RAY_ANGLES)
            low = [-inf, -inf, -1.0, -1.0, *([0.0] * n), -inf, -inf, -inf, -inf]
            high = [inf, inf, 1.0, 1.0, *([1.0] * n), inf, inf, inf, inf]
        self.observation_space = spaces.Box(
            low=np.array(low, dtype=np.float32),
            high=np.array(high, dtype=np.float32),
            dtype=np.float32,
        )
        self._goal_obs = (track.GOAL[0] / POSITION_SCALE, track.GOAL[1] / POSITION_SCALE)
        self._rays = track.RayCaster() if obs_mode == "rays" else None

        # Steering servo gain per solver step, scaled to the substep count (class docstring).
        self._steer_kp = 1.0 - (1.0 - 0.1) ** (8.0 / self.physics_substeps)
        self._client: BulletClient | None = QuietBulletClient()
        self._build_world()

    # ------------------------------------------------------------------ world

    def _build_world(self) -> None:
        assert self._client is not None
        world = build_world(self._client, self.physics_substeps)
        self._car, self._wheels, self._steering = world.car, world.wheels, world.steering
        self._actuated = self._wheels + self._steering
        self._walls, self._wall_set = world.walls, frozenset(world.walls)
        self._state_id = world.state_id
        self._top_view, self._top_proj, self._chase_proj = camera_matrices(
            self._client, self.render_width, self.render_height
        )

    # ------------------------------------------------------------------ gym API

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Place the car at the (perturbed) start at rest; the track is not rebuilt.

        ``options={"start_pose": (x, y, yaw)}`` places it exactly at that pose instead.
        """
        super().reset(seed=seed)
        c = self._client
        if c is None:
            raise RuntimeError("RacecarEnv is closed")
        # Always draw, so that the random stream does not depend on the noise settings.
        u = self.np_random.uniform(-1.0, 1.0, size=3)
        if options and options.get("start_pose") is not None:
            x, y, yaw = (float(v) for v in options["start_pose"])
        elif self.start_region == "wide":
            (x0, x1), (y0, y1), dyaw = WIDE_START
            x = x0 + (x1 - x0) * (float(u[0]) + 1.0) / 2.0
            y = y0 + (y1 - y0) * (float(u[1]) + 1.0) / 2.0
            yaw = track.START_YAW + dyaw * float(u[2])
        else:
            x = track.START[0] + self.start_noise_pos * float(u[0])
            y = track.START[1] + self.start_noise_pos * float(u[1])
            yaw = track.START_YAW + self.start_noise_yaw * float(u[2])
        c.restoreState(stateId=self._state_id)
        car = self._car
        c.resetBasePositionAndOrientation(
            car, (x, y, track.START[2]), (0.0, 0.0, math.sin(yaw / 2.0), math.cos(yaw / 2.0))
        )
        c.resetBaseVelocity(car, (0.0, 0.0, 0.0), (0.0, 0.0, 0.0))
        for j in self._actuated:
            c.resetJointState(car, j, 0.0, 0.0)
        self._read_state()
        return self._obs(), self._info(False, False)

    def step(self, action: np.ndarray) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        c = self._client
        if c is None:
            raise RuntimeError("RacecarEnv is closed")
        steer = float(action[0])
        throttle = float(action[1])
        if not (math.isfinite(steer) and math.isfinite(throttle)):
            raise ValueError(f"action must be finite, got {action!r}")
        steer = -1.0 if steer < -1.0 else (1.0 if steer > 1.0 else steer)
        throttle = 0.0 if throttle < 0.0 else (1.0 if throttle > 1.0 else throttle)
        car = self._car
        c.setJointMotorControlArray(
            car,
            self._steering,
            pybullet.POSITION_CONTROL,
            targetPositions=(-steer, -steer),
            positionGains=(self._steer_kp, self._steer_kp),
        )
        v = throttle * MAX_WHEEL_SPEED
        c.setJointMotorControlArray(
            car,
            self._wheels,
            pybullet.VELOCITY_CONTROL,
            targetVelocities=(v, v, v, v),
            forces=(WHEEL_FORCE, WHEEL_FORCE, WHEEL_FORCE, WHEEL_FORCE),
        )
        c.stepSimulation()
        self._read_state()

        collision = False
        walls = self._wall_set
        for contact in c.getContactPoints(bodyA=car):
            if contact[2] in walls:
                collision = True
                break
        success = not collision and self._dist < track.GOAL_RADIUS
        reward = -1.0 if collision else (3.0 if success else 0.0)
        return self._obs(), reward, collision or success, False, self._info(success, collision)

    def render(self) -> np.ndarray | None:
        """An HxWx3 uint8 frame from the TinyRenderer (``render_mode="rgb_array"``), else None."""
        if self.render_mode != "rgb_array":
            return None
        c = self._client
        if c is None:
            raise RuntimeError("RacecarEnv is closed")
        if self.render_view == "top":
            view, proj = self._top_view, self._top_proj
        else:
            x, y, yaw = self._x, self._y, self._yaw
            fx, fy = math.cos(yaw), math.sin(yaw)
            view = c.computeViewMatrix(
                # High enough to look over a wall right behind the car (as at the start).
                cameraEyePosition=(x - 0.8 * fx, y - 0.8 * fy, 1.2),
                cameraTargetPosition=(x + 1.5 * fx, y + 1.5 * fy, 0.0),
                cameraUpVector=(0.0, 0.0, 1.0),
            )
            proj = self._chase_proj
        _, _, rgba, _, _ = c.getCameraImage(
            self.render_width,
            self.render_height,
            viewMatrix=view,
            projectionMatrix=proj,
            renderer=pybullet.ER_TINY_RENDERER,
            flags=pybullet.ER_NO_SEGMENTATION_MASK,
        )
        frame = np.asarray(rgba, dtype=np.uint8).reshape(self.render_height, self.render_width, 4)
        return np.ascontiguousarray(frame[:, :, :3])

    def __getstate__(self):
        raise TypeError(
            "a PyBullet simulation cannot be pickled (its state lives in the physics server)"
        )

    def close(self) -> None:
        if self._client is not None:
            try:
                self._client.disconnect()
            finally:
                self._client = None

    # ------------------------------------------------------------------ helpers

    def pose(self) -> tuple[float, float, float, float]:
        """Raw ``(x, y, yaw, speed)`` of the car's base (rear-axle centre), speed signed forward."""
        return self._x, self._y, self._yaw, self._speed

    def wall_poses(self) -> list[tuple[tuple[float, float, float], tuple[float, ...]]]:
        """(position, orientation quaternion) of each wall body, in the order of ``track.WALLS``."""
        c = self._client
        if c is None:
            raise RuntimeError("RacecarEnv is closed")
        return [c.getBasePositionAndOrientation(w) for w in self._walls]

    def _read_state(self) -> None:
        c = self._client
        assert c is not None
        (x, y, _), (qx, qy, qz, qw) = c.getBasePositionAndOrientation(self._car)
        (vx, vy, _), (_, _, self._yaw_rate) = c.getBaseVelocity(self._car)
        yaw = math.atan2(2.0 * (qw * qz + qx * qy), 1.0 - 2.0 * (qy * qy + qz * qz))
        self._x, self._y, self._yaw, self._vx, self._vy = x, y, yaw, vx, vy
        self._sin, self._cos = math.sin(yaw), math.cos(yaw)
        self._speed = vx * self._cos + vy * self._sin
        self._dist = math.hypot(x - track.GOAL[0], y - track.GOAL[1])

    def _obs(self) -> np.ndarray:
        gx, gy = self._goal_obs
        if self.obs_mode == "pose":
            return np.array(
                (self._x / POSITION_SCALE, self._y / POSITION_SCALE, self._sin, self._cos, gx, gy),
                dtype=np.float32,
            )
        if self.obs_mode == "pose_speed":
            return np.array(
                (
                    self._x / POSITION_SCALE,
                    self._y / POSITION_SCALE,
                    self._sin,
                    self._cos,
                    self._speed,
                    gx,
                    gy,
                ),
                dtype=np.float32,
            )
        c = self._client
        assert c is not None
        (a0, w0, _, _), (a1, w1, _, _) = c.getJointStates(self._car, self._steering)
        if self.obs_mode == "rays":
            assert self._rays is not None
            rays = self._rays(self._x, self._y, self._yaw) / self._rays.max_range
            lateral = -self._vx * self._sin + self._vy * self._cos
            head = (self._x / POSITION_SCALE, self._y / POSITION_SCALE, self._sin, self._cos)
            tail = (self._speed, lateral, self._yaw_rate, a0)
            return np.concatenate([head, rays, tail]).astype(np.float32)
        return np.array(
            (
                self._x / POSITION_SCALE,
                self._y / POSITION_SCALE,
                self._vx,
                self._vy,
                self._sin,
                self._cos,
                a0,
                a1,
                w0,
                w1,
                gx,
                gy,
            ),
            dtype=np.float32,
        )

    def _info(self, success: bool, collision: bool) -> dict[str, Any]:
        return {
            "is_success": success,
            "distance_to_goal": self._dist,
            "position": (self._x, self._y),
            "collision": collision,
        }
