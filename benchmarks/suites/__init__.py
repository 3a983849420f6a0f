"""The benchmark suites of the results pages (docs/results/), by name. Run and tabulated by
benchmarks/tables.py; what a suite is: benchmarks/suites/base.py."""

from __future__ import annotations

from benchmarks.suites.base import COMMON, SEEDS, Column, Row, Suite, cell
from benchmarks.suites.cartpole import CARTPOLE, CARTPOLE_OFFLINE
from benchmarks.suites.classic import CLASSIC, CLASSIC_FIX, CLASSIC_SUB
from benchmarks.suites.dac import DAC_SUITE
from benchmarks.suites.defaults import DEFAULTS
from benchmarks.suites.mujoco import MUJOCO
from benchmarks.suites.racecar import RACECAR

__all__ = ["COMMON", "SEEDS", "SUITES", "Column", "Row", "Suite", "cell"]

SUITES = {
    "racecar": RACECAR,
    "cartpole": CARTPOLE,
    "cartpole_offline": CARTPOLE_OFFLINE,
    "classic": CLASSIC,
    "classic_fix": CLASSIC_FIX,
    "classic_sub": CLASSIC_SUB,
    "dac": DAC_SUITE,
    "defaults": DEFAULTS,
    "mujoco": MUJOCO,
}
