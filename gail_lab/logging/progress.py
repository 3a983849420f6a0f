"""Progress bars (tqdm) that show steps/s and ETA and can be turned off with ``progress=false``."""

from __future__ import annotations

import sys

from tqdm.auto import tqdm


def progress_bar(total: int | None, desc: str, enabled: bool = True, unit: str = "step") -> tqdm:
    return tqdm(
        total=total,
        desc=desc,
        unit=unit,
        unit_scale=unit == "step",
        dynamic_ncols=True,
        disable=not enabled,
        file=sys.stderr,
        mininterval=0.5,
        smoothing=0.1,
    )
