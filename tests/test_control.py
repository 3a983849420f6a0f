"""The random-data control of task=pipeline (eval.control): the same run on uniform-random-policy
data in <run dir>/control, its score in the summary beside the result."""

from __future__ import annotations

import json

import pytest
from conftest import TINY, run_cli


def test_pipeline_runs_the_random_data_control_beside_the_result(tmp_path):
    args = [o for o in TINY if o != "eval.control=false"]
    out = run_cli(tmp_path, *args, "task=pipeline", "eval.control=true")
    assert out.returncode == 0, out.stderr[-3000:]
    run = tmp_path / "run"
    summary = json.loads((run / "summary.json").read_text())
    control = json.loads((run / "control" / "summary.json").read_text())
    assert summary["data_source"] == "expert" and control["data_source"] == "random"
    assert summary["control_normalized_score"] == control["normalized_score"]
    assert control["expert_return"] == summary["expert_return"]  # scored against the expert
    assert control["dataset"] != summary["dataset"]
    text = out.stdout + out.stderr
    assert (
        "control (random data)" in text
        and "recipe                conf/tuned/cartpole/gail_ppo.yaml" in text
    )
    assert (run / "control" / "run.log").read_text()  # the control's own log


@pytest.mark.slow  # a pipeline run (~10 s); run by .ci/run
def test_the_summary_says_when_no_recipe_ran(tmp_path):
    out = run_cli(tmp_path, *TINY, "task=pipeline", "algo=gail_reinforce")
    assert out.returncode == 0, out.stderr[-3000:]
    text = out.stdout + out.stderr
    assert "no tuned recipe for env=cartpole algo=gail_reinforce" in text
    assert "docs/results/defaults.md" in text  # where the pair's measured score is
    assert "control (random data) not run" in text
