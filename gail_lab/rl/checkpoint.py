"""Save and load policies without pickled code.

A checkpoint is a dict of tensors and plain values written with ``torch.save`` and read with
``torch.load(weights_only=True)``, so a crafted file cannot run code. The policy class is named
by a string and looked up in :data:`POLICY_KINDS`, never imported from the file.
"""

from __future__ import annotations

import io
import pickle
import re
import warnings
import zipfile
from pathlib import Path
from typing import Any

import torch

from gail_lab.errors import GailLabError
from gail_lab.io import atomic_write_bytes, describe_head, file_kind
from gail_lab.rl.networks import CategoricalPolicy, GaussianPolicy, Policy, QPolicy

CHECKPOINT_VERSION = 1
POLICY_KINDS: dict[str, type[Policy]] = {
    cls.__name__: cls for cls in (CategoricalPolicy, GaussianPolicy, QPolicy)
}


class CheckpointError(GailLabError, ValueError):
    """A checkpoint file is missing, corrupt, unsafe or of another kind."""


def register_policy_kind(cls: type[Policy]) -> type[Policy]:
    POLICY_KINDS[cls.__name__] = cls
    return cls


def save_policy(path: str | Path, policy: Policy, meta: dict[str, Any] | None = None) -> Path:
    payload = {
        "version": CHECKPOINT_VERSION,
        "kind": type(policy).__name__,
        "init_kwargs": policy.init_kwargs,
        "state_dict": {k: v.detach().cpu() for k, v in policy.state_dict().items()},
        "meta": meta or {},
    }
    buf = io.BytesIO()
    torch.save(payload, buf)
    return atomic_write_bytes(Path(path), buf.getvalue())


def load_policy(path: str | Path, device: str = "cpu") -> tuple[Policy, dict[str, Any]]:
    path = Path(path)
    kind = file_kind(path)
    if kind == "missing":
        raise CheckpointError(f"policy checkpoint not found: {path}")
    if kind == "folder":
        raise CheckpointError(
            f"{path}: is a folder; give a policy file (a run's policy.pt), or the run dir as "
            "hydra.run.dir with eval.checkpoint=null"
        )
    if kind in ("empty", "other", "npy"):
        raise CheckpointError(
            f"{path}: not a torch checkpoint, "
            + ("the file is empty" if kind == "empty" else f"it starts {describe_head(path)}")
            + " (gail_lab policies are the policy.pt files its runs write)"
        )
    try:
        with warnings.catch_warnings():  # torch warns about the pickle protocol of foreign files
            warnings.simplefilter("ignore", UserWarning)
            payload = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as err:
        found = re.search(r"Unsupported (global: GLOBAL \S+|operand \d+)", str(err))
        raise CheckpointError(
            f"{path}: refused, the file asks to unpickle code or objects, not plain tensors and "
            f"values ({found.group(0) if found else 'weights_only load failed'})"
        ) from None
    except (RuntimeError, EOFError, zipfile.BadZipFile, OSError) as err:
        raise CheckpointError(
            f"{path}: corrupt or truncated checkpoint ({str(err).splitlines()[0]})"
        ) from None
    if not isinstance(payload, dict) or payload.get("kind") not in POLICY_KINDS:
        raise CheckpointError(
            f"{path}: not a gail_lab policy checkpoint (known kinds: {sorted(POLICY_KINDS)})"
        )
    policy = POLICY_KINDS[payload["kind"]](**payload["init_kwargs"])
    try:
        policy.load_state_dict(payload["state_dict"])
    except RuntimeError as err:
        raise CheckpointError(
            f"{path}: weights do not fit {payload['kind']}({payload['init_kwargs']}): {err}"
        ) from None
    return policy.to(device).eval(), dict(payload.get("meta", {}))
