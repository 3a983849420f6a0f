"""Geometry of the racecar track, a pure-pursuit driver, and plotting / video helpers.

The track is a walled corridor in the plane, built from the straight wall segments in
:data:`WALLS` (each a static box 0.3 m thick and 0.5 m high, centred on its segment and extended
by half the thickness at both ends so that corners close). The car starts at :data:`START` facing
+y and must reach the circle of radius :data:`GOAL_RADIUS` around :data:`GOAL`. The corridor
runs up from the start box (x in [0, 2]), right along y in [2, 4] to x = 8..10, up along
x in [8, 10] to y = 6..8, and right along y in [6, 8] to the dead end at x = 15 near the goal.

:data:`CENTERLINE` is a hand-made path of waypoints through the corridor;
:func:`pure_pursuit_action` follows it from the raw car pose (x, y, yaw) and is the basis of a
scripted expert. Everything here is plain geometry: no PyBullet, no global state.
"""

from __future__ import annotations

import io
import math
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from gail_lab.io import atomic_write_bytes

#: Wall segments ((x0, y0), (x1, y1)) in metres.
WALLS: tuple[tuple[tuple[float, float], tuple[float, float]], ...] = (
    ((0.0, 0.0), (2.0, 0.0)),
    ((0.0, 0.0), (0.0, 4.0)),
    ((2.0, 0.0), (2.0, 2.0)),
    ((0.0, 4.0), (8.0, 4.0)),
    ((2.0, 2.0), (10.0, 2.0)),
    ((10.0, 2.0), (10.0, 6.0)),
    ((10.0, 6.0), (15.0, 6.0)),
    ((8.0, 4.0), (8.0, 8.0)),
    ((8.0, 8.0), (15.0, 8.0)),
    ((15.0, 6.0), (15.0, 8.0)),
)
WALL_THICKNESS = 0.3
WALL_HEIGHT = 0.5

#: Nominal start (x, y, z) of the car's base (rear-axle centre) and its yaw (facing +y).
START: tuple[float, float, float] = (0.5, 0.5, 0.1)
START_YAW = math.pi / 2
#: Goal centre (x, y); the episode succeeds when the car's base is closer than GOAL_RADIUS.
GOAL: tuple[float, float] = (14.5, 7.5)
GOAL_RADIUS = 1.0

#: Waypoints of the path through the corridor, from the start to the goal.
CENTERLINE: tuple[tuple[float, float], ...] = (
    (0.5, 0.5),
    (1.0, 3.0),
    (9.0, 3.0),
    (9.0, 7.0),
    (14.5, 7.5),
)

#: Distance between the rear and the front axle of the racecar URDF, in metres.
WHEELBASE = 0.325
#: Plot extent (xmin, xmax, ymin, ymax) that contains all walls with a margin.
EXTENT = (-0.5, 15.5, -0.5, 8.5)


def wall_boxes(
    walls: Sequence[tuple[tuple[float, float], tuple[float, float]]] = WALLS,
    thickness: float = WALL_THICKNESS,
) -> list[tuple[tuple[float, float], float, float]]:
    """Each wall as a box footprint ``((cx, cy), half_length, angle)``.

    The half length includes half the thickness at each end, so that walls meeting at a corner
    overlap and leave no gap; ``angle`` is the direction of the segment (radians).
    """
    boxes = []
    for (x0, y0), (x1, y1) in walls:
        length = math.hypot(x1 - x0, y1 - y0)
        boxes.append(
            (
                ((x0 + x1) / 2.0, (y0 + y1) / 2.0),
                length / 2.0 + thickness / 2.0,
                math.atan2(y1 - y0, x1 - x0),
            )
        )
    return boxes


def distance_to_walls(
    x: float,
    y: float,
    walls: Sequence[tuple[tuple[float, float], tuple[float, float]]] = WALLS,
) -> float:
    """Distance from the point (x, y) to the nearest wall *segment* (not to its face)."""
    best = math.inf
    for (x0, y0), (x1, y1) in walls:
        dx, dy = x1 - x0, y1 - y0
        t = ((x - x0) * dx + (y - y0) * dy) / (dx * dx + dy * dy)
        t = min(1.0, max(0.0, t))
        best = min(best, math.hypot(x - (x0 + t * dx), y - (y0 + t * dy)))
    return best


