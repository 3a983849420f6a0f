"""Process-wide set-up done once per run: torch threads, device, the code version (seeds:
gail_lab/seeding.py)."""

from __future__ import annotations

import subprocess
from functools import cache
from pathlib import Path

import torch

from gail_lab.errors import GailLabError


def resolve_device(name: str) -> torch.device:
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise GailLabError(
            f"device={name} was asked for but no CUDA device is present; use device=cpu"
        )
    return torch.device(name)


def configure_torch(threads: int, matmul_precision: str = "highest") -> None:
    torch.set_num_threads(threads)
    torch.set_float32_matmul_precision(matmul_precision)


CONF_DIR = Path(__file__).resolve().parent.parent / "conf"  # the config tree run.py composes
CODE = ("gail_lab", "conf", "run.py", "pyproject.toml")  # what makes a run's numbers


@cache
def code_version() -> dict[str, str | bool | None]:
    """The git commit of the gail_lab checkout that runs, and whether its code (``CODE``: the
    package, the configs, the entrypoint, the dependencies) differs from it (``dirty``; edited
    benchmark records or docs do not count): recorded in every pipeline summary, so a result
    names the code that made it. None for both outside a git checkout (an installed wheel)."""
    where = str(Path(__file__).resolve().parents[1])

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", "-C", where, *args], capture_output=True, text=True, timeout=10, check=True
        ).stdout

    try:
        commit = git("rev-parse", "HEAD").strip()
        status = git("status", "--porcelain", "--untracked-files=no", "--", *CODE)
    except (OSError, subprocess.SubprocessError):
        return {"commit": None, "dirty": None}
    return {"commit": commit, "dirty": bool(status.strip())}
