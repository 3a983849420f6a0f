"""gail_lab's benchmarks, run as modules from the repository root (`python -m benchmarks.tables
racecar`): the suites of `run.py` rows behind the results pages (suites/*.yaml, run by
tables.py), the measurement scripts (speed, experts), and the records they write (records/, in
git), from which docs_tables.py rebuilds every table of docs/results/ and the README."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]  # the repository: run.py, conf/, docs/
RECORDS = ROOT / "benchmarks" / "records"
