"""Copy benchmarks/results/<suite>/table.md into the README between its
`<!-- <suite>-table -->` markers (the Results section), without the table's own title.

    .venv/bin/python benchmarks/readme_tables.py racecar cartpole
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main(suites: list[str]) -> int:
    readme = ROOT / "README.md"
    text = readme.read_text()
    for suite in suites:
        table = (ROOT / "benchmarks" / "results" / suite / "table.md").read_text()
        body = table.split("\n", 2)[2].strip()  # drop the "# suite: ..." title line
        start, end = f"<!-- {suite}-table -->", f"<!-- /{suite}-table -->"
        pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.S)
        if not pattern.search(text):
            print(f"README.md has no {start} ... {end} markers")
            return 1
        block = f"{start}\n{body}\n{end}"
        text = pattern.sub(lambda _, block=block: block, text)
    readme.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
