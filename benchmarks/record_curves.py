"""Learning curves of a suite from its records (benchmarks/records/<suite>.json), so that they
rebuild from a clean checkout as the tables do: one panel per env of the suite's rows (their
`env=` override), one line per row, the mean over its recorded seeds with their range shaded;
above, the training evaluations' normalized return (R - R_random) / (R_expert - R_random), each
run's own R_expert and R_random, with the published scores the suite names (`anchors`) as grey
dotted lines; below, their success rate where the runs logged one.

    .venv/bin/python -m benchmarks.record_curves precision   # docs/img/precision_curves.png
    .venv/bin/python -m benchmarks.record_curves racecar_evidence --rows dac_pure dac_pure_timeouts

Runs recorded before records kept curves (`curve.steps`, benchmarks/suite_tables.py) are left
out and counted in the legend's seed count. Offline learners' rows (bc, gail_offline) are left
out: their evaluations count gradient steps or epochs, not env steps.
"""

from __future__ import annotations

import argparse
import io
import textwrap
from pathlib import Path

import numpy as np

from benchmarks import ROOT
from benchmarks.classic_curves import mean_curve
from benchmarks.suite_tables import load_records, record_matches, row_command
from benchmarks.suites import SUITES, Row, Suite
from gail_lab.io import atomic_write_bytes
from gail_lab.tasks.evaluate import normalized_score

COLOURS = ("tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple", "tab:brown")


OFFLINE = ("bc", "gail_offline")  # their curves count gradient steps or epochs, not env steps


def override(suite: Suite, row: Row, key: str) -> str | None:
    """The value of the row's last `key=` override (the suite's common ones first), or None."""
    values = [o.split("=", 1)[1] for o in row_command(suite, row) if o.startswith(f"{key}=")]
    return values[-1] if values else None


def env_of(suite: Suite, row: Row) -> str:
    return override(suite, row, "env") or "default env"


def algo_of(suite: Suite, row: Row) -> str | None:
    return override(suite, row, "algo")


def row_curves(runs: list[dict], key: str) -> list[tuple[np.ndarray, np.ndarray]]:
    """Each run's (env steps, values) of `key` ('normalized' for the normalized return)."""
    out = []
    for r in runs:
        steps = r.get("curve.steps")
        if not steps:
            continue
        if key == "normalized":
            lo, hi = r.get("random_return"), r.get("expert_return")
            if lo is None or hi is None or hi == lo:
                continue
            values = [normalized_score(v, hi, lo) for v in r["curve.eval/return_mean"]]
        elif f"curve.{key}" in r:
            values = r[f"curve.{key}"]
        else:
            continue
        out.append((np.asarray(steps, float), np.asarray(values, float)))
    return out


def plot(suite_name: str, rows: list[str] | None = None) -> bytes:
    """The suite's curves as PNG bytes."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    suite, records = SUITES[suite_name], load_records(suite_name)
    chosen = [
        r
        for r in suite.rows
        if (rows is None or r.name in rows) and algo_of(suite, r) not in OFFLINE
    ]
    recorded = {
        r.name: list(records[r.name]["runs"].values())
        for r in chosen
        if record_matches(suite, r, records.get(r.name))
    }
    envs = list(dict.fromkeys(env_of(suite, r) for r in chosen if r.name in recorded))
    if not envs:
        raise SystemExit(f"{suite_name}: no current record of the rows {[r.name for r in chosen]}")
    panels = [("normalized", "normalized return"), ("eval/success_rate", "success rate")]
    runs = [run for name in recorded for run in recorded[name]]
    if not any("curve.eval/success_rate" in run for run in runs):
        panels = panels[:1]  # no env of these rows logs a success rate
    fig, axes = plt.subplots(
        len(panels), len(envs), figsize=(6 * len(envs), 1 + 3.5 * len(panels)), squeeze=False
    )
    for j, env in enumerate(envs):
        env_rows = [r for r in chosen if r.name in recorded and env_of(suite, r) == env]
        for i, (key, label) in enumerate(panels):
            ax = axes[i, j]
            for k, row in enumerate(env_rows):
                runs = recorded[row.name]
                curves = row_curves(runs, key)
                if not curves:
                    continue
                grid, mean, low, high = mean_curve(curves)
                colour = COLOURS[k % len(COLOURS)]
                name = f"{row.what} ({len(curves)} of {len(runs)} seeds)"
                ax.plot(grid, mean, color=colour, label=textwrap.fill(name, 60))
                ax.fill_between(grid, low, high, color=colour, alpha=0.15)
            if not ax.lines:
                ax.set_visible(False)
                continue
            if key == "normalized":  # the published numbers the suite sets beside its own
                for m, (source, score) in enumerate(suite.anchors.get(env, {}).items()):
                    ax.axhline(score, color="grey", ls=(0, (1 + m, 2)), lw=1, label=source)
            ax.set_title(env if i == 0 else f"{env}: {label}", fontsize=9)
            ax.set_xlabel("env steps")
            ax.set_ylabel(label)
            ax.grid(alpha=0.3)
        shown = [ax for ax in axes[:, j] if ax.get_visible()]
        if shown:  # one legend per env, under its panels
            shown[-1].legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.22))
    seeds = f"seeds {suite.seeds[0]}-{suite.seeds[-1]}"
    fig.suptitle(f"{suite_name}: training evaluations, mean and range over {seeds}", fontsize=10)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    plt.close(fig)
    return buf.getvalue()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("suite", choices=sorted(SUITES))
    ap.add_argument("--rows", nargs="*", help="row names (default: all)")
    ap.add_argument("--out", type=Path, help="default: docs/img/<suite>_curves.png")
    args = ap.parse_args(argv)
    out = args.out or ROOT / "docs" / "img" / f"{args.suite}_curves.png"
    atomic_write_bytes(out, plot(args.suite, args.rows))
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
