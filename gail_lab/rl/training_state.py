"""Checkpoints of a whole training state, for exact resumption after preemption.

A checkpoint is one ``torch.save`` file of tensors and plain Python values (no pickled objects,
so it loads with ``weights_only=True``): model and optimizer state dicts, counters, the RNG states
of python, numpy and torch, and of each env where the vector env exposes them (sync only). Files
are written atomically (temp file + fsync + rename) as ``ckpt-<iteration>.pt``, the newest K kept;
loading takes the newest file that reads back whole, skipping (and naming) corrupt ones.
"""

from __future__ import annotations

import fcntl
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

from gail_lab.errors import GailLabError
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


class ResumeMismatchError(GailLabError):
    """The run dir's checkpoints belong to a run with another config: resuming would mix them."""


class RunDirBusyError(GailLabError):
    """Another live process is writing checkpoints to the same stage dir."""


def differences(saved: dict[str, Any], current: dict[str, Any]) -> list[str]:
    """``key: saved -> current`` for every flat key whose value differs."""
    keys = sorted(set(saved) | set(current))
    missing = "(not set)"
    return [
        f"{k}: {saved.get(k, missing)!r} -> {current.get(k, missing)!r}"
        for k in keys
        if saved.get(k, missing) != current.get(k, missing)
    ]


class TrainingCheckpoints:
    """``ckpt-<iteration>.pt`` files in ``folder``: the training loop saves one every ``every``
    ``unit`` (a loop counter: iterations, env_steps, episodes, gradient_steps, or evaluations),
    keeps the last ``keep_last``, and loads the newest valid one.

    ``fingerprint`` (flat ``{key: value}`` of the config that shapes training) is saved in every
    checkpoint; a checkpoint whose fingerprint differs is refused (:class:`ResumeMismatchError`,
    naming the keys), so a run dir resumes only the run that wrote it. ``lock`` makes this process
    the folder's only writer until it exits."""

    PATTERN = re.compile(r"ckpt-(\d+)\.pt")

    def __init__(
        self,
        folder: str | Path,
        every: int,
        keep_last: int,
        unit: str,
        fingerprint: dict[str, Any] | None = None,
    ) -> None:
        self.folder, self.every, self.keep_last, self.unit = Path(folder), every, keep_last, unit
        self.fingerprint = fingerprint  # None: no check (unit tests)
        self._lock_file = None

    def lock(self) -> None:
        """An exclusive lock on the folder (``fcntl.flock``, released by the OS when the process
        dies); a second live writer stops here with one line."""
        self.folder.mkdir(parents=True, exist_ok=True)
        f = open(self.folder / ".lock", "a+")  # noqa: SIM115 (held until unlock or exit)
        try:
            fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            f.close()
            raise RunDirBusyError(
                f"another run is writing to {self.folder} right now; wait for it, or give this "
                "one its own hydra.run.dir"
            ) from None
        self._lock_file = f

    def unlock(self) -> None:
        if self._lock_file is not None:
            self._lock_file.close()  # closing the descriptor releases the lock
            self._lock_file = None

    def remove_stale_temp_files(self) -> None:
        """Temp files of checkpoint writes a killed process never finished (full-size, hidden)."""
        if self.folder.is_dir():
            for tmp in self.folder.glob(".ckpt-*.tmp"):
                log.info("removing %s, left by an interrupted checkpoint write", tmp.name)
                tmp.unlink(missing_ok=True)

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
        torch.save({**state, "fingerprint": self.fingerprint}, buf)
        path = atomic_write_bytes(self.folder / f"ckpt-{iteration:06d}.pt", buf.getvalue())
        for _, old in self.files()[: -self.keep_last]:
            old.unlink(missing_ok=True)
        return path

    def latest(self) -> tuple[dict[str, Any], Path] | None:
        """The newest checkpoint that reads back whole (older ones tried in turn), refused when
        it was written by a run with another config."""
        self.remove_stale_temp_files()
        for _, path in reversed(self.files()):
            try:
                state = torch.load(path, map_location="cpu", weights_only=True)
            except Exception as err:  # noqa: BLE001 (any unreadable file: try the one before)
                why = (str(err).splitlines() or [type(err).__name__])[0]
                log.warning("skipping unreadable checkpoint %s (%s)", path, why)
                continue
            self.check_same_run(state, path)
            return state, path
        return None

    def check_same_run(self, state: dict[str, Any], path: Path) -> None:
        if self.fingerprint is None:
            return
        saved = state.get("fingerprint")
        if saved == self.fingerprint:
            return
        what = (
            "was written by an older gail_lab that did not record its config"
            if saved is None
            else "belongs to a run with another config: "
            + "; ".join(differences(saved, self.fingerprint)[:8])
        )
        raise ResumeMismatchError(
            f"{path} {what}. Resuming would mix two runs: give this run its own dir "
            f"(hydra.run.dir=...), or delete {self.folder} to start this stage over"
        )
