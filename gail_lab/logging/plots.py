"""Learning-curve PNGs from a run's ``metrics.jsonl`` (x-axis: env steps)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from gail_lab.logging.run_logger import read_metrics  # noqa: E402


def plot_curves(
    metrics_path: str | Path,
    out_png: str | Path,
    panels: Sequence[tuple[str, Sequence[str]]],
    title: str = "",
) -> Path | None:
    """One panel per (title, metric keys); keys absent from the file are skipped."""
    rows = read_metrics(metrics_path)
    panels = [(t, [k for k in keys if any(k in r for r in rows)]) for t, keys in panels]
    panels = [(t, keys) for t, keys in panels if keys]
    if not panels:
        return None
    fig, axes = plt.subplots(
        len(panels), 1, figsize=(7, 2.8 * len(panels)), sharex=True, squeeze=False
    )
    for ax, (panel_title, keys) in zip(axes[:, 0], panels, strict=True):
        for key in keys:
            pts = [(r["global_step"], r[key]) for r in rows if isinstance(r.get(key), int | float)]
            if pts:
                xs, ys = zip(*pts, strict=True)
                ax.plot(xs, ys, label=key, marker="." if len(pts) < 60 else None)
        ax.set_title(panel_title, fontsize=10)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    axes[-1, 0].set_xlabel("env steps")
    if title:
        fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    out_png = Path(out_png)
    tmp = out_png.with_name(f".{out_png.name}.tmp.png")
    fig.savefig(tmp, dpi=100)
    plt.close(fig)
    tmp.replace(out_png)
    return out_png
