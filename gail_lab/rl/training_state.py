"""Checkpoints of a whole training state, for exact resumption after preemption.

A checkpoint is one ``torch.save`` file of tensors and plain Python values (no pickled objects,
so it loads with ``weights_only=True``): model and optimizer state dicts, counters, the RNG states
of python, numpy and torch, and of each env where the vector env exposes them (sync only). Files
are written atomically (temp file + fsync + rename) as ``ckpt-<iteration>.pt``, the newest K kept;
loading takes the newest file that reads back whole, skipping (and naming) corrupt ones.
"""

from __future__ import annotations

import io
import logging
import pickle
import random
import re
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import torch

from gail_lab.io import atomic_write_bytes

log = logging.getLogger(__name__)


def generator_state(rng: np.random.Generator) -> dict[str, Any]:
    return rng.bit_generator.state  # plain dict of ints and strings


def set_generator_state(rng: np.random.Generator, state: dict[str, Any]) -> None:
    rng.bit_generator.state = state


def global_rng_state() -> dict[str, Any]:
    """python, numpy (legacy global) and torch RNG states as plain values and tensors."""
    version, internal, gauss = random.getstate()
    np_state = np.random.get_state(legacy=False)
    np_state = {
        **np_state,
        "state": {**np_state["state"], "key": np_state["state"]["key"].tolist()},
    }
    return {
        "python": [version, list(internal), gauss],
        "numpy": np_state,
        "torch": torch.get_rng_state(),
    }


def set_global_rng_state(state: dict[str, Any]) -> None:
    version, internal, gauss = state["python"]
    random.setstate((version, tuple(internal), gauss))
    np_state = dict(state["numpy"])
    np_state["state"] = {
        **np_state["state"],
        "key": np.asarray(np_state["state"]["key"], dtype=np.uint32),
    }
    np.random.set_state(np_state)
    torch.set_rng_state(state["torch"])


def env_rng_states(vec_env: gym.vector.VectorEnv) -> list[dict[str, Any]] | None:
    """Each sub-env's RNG state, where the vector env holds its envs in this process (sync)."""
    envs = getattr(vec_env, "envs", None)
    if envs is None:
        return None
    return [generator_state(env.unwrapped.np_random) for env in envs]


def set_env_rng_states(vec_env: gym.vector.VectorEnv, states: list[dict[str, Any]] | None) -> bool:
    envs = getattr(vec_env, "envs", None)
    if envs is None or states is None or len(states) != len(envs):
        return False
    for env, state in zip(envs, states, strict=True):
        rng = np.random.Generator(np.random.PCG64())
        set_generator_state(rng, state)
        env.unwrapped.np_random = rng
    return True


def env_snapshot(env: gym.Env) -> torch.Tensor | None:
    """The whole env, mid-episode, as bytes (a uint8 tensor, so the checkpoint still loads with
    ``weights_only``); None for envs that cannot be pickled (a PyBullet simulation). Restored
    only from the run's own checkpoints by :func:`restore_env`."""
    try:
        blob = pickle.dumps(env)
    except (TypeError, AttributeError, pickle.PicklingError) as err:
        log.debug("env not snapshotted (%s)", err)
        return None
    return torch.frombuffer(bytearray(blob), dtype=torch.uint8)


def restore_env(snapshot: torch.Tensor | None) -> gym.Env | None:
    return None if snapshot is None else pickle.loads(snapshot.numpy().tobytes())


class TrainingCheckpoints:
    """``ckpt-<iteration>.pt`` files in ``folder``: the training loop saves one every ``every``
    ``unit`` (a loop counter: iterations, env_steps, episodes, gradient_steps, or evaluations),
    keeps the last ``keep_last``, and loads the newest valid one."""

    PATTERN = re.compile(r"ckpt-(\d+)\.pt")

    def __init__(
        self, folder: str | Path, every: int = 10, keep_last: int = 3, unit: str = "iterations"
    ) -> None:
        self.folder, self.every, self.keep_last, self.unit = Path(folder), every, keep_last, unit

    def files(self) -> list[tuple[int, Path]]:
        if not self.folder.is_dir():
            return []
        found = [
            (int(m.group(1)), p)
            for p in self.folder.iterdir()
            if (m := self.PATTERN.fullmatch(p.name))
        ]
        return sorted(found)

    def save(self, state: dict[str, Any], iteration: int) -> Path:
        buf = io.BytesIO()
        torch.save(state, buf)
        path = atomic_write_bytes(self.folder / f"ckpt-{iteration:06d}.pt", buf.getvalue())
        for _, old in self.files()[: -self.keep_last]:
            old.unlink(missing_ok=True)
        return path

    def latest(self) -> tuple[dict[str, Any], Path] | None:
        for _, path in reversed(self.files()):
            try:
                return torch.load(path, map_location="cpu", weights_only=True), path
            except Exception as err:  # noqa: BLE001 (any unreadable file: try the one before)
                log.warning(
                    "skipping unreadable checkpoint %s (%s)", path, str(err).splitlines()[0]
                )
        return None