#: Directions of the range finder's rays (``obs_mode="rays"``), relative to the car's heading
#: (radians, positive to the left), and their range in metres.
RAY_ANGLES: tuple[float, ...] = tuple(math.radians(a) for a in range(-90, 91, 30))
RAY_RANGE = 6.0


class RayCaster:
    """Distances from a point along rays to the nearest wall *face* (the walls' boxes of
    :func:`wall_boxes`), capped at ``max_range``: a 2D range finder, in plain geometry.

    Each ray is intersected with every box by the slab method in the box's own frame; a ray that
    starts inside a box reads 0.
    """

    def __init__(
        self,
        angles: Sequence[float] = RAY_ANGLES,
        max_range: float = RAY_RANGE,
        walls: Sequence[tuple[tuple[float, float], tuple[float, float]]] = WALLS,
        thickness: float = WALL_THICKNESS,
    ) -> None:
        boxes = wall_boxes(walls, thickness)
        self.angles = np.asarray(angles, np.float64)
        self.max_range = float(max_range)
        self._centre = np.array([c for c, _, _ in boxes])  # (B, 2)
        self._half = np.array([(h, thickness / 2.0) for _, h, _ in boxes])  # (B, 2)
        theta = np.array([a for _, _, a in boxes])
        self._cos, self._sin = np.cos(theta), np.sin(theta)

    def __call__(self, x: float, y: float, yaw: float) -> np.ndarray:
        """The distance along each ray from (x, y) for a car heading ``yaw``."""
        ang = yaw + self.angles  # (R,)
        dx, dy = np.cos(ang)[:, None], np.sin(ang)[:, None]  # (R, 1)
        px, py = x - self._centre[:, 0], y - self._centre[:, 1]  # (B,)
        # into each box's frame (rotate by -theta)
        lpx, lpy = px * self._cos + py * self._sin, -px * self._sin + py * self._cos
        ldx, ldy = dx * self._cos + dy * self._sin, -dx * self._sin + dy * self._cos  # (R, B)
        hx, hy = self._half[:, 0], self._half[:, 1]
        with np.errstate(divide="ignore", invalid="ignore"):
            tx1, tx2 = (-hx - lpx) / ldx, (hx - lpx) / ldx
            ty1, ty2 = (-hy - lpy) / ldy, (hy - lpy) / ldy
        # a ray parallel to a slab: inside it for every t, or never
        inside_x, inside_y = np.abs(lpx) <= hx, np.abs(lpy) <= hy
        tx_lo = np.where(ldx == 0, np.where(inside_x, -np.inf, np.inf), np.minimum(tx1, tx2))
        tx_hi = np.where(ldx == 0, np.where(inside_x, np.inf, -np.inf), np.maximum(tx1, tx2))
        ty_lo = np.where(ldy == 0, np.where(inside_y, -np.inf, np.inf), np.minimum(ty1, ty2))
        ty_hi = np.where(ldy == 0, np.where(inside_y, np.inf, -np.inf), np.maximum(ty1, ty2))
        t_in, t_out = np.maximum(tx_lo, ty_lo), np.minimum(tx_hi, ty_hi)
        hit = t_out >= np.maximum(t_in, 0.0)  # the box lies (partly) ahead on the ray
        dist = np.where(hit, np.maximum(t_in, 0.0), np.inf).min(axis=1)
        return np.minimum(dist, self.max_range)


def _wrap(angle: float) -> float:
    return (angle + math.pi) % (2.0 * math.pi) - math.pi


