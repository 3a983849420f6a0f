"""The racecar's PyBullet world: a quiet DIRECT client, the plane, the car, the static walls and
the goal marker built once (with a snapshot every reset restores), and the two camera views."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from typing import Any

import pybullet
import pybullet_data
from pybullet_utils.bullet_client import BulletClient

from gail_lab.envs import track

CONTROL_DT = 1.0 / 20.0
GRAVITY = -10.0
#: Joint names of the racecar URDF, checked against getJointInfo when the car is loaded.
WHEEL_JOINTS = (
    "left_rear_wheel_joint",
    "right_rear_wheel_joint",
    "left_front_wheel_joint",
    "right_front_wheel_joint",
)
STEERING_JOINTS = ("left_steering_hinge_joint", "right_steering_hinge_joint")


class QuietBulletClient(BulletClient):
    """A ``BulletClient`` in DIRECT mode that connects without printing.

    ``BulletClient.__init__`` always passes ``options=""`` to ``pybullet.connect``, which makes
    pybullet print ``argv[0]=`` on stdout for every new client. This sets the same three
    attributes as that ``__init__`` but connects without ``options``; everything else (the
    client id injected into every call, disconnect on garbage collection) is BulletClient's own.
    """

    def __init__(self) -> None:
        self._shapes: dict[Any, Any] = {}
        self._pid = os.getpid()
        self._client = pybullet.connect(pybullet.DIRECT)
        if self._client < 0:
            raise RuntimeError("could not start a PyBullet DIRECT client")


@dataclass(frozen=True)
class World:
    """Body and joint ids of a built world, and the id of its saved start state."""

    car: int
    wheels: list[int]
    steering: list[int]
    walls: list[int]
    state_id: int


def build_world(c: BulletClient, physics_substeps: int) -> World:
    """Load the plane, the car, the walls and a goal marker once; snapshot the state."""
    c.setAdditionalSearchPath(pybullet_data.getDataPath())
    c.setGravity(0.0, 0.0, GRAVITY)
    c.setRealTimeSimulation(0)
    # One stepSimulation call = 1/20 s made of `physics_substeps` solver steps.
    c.setPhysicsEngineParameter(
        fixedTimeStep=CONTROL_DT,
        numSubSteps=physics_substeps,
        deterministicOverlappingPairs=1,
    )
    c.loadURDF("plane.urdf")
    start_orn = c.getQuaternionFromEuler((0.0, 0.0, track.START_YAW))
    car = c.loadURDF("racecar/racecar.urdf", track.START, start_orn)

    names = {c.getJointInfo(car, j)[1].decode(): j for j in range(c.getNumJoints(car))}
    missing = [n for n in WHEEL_JOINTS + STEERING_JOINTS if n not in names]
    if missing:
        raise RuntimeError(f"racecar URDF lacks joints {missing}; has {sorted(names)}")
    wheels = [names[n] for n in WHEEL_JOINTS]
    steering = [names[n] for n in STEERING_JOINTS]
    # Free all joints of their default velocity motors (friction-like); step() drives them.
    for j in range(c.getNumJoints(car)):
        c.setJointMotorControl2(car, j, pybullet.VELOCITY_CONTROL, targetVelocity=0, force=0)

    walls: list[int] = []
    for (cx, cy), half_len, angle in track.wall_boxes():
        half = (half_len, track.WALL_THICKNESS / 2.0, track.WALL_HEIGHT / 2.0)
        col = c.createCollisionShape(pybullet.GEOM_BOX, halfExtents=half)
        vis = c.createVisualShape(
            pybullet.GEOM_BOX, halfExtents=half, rgbaColor=(0.55, 0.27, 0.07, 1.0)
        )
        wall = c.createMultiBody(
            baseMass=0.0,  # static: never moves, whatever hits it
            baseCollisionShapeIndex=col,
            baseVisualShapeIndex=vis,
            basePosition=(cx, cy, track.WALL_HEIGHT / 2.0),
            baseOrientation=c.getQuaternionFromEuler((0.0, 0.0, angle)),
        )
        walls.append(wall)
        # Visual-only goal disc (no collision shape: the car drives over it).
    goal_vis = c.createVisualShape(
        pybullet.GEOM_CYLINDER,
        radius=track.GOAL_RADIUS,
        length=0.002,
        rgbaColor=(0.1, 0.8, 0.1, 1.0),
    )
    c.createMultiBody(
        baseMass=0.0,
        baseCollisionShapeIndex=-1,
        baseVisualShapeIndex=goal_vis,
        basePosition=(track.GOAL[0], track.GOAL[1], 0.002),
    )
    # Every reset restores this snapshot (bodies and contact caches, i.e. solver warm
    # starts), then places the car: an episode does not depend on the ones before it.
    state_id = c.saveState()
    return World(car, wheels, steering, walls, state_id)


def camera_matrices(c: BulletClient, width: int, height: int) -> tuple[Any, Any, Any]:
    """The top view's view and projection matrices and the chase view's projection."""
    top_view = c.computeViewMatrix(
        cameraEyePosition=(7.5, 4.0, 40.0),
        cameraTargetPosition=(7.5, 4.0, 0.0),
        cameraUpVector=(0.0, 1.0, 0.0),
    )
    aspect = width / height
    # Vertical field of view that shows y in [-0.6, 8.6] (and x in [-0.2, 15.2] at 5:3).
    fov = math.degrees(2.0 * math.atan(max(4.6, 7.7 / aspect) / 40.0))
    top_proj = c.computeProjectionMatrixFOV(fov, aspect, 30.0, 45.0)
    chase_proj = c.computeProjectionMatrixFOV(60.0, aspect, 0.05, 30.0)
    return top_view, top_proj, chase_proj
