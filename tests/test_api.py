"""gail_lab from Python: importing it registers the envs, compose checks overrides as run.py
does, run + load_policy drive a plain gymnasium loop (examples/quickstart.py, run here)."""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import ROOT, TINY

import gail_lab
from gail_lab.config import ConfigValueError


def test_import_gail_lab_registers_the_racecar():
    code = "import gail_lab, gymnasium; gymnasium.make('gail_lab/Racecar-v1').reset(seed=0)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr


def test_compose_checks_like_the_command_line():
    cfg = gail_lab.compose(["env=racecar", "algo=gail_ppo"])
    assert cfg.recipe.name == "racecar/gail_ppo"
    with pytest.raises(ConfigValueError, match="optimizer.lr: must be > 0"):
        gail_lab.compose(["optimizer.lr=-1"])
    with pytest.raises(Exception, match="gial"):
        gail_lab.compose(["algo=gial"])


@pytest.mark.slow  # a whole pipeline run (~20 s); run by .ci/run
def test_quickstart_example_runs_and_its_policy_acts_on_raw_observations(tmp_path):
    tiny = [o for o in TINY if not o.startswith("data.num_transitions")]
    out = subprocess.run(
        [
            sys.executable,
            str(ROOT / "examples" / "quickstart.py"),
            *tiny,
            f"artifacts_dir={tmp_path}/a",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    assert "one greedy episode in a plain gymnasium loop: return" in out.stdout
    policy = gail_lab.load_policy(tmp_path / "outputs" / "quickstart" / "imitate" / "policy.pt")
    action = policy.act([0.0, 0.0, 0.01, 0.0])  # one raw observation in, one action out
    assert action.shape == () and int(action) in (0, 1)
    assert policy.act([[0.0, 0.0, 0.01, 0.0]] * 3).shape == (3,)
