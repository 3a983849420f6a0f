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


def test_the_readmes_default_job_numbers_are_its_records():
    """The per-seed score and control the README quotes for the default job are the defaults
    suite's record of it, rounded as printed."""
    import json
    import re

    text = " ".join((ROOT / "README.md").read_text().split())
    m = re.search(r"over seeds 0-9 the score is ([-\d., ]+?) and the control ([-\d., ]+?):", text)
    assert m, "the README's default-job sentence moved"
    runs = json.loads((ROOT / "benchmarks/records/defaults.json").read_text())
    runs = runs["cartpole__gail_ppo"]["runs"]
    for quoted, key in zip(
        m.groups(), ("normalized_score", "control_normalized_score"), strict=True
    ):
        got = [float(v) for v in quoted.split(",")]
        want = [round(runs[str(s)][key], 2) for s in range(10)]
        assert [abs(a - b) < 0.006 for a, b in zip(got, want, strict=True)] == [True] * 10, (
            got,
            want,
        )
    controls = [runs[str(s)]["control_normalized_score"] for s in range(10)]
    assert "<= 0.1 on 8 of 10 seeds" in text and sum(c <= 0.1 for c in controls) == 8
