"""requirements.lock (make lock, .ci/lock.py) agrees with pyproject.toml, and the environment
holds exactly what it locks (make install installs from it)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _lock():
    spec = importlib.util.spec_from_file_location("ci_lock", ROOT / ".ci" / "lock.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


def test_the_lock_agrees_with_pyproject():
    assert _lock().problems() == []


def test_this_environment_holds_exactly_the_locked_versions():
    assert _lock().problems(installed=True) == []


def test_a_changed_requirement_or_a_pin_outside_its_range_is_caught(tmp_path, monkeypatch):
    lock = _lock()
    pyproject = tmp_path / "pyproject.toml"
    text = (ROOT / "pyproject.toml").read_text()
    pyproject.write_text(text.replace('"numpy>=1.26,<3"', '"numpy>=1.26,<2"'))
    monkeypatch.setattr(lock, "PYPROJECT", pyproject)
    found = lock.problems()
    assert any("changed since" in p for p in found)
    assert any(p.startswith("requirements.lock pins numpy==") for p in found)
    pyproject.write_text(text.replace('"tqdm>=4.66",', '"tqdm>=4.66",\n    "no-such-package>=1",'))
    assert any("no-such-package" in p and "not in" in p for p in lock.problems())