def _lookahead_point(
    x: float, y: float, waypoints: Sequence[tuple[float, float]], lookahead: float
) -> tuple[float, float]:
    """The pure-pursuit target: where the circle of radius ``lookahead`` around (x, y) leaves
    the path.

    The car is first projected onto the path (nearest point of the polyline); the target is the
    first point beyond that projection whose distance from the car is ``lookahead``. Past the
    last waypoint the last segment is extended in a straight line. When the car is more than
    ``lookahead`` away from the path (no such point), the target is ``lookahead`` metres along
    the path beyond the projection.
    """
    best_d, seg, best_t = math.inf, 0, 0.0
    last = len(waypoints) - 2
    for i in range(last + 1):
        (x0, y0), (x1, y1) = waypoints[i], waypoints[i + 1]
        dx, dy = x1 - x0, y1 - y0
        t = ((x - x0) * dx + (y - y0) * dy) / (dx * dx + dy * dy)
        t = min(1.0, max(0.0, t))
        d = math.hypot(x - (x0 + t * dx), y - (y0 + t * dy))
        if d < best_d:
            best_d, seg, best_t = d, i, t
    r2 = lookahead * lookahead
    t_min = best_t
    for i in range(seg, last + 1):
        (x0, y0), (x1, y1) = waypoints[i], waypoints[i + 1]
        dx, dy = x1 - x0, y1 - y0
        fx, fy = x0 - x, y0 - y
        # |f + t d|^2 = r^2  ->  a t^2 + 2 b t + c = 0; take the far root (leaving the circle).
        a = dx * dx + dy * dy
        b = fx * dx + fy * dy
        c = fx * fx + fy * fy - r2
        disc = b * b - a * c
        if disc >= 0.0:
            t = (-b + math.sqrt(disc)) / a
            if t >= t_min and (t <= 1.0 or i == last):
                return x0 + t * dx, y0 + t * dy
        t_min = 0.0
    # Off the path by more than `lookahead`: walk `lookahead` metres along it instead.
    remaining, i, t = lookahead, seg, best_t
    while True:
        (x0, y0), (x1, y1) = waypoints[i], waypoints[i + 1]
        seg_len = math.hypot(x1 - x0, y1 - y0)
        if remaining <= (1.0 - t) * seg_len or i == last:
            t += remaining / seg_len
            return x0 + t * (x1 - x0), y0 + t * (y1 - y0)
        remaining -= (1.0 - t) * seg_len
        i, t = i + 1, 0.0


def pure_pursuit_action(
    x: float,
    y: float,
    yaw: float,
    waypoints: Sequence[tuple[float, float]] = CENTERLINE,
    lookahead: float = 0.8,
    wheelbase: float = WHEELBASE,
    corner_radius: float = 1.0,
    corner_throttle: float = 0.2,
) -> np.ndarray:
    """Pure-pursuit [steer, throttle] for the racecar env, from the raw pose of its base.

    ``(x, y)`` is the rear-axle centre (the car's base), ``yaw`` its heading (radians, 0 = +x);
    see ``RacecarEnv.pose()``. The target is where the circle of radius ``lookahead`` around the
    car leaves the path of ``waypoints``, beyond the car's projection on it; the steering angle
    is the pure-pursuit ``atan(2 L sin(alpha) / lookahead)`` where ``alpha`` is the angle from
    the heading to the target (positive = target on the left). The env's convention is that
    ``steer > 0`` turns RIGHT, so ``steer = -angle``, clipped to [-1, 1]. Throttle is 1 on
    straights and ``corner_throttle`` within ``corner_radius`` metres of an interior waypoint
    (a corner). Returns a float32 array [steer, throttle].

    Measured in ``RacecarEnv`` (default start noise): reaches the goal on 300/300 seeded episodes
    in about 305 steps at 1, 2, 4 and 8 substeps. The car understeers in the corners (all four
    wheels are driven at the same speed, so they scrub), and on rare seeds it passes a corner
    within a centimetre of the outer wall: a scripted expert may want a wider margin.
    """
    px, py = _lookahead_point(x, y, waypoints, lookahead)
    alpha = _wrap(math.atan2(py - y, px - x) - yaw)
    angle = math.atan(2.0 * wheelbase * math.sin(alpha) / lookahead)
    steer = min(1.0, max(-1.0, -angle))
    throttle = 1.0
    for cx, cy in waypoints[1:-1]:
        if math.hypot(x - cx, y - cy) < corner_radius:
            throttle = corner_throttle
            break
    return np.array([steer, throttle], dtype=np.float32)


