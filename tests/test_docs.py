"""The README is a door: short, for users, and every link in it (and in docs/) resolves."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import ROOT

PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def test_readme_is_short_and_written_for_users():
    text = (ROOT / "README.md").read_text()
    assert len(text.splitlines()) <= 250
    assert not re.search(r"\b[Ii]ssue \d+|#\d+\b", text)  # no issue numbers
    assert "probe" not in text.lower()
    assert "/work/" not in text and "../shared" not in text  # no machine paths


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_link_resolves_to_a_file(page: Path):
    for target in LINK.findall(page.read_text()):
        if target.startswith(("http://", "https://", "mailto:", "#")):
            continue
        path = (page.parent / target.split("#")[0]).resolve()
        assert path.exists(), f"{page.relative_to(ROOT)} links to {target}, which does not exist"


def test_the_readmes_default_job_numbers_are_facts_of_its_records():
    """The README quotes the default job's per-seed score and control as facts of the defaults
    suite's record (benchmarks/facts.py), which docs_tables --check holds to the record."""
    text = (ROOT / "README.md").read_text()
    for spec in (
        "defaults/cartpole__gail_ppo normalized_score seeds",
        "defaults/cartpole__gail_ppo control_normalized_score seeds",
    ):
        assert f"<!-- fact {spec} -->" in text, spec


def test_the_default_jobs_recipe_line_quotes_its_reporting_seeds_record():
    """The summary's recipe line for the default job (conf/tuned/cartpole/gail_ppo.yaml's
    `measured`) quotes the reporting seeds 0-9, not the tuning seeds: checked against the
    defaults suite's record."""
    import json
    import re

    from omegaconf import OmegaConf

    measured = OmegaConf.load(ROOT / "conf/tuned/cartpole/gail_ppo.yaml").recipe.measured
    m = re.search(
        r"on seeds 0-9 normalized >= 0.95 on (\d+) of 10 \(seed 1: ([\d.]+)\), random-data"
        r" control <= 0.1 on (\d+) of 10 \(at most ([\d.]+);",
        measured,
    )
    assert m, measured
    runs = json.loads((ROOT / "benchmarks/records/defaults.json").read_text())
    runs = runs["cartpole__gail_ppo"]["runs"]
    scores = [runs[str(s)]["normalized_score"] for s in range(10)]
    controls = [runs[str(s)]["control_normalized_score"] for s in range(10)]
    assert int(m.group(1)) == sum(x >= 0.95 for x in scores)
    assert float(m.group(2)) == round(scores[1], 2)
    assert int(m.group(3)) == sum(c <= 0.1 for c in controls)
    assert float(m.group(4)) == round(max(controls), 2)
