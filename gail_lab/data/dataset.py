"""The demonstrations format (version 1): one ``.npz`` file, never a pickle.

Arrays (N transitions, E episodes, stored contiguously episode after episode):
  observations (N, *obs_shape) float32, raw (never normalized)
  actions (N,) int64 for Discrete, (N, *act_shape) float32 for Box
  rewards (N,) float32, the env's own reward
  next_observations (N, *obs_shape) float32
  terminated (N,) bool, truncated (N,) bool
  episode_starts (E,) int64, index of each episode's first transition
  episode_successes (E,) bool, optional: did the episode end in success (info["is_success"])
plus ``metadata``: a JSON string with format_version, env_id, observation_space, action_space,
expert (name, mean/std return), num_episodes, num_transitions, config, created_at.
Files are written atomically and loaded with ``allow_pickle=False``.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from gail_lab.data.transitions import TRANSITION_FIELDS, Transitions
from gail_lab.envs.factory import describe_space
from gail_lab.errors import GailLabError
from gail_lab.io import atomic_write_bytes, describe_head, file_kind

FORMAT_VERSION = 1


class DatasetError(GailLabError, ValueError):
    """A dataset file is missing, truncated, inconsistent, non-finite or made for another env."""


def _space_str(space: dict[str, Any]) -> str:
    if space["type"] == "Discrete":
        return f"Discrete({space['n']})"
    return f"Box(shape={tuple(space['shape'])}, dtype={space['dtype']})"


@dataclass
class Demonstrations(Transitions):
    """Expert transitions plus the metadata that says where they came from."""

    metadata: dict[str, Any] = field(default_factory=dict)

    def subset(self, use_episodes: int | None = None, every: int = 1) -> Demonstrations:
        """The first ``use_episodes`` trajectories, keeping every ``every``-th transition of each
        (from its first), as Ho & Ermon subsample their demonstrations.

        A terminated episode also keeps its last (terminal) transition, as DAC keeps its absorbing
        transitions when it subsamples: without it, no subsampled expert episode would end (the
        terminal step is a k-th one once in k), and absorbing states would be paid as an ending
        the expert never reaches. Time-limit truncations are not endings and are not kept."""
        lengths = self.episode_lengths
        if use_episodes is not None and use_episodes > self.num_episodes:
            raise DatasetError(
                f"data.use_episodes={use_episodes} but the dataset holds {self.num_episodes} "
                f"episodes: collect more (data.num_episodes) or use at most {self.num_episodes}"
            )
        n_eps = self.num_episodes if use_episodes is None else use_episodes
        keep, starts = [], []
        for start, length in zip(self.episode_starts[:n_eps], lengths[:n_eps], strict=True):
            starts.append(len(keep))
            steps = list(range(start, start + length, every))
            last = start + length - 1
            if self.terminated[last] and steps[-1] != last:
                steps.append(last)
            keep.extend(steps)
        idx = np.asarray(keep, dtype=np.int64)
        arrays = {k: v[idx] for k, v in self.arrays().items() if k != "episode_starts"}
        meta = {
            **self.metadata,
            "subset": {"use_episodes": n_eps, "every": every, "of_transitions": len(self)},
        }
        successes = None if self.episode_successes is None else self.episode_successes[:n_eps]
        return Demonstrations(
            **arrays,
            episode_starts=np.asarray(starts, dtype=np.int64),
            episode_successes=successes,
            metadata=meta,
        )

    # ------------------------------------------------------------------ io
    @property
    def reference_return(self) -> float:
        """The expert return a normalized score is measured against: the demonstrations' own mean
        return, or, for data from another policy (``data.source=random``), the expert's."""
        expert = self.metadata["expert"]
        return float(expert.get("reference_return", expert["mean_return"]))

    def save(self, path: str | Path) -> Path:
        self.validate(source="dataset to save")
        buf = io.BytesIO()
        arrays = self.arrays()
        if self.episode_successes is not None:
            arrays["episode_successes"] = np.asarray(self.episode_successes, dtype=bool)
        np.savez_compressed(
            buf, metadata=np.array(json.dumps(self.metadata, sort_keys=True, default=str)), **arrays
        )
        return atomic_write_bytes(Path(path), buf.getvalue())

    @classmethod
    def load(cls, path: str | Path) -> Demonstrations:
        path = Path(path)
        kind = file_kind(path)
        if kind == "missing":
            raise DatasetError(f"dataset not found: {path}")
        if kind == "folder":
            raise DatasetError(f"{path}: is a folder; data.path takes a dataset file (.npz)")
        if kind in ("empty", "other", "npy"):
            what = {
                "empty": "the file is empty",
                "npy": "a single NumPy array (.npy), not an .npz archive of named arrays",
            }.get(kind) or f"not an .npz archive (it starts {describe_head(path)})"
            raise DatasetError(
                f"{path}: not a gail_lab dataset, {what}; make one with task=collect"
            )
        if kind == "pickle":
            raise DatasetError(
                f"{path}: refused, the file holds pickled objects; gail_lab datasets are "
                "plain arrays, loaded with allow_pickle=False"
            )
        try:
            with np.load(path, allow_pickle=False) as f:
                missing = [k for k in (*TRANSITION_FIELDS, "metadata") if k not in f.files]
                if missing:
                    raise DatasetError(f"{path}: not a gail_lab dataset (missing {missing})")
                arrays = {k: f[k] for k in TRANSITION_FIELDS}
                if "episode_successes" in f.files:
                    arrays["episode_successes"] = f["episode_successes"].astype(bool)
                metadata = json.loads(str(f["metadata"]))
        except DatasetError:
            raise
        except (zipfile.BadZipFile, EOFError, OSError, ValueError, KeyError) as err:
            if isinstance(err, ValueError) and "pickle" in str(err):  # numpy's allow_pickle=False
                raise DatasetError(
                    f"{path}: refused, the file holds pickled objects; gail_lab datasets are "
                    "plain arrays, loaded with allow_pickle=False"
                ) from None
            raise DatasetError(
                f"{path}: truncated or corrupt dataset file ({type(err).__name__}: {err}); re-create it with task=collect"
            ) from None
        version = metadata.get("format_version")
        if version != FORMAT_VERSION:
            raise DatasetError(
                f"{path}: dataset format version {version!r}, this gail_lab reads version {FORMAT_VERSION}"
            )
        demos = cls(**arrays, metadata=metadata)
        demos.validate(source=str(path))
        return demos

    # ------------------------------------------------------------------ checks
    def validate(self, source: str = "dataset") -> None:
        n = len(self.rewards)
        for name in TRANSITION_FIELDS[:-1]:
            if len(getattr(self, name)) != n:
                raise DatasetError(
                    f"{source}: {name} has {len(getattr(self, name))} rows, rewards has {n}"
                )
        if n == 0:
            raise DatasetError(f"{source}: holds no transitions")
        starts = self.episode_starts
        if len(starts) == 0 or starts[0] != 0 or np.any(np.diff(starts) <= 0) or starts[-1] >= n:
            raise DatasetError(
                f"{source}: episode_starts is not an ascending list of offsets starting at 0"
            )
        if self.episode_successes is not None and len(self.episode_successes) != len(starts):
            raise DatasetError(
                f"{source}: episode_successes has {len(self.episode_successes)} entries for {len(starts)} episodes"
            )
        for name in ("observations", "actions", "rewards", "next_observations"):
            arr = getattr(self, name)
            if np.issubdtype(arr.dtype, np.floating) and not np.all(np.isfinite(arr)):
                bad = int(np.argwhere(~np.isfinite(arr.reshape(n, -1)))[0][0])
                raise DatasetError(
                    f"{source}: {name} holds non-finite values (first at transition {bad})"
                )

    def check_compatible(
        self, observation_space, action_space, env_id: str, source: str = "dataset"
    ) -> None:
        """Refuse a dataset recorded on spaces other than the env's, naming both."""
        want_obs, want_act = describe_space(observation_space), describe_space(action_space)
        have_obs, have_act = (
            self.metadata.get("observation_space", {}),
            self.metadata.get("action_space", {}),
        )

        def same(a: dict, b: dict) -> bool:
            keys = ("type", "n") if a.get("type") == "Discrete" else ("type", "shape")
            return all(a.get(k) == b.get(k) for k in keys)

        if not (same(want_obs, have_obs) and same(want_act, have_act)):
            raise DatasetError(
                f"{source} was recorded on {self.metadata.get('env_id')} (observations {_space_str(have_obs)}, "
                f"actions {_space_str(have_act)}) and cannot be used with {env_id} (observations "
                f"{_space_str(want_obs)}, actions {_space_str(want_act)})"
            )
        obs_shape = tuple(want_obs["shape"])
        if self.observations.shape[1:] != obs_shape:
            raise DatasetError(
                f"{source}: observations have shape {self.observations.shape[1:]}, {env_id} gives {obs_shape}"
            )
        if want_act["type"] == "Discrete":
            lo, hi = want_act["start"], want_act["start"] + want_act["n"] - 1
            if (
                not np.issubdtype(self.actions.dtype, np.integer)
                or self.actions.min() < lo
                or self.actions.max() > hi
            ):
                raise DatasetError(
                    f"{source}: actions must be integers in [{lo}, {hi}] for {env_id}"
                )