def plot_track(
    ax: Any = None,
    trajectories: Sequence[np.ndarray] | None = None,
    labels: Sequence[str] | None = None,
    out_png: str | os.PathLike[str] | None = None,
) -> Any:
    """Draw the track top-down: walls (0.3 m rectangles), start, goal circle, xy trajectories.

    ``trajectories`` is any number of (N, 2) arrays of (x, y) positions, labelled in the legend
    by ``labels`` (default "trajectory i"). Draws on ``ax`` if given, else on a new figure. With
    ``out_png`` the figure is saved there atomically (temp file in the same folder, then
    ``os.replace``). Returns the axes.
    """
    if ax is None:
        from matplotlib.figure import Figure  # no pyplot: no global figure state, no GUI backend

        fig = Figure(figsize=(10, 5.6), dpi=100)
        ax = fig.add_subplot(1, 1, 1)
    else:
        fig = ax.figure
    from matplotlib.patches import Circle, Rectangle
    from matplotlib.transforms import Affine2D

    for (cx, cy), half_len, angle in wall_boxes():
        rect = Rectangle(
            (-half_len, -WALL_THICKNESS / 2.0),
            2.0 * half_len,
            WALL_THICKNESS,
            facecolor="0.35",
            edgecolor="0.15",
            linewidth=0.5,
        )
        rect.set_transform(Affine2D().rotate(angle).translate(cx, cy) + ax.transData)
        ax.add_patch(rect)
    ax.add_patch(
        Circle(GOAL, GOAL_RADIUS, facecolor=(0.2, 0.8, 0.2, 0.25), edgecolor="green", lw=1.5)
    )
    ax.plot(*GOAL, marker="*", color="green", markersize=12, linestyle="none", label="goal")
    ax.plot(
        START[0], START[1], marker="o", color="blue", markersize=8, linestyle="none", label="start"
    )
    for i, traj in enumerate(trajectories or []):
        xy = np.asarray(traj, dtype=float).reshape(-1, 2)
        label = labels[i] if labels is not None and i < len(labels) else f"trajectory {i}"
        ax.plot(xy[:, 0], xy[:, 1], linewidth=1.5, label=label)
    ax.set_xlim(EXTENT[0], EXTENT[1])
    ax.set_ylim(EXTENT[2], EXTENT[3])
    ax.set_aspect("equal")
    ax.set_xlabel("x (m)")
    ax.set_ylabel("y (m)")
    ax.grid(True, alpha=0.3)
    ax.legend(loc="lower right", fontsize=8)
    if out_png is not None:
        buf = io.BytesIO()
        fig.savefig(buf, format="png", bbox_inches="tight")
        atomic_write_bytes(Path(out_png), buf.getvalue())
    return ax


def save_video(frames: Sequence[np.ndarray], path: str | os.PathLike[str], fps: int = 20) -> Path:
    """Write HxWx3 uint8 ``frames`` as an animated .gif at ``path`` (atomically); returns the path.

    Uses Pillow when it is installed, else matplotlib's animation writer (which needs Pillow
    for .gif too, or ImageMagick on the PATH).
    """
    path = Path(path)
    if not frames:
        raise ValueError("save_video: no frames")
    arrays = [np.ascontiguousarray(np.asarray(f)[..., :3], dtype=np.uint8) for f in frames]
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(
        prefix=f".{path.name}.", suffix=path.suffix or ".gif", dir=path.parent
    )
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        try:
            from PIL import Image
        except ImportError:
            _save_video_matplotlib(arrays, tmp, fps)
        else:
            images = [Image.fromarray(a) for a in arrays]
            images[0].save(
                tmp,
                format="GIF",
                save_all=True,
                append_images=images[1:],
                duration=max(1, round(1000 / fps)),
                loop=0,
            )
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def _save_video_matplotlib(frames: list[np.ndarray], path: Path, fps: int) -> None:
    from matplotlib import animation
    from matplotlib.figure import Figure

    h, w = frames[0].shape[:2]
    fig = Figure(figsize=(w / 100.0, h / 100.0), dpi=100)
    ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
    ax.axis("off")
    image = ax.imshow(frames[0])

    def update(i: int) -> list[Any]:
        image.set_data(frames[i])
        return [image]

    anim = animation.FuncAnimation(fig, update, frames=len(frames), interval=1000 / fps)
    writer = "pillow" if animation.writers.is_available("pillow") else "imagemagick"
    anim.save(str(path), writer=writer, fps=fps)
