"""Hand-written experts: no training, deterministic, instant (useful for fast tests)."""

from __future__ import annotations

import numpy as np

from gail_lab.envs import EnvFactory
from gail_lab.envs.factory import EnvError
from gail_lab.rl.checkpoint import register_policy_kind
from gail_lab.rl.networks import Policy


class ScriptedExpert(Policy):
    """A hand-written controller for the envs whose id starts with ``env_prefix`` (``check_env``
    refuses another): the expert itself, nothing to train."""

    env_prefix = ""

    def check_env(self, factory: EnvFactory) -> None:
        if not factory.id.startswith(self.env_prefix):
            raise EnvError(f"expert={self.name} drives {self.env_prefix} only, not {factory.id}")


@register_policy_kind
class CartPoleController(ScriptedExpert):
    """Push toward the side the pole is falling to, with damping on pole and cart velocity:
    a linear state-feedback law that balances CartPole-v1 for 500 steps from any seeded start."""

    gains = np.array([0.1, 0.5, 10.0, 2.0])  # x, x_dot, theta, theta_dot

    env_prefix = "CartPole"

    def __init__(self, name: str = "scripted_cartpole") -> None:
        super().__init__()
        self.name = name
        self.init_kwargs = {"name": name}

    def act(self, obs: np.ndarray, deterministic: bool = True) -> np.ndarray:
        return (np.asarray(obs) @ self.gains > 0).astype(np.int64)


@register_policy_kind
class PendulumController(ScriptedExpert):
    """Energy-pumping swing-up, then a PD balance near the top: Pendulum-v1's torque (at most 2)
    cannot lift the pole directly (gravity gives 15 sin(theta) of angular acceleration, the
    motor 3 u), so far from the top it pushes along the angular velocity until the pole's energy
    is the upright one. About -140 mean return over seeds 0-19 (a trained SAC: about -150)."""

    env_prefix = "Pendulum"

    def __init__(self, name: str = "scripted_pendulum", pump_gain: float = 1.0) -> None:
        super().__init__()
        self.name, self.pump_gain = name, pump_gain
        self.init_kwargs = {"name": name, "pump_gain": pump_gain}

    def act(self, obs: np.ndarray, deterministic: bool = True) -> np.ndarray:
        cos, sin, w = np.asarray(obs, dtype=np.float64).T
        theta = np.arctan2(sin, cos)
        energy = 0.5 * w**2 + 15.0 * (cos - 1.0)  # 0 at rest upright
        balance = -(10.0 * theta + 2.0 * w)
        pump = -self.pump_gain * w * energy
        return np.clip(np.where(cos > 0.9, balance, pump), -2.0, 2.0)[:, None].astype(np.float32)


@register_policy_kind
class RacecarPurePursuit(ScriptedExpert):
    """Pure pursuit along the racecar corridor's centerline with slow corners (the study notes' racecar
    expert data, from a TD3 + BC run, does not exist). Reads the pose from the observation, so it drives both the
    ``pose`` (6-dim), ``pose_speed`` (7-dim) and ``full`` (12-dim) observations of ``gail_lab/Racecar-v1``."""

    env_prefix = "gail_lab/Racecar"

    def __init__(
        self, name: str = "scripted_racecar", lookahead: float = 0.8, corner_throttle: float = 0.2
    ) -> None:
        super().__init__()
        self.name = name
        self.lookahead, self.corner_throttle = lookahead, corner_throttle
        self.init_kwargs = {
            "name": name,
            "lookahead": lookahead,
            "corner_throttle": corner_throttle,
        }

    @staticmethod
    def pose_from_obs(obs: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        from gail_lab.envs.racecar import OBS_SIZES, POSITION_SCALE

        obs = np.asarray(obs, dtype=np.float64)
        modes = {size: mode for mode, size in OBS_SIZES.items()}
        if obs.shape[-1] not in modes:
            raise ValueError(
                f"expert scripted_racecar reads racecar observations of {sorted(modes)} dims "
                f"(obs_mode {list(OBS_SIZES)}), got {obs.shape[-1]}"
            )
        # full: x, y, vx, vy, sin, cos, ...; every other mode: x, y, sin, cos, ...
        s = 4 if modes[obs.shape[-1]] == "full" else 2
        sin, cos = obs[:, s], obs[:, s + 1]
        return obs[:, 0] * POSITION_SCALE, obs[:, 1] * POSITION_SCALE, np.arctan2(sin, cos)

    def act(self, obs: np.ndarray, deterministic: bool = True) -> np.ndarray:
        from gail_lab.envs.track import pure_pursuit_action

        xs, ys, yaws = self.pose_from_obs(obs)
        return np.stack(
            [
                pure_pursuit_action(
                    x, y, yaw, lookahead=self.lookahead, corner_throttle=self.corner_throttle
                )
                for x, y, yaw in zip(xs, ys, yaws, strict=True)
            ]
        ).astype(np.float32)
