"""The benchmark suites of the results pages (docs/results/), one data file each:
benchmarks/suites/<suite>.yaml. A suite is a list of named rows, each a multirun of `run.py`
over the row's seeds with the suite's `common` overrides and then the row's own, and what its
table shows: the columns (keys of the runs' summaries) and the text above them. One runner runs
and tabulates every suite: `python -m benchmarks.tables <suite>`.

A suite file holds the fields of `Suite` below (`rows` a list of `Row`, `columns` of `Column`).
`note`, `revision_note` and `columns` may name another suite's with an OmegaConf interpolation
(`columns: ${classic.columns}`); `common` and the rows are read verbatim, as the override strings
they are (a `${...}` in them goes to Hydra untouched)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from omegaconf import DictConfig, OmegaConf

FOLDER = Path(__file__).parent
SEEDS = (0, 1, 2, 3, 4)
VERBATIM = ("rows", "common")  # override strings: read as written, never interpolated


@dataclass
class Row:
    name: str
    what: str  # the row's label in the table
    overrides: list[str]
    # The code revision the row's records must have (None: the suite's). Only a row that the
    # change behind a suite revision does not touch, data included (a BC row on a PPO expert's
    # demonstrations is touched), may keep its older records.
    revision: int | None = None
    seeds: tuple[int, ...] = SEEDS  # the seeds the row runs (and its table counts)
    # What changed at the row's own revision (None: the suite's revision_note). Set it with
    # `revision` when a change the overrides do not show (a tuned recipe's value) makes the
    # row's records stale.
    revision_note: str | None = None


@dataclass
class Column:
    key: str  # a key of the run's summary.json or <stage>/summary.json
    header: str
    fmt: str = "{:.2f}"
    scale: float = 1.0
    # what a cell says when no run has the key (None: "not reached", for steps-to-target columns)
    absent: str | None = None


@dataclass
class Refused:
    envs: list[str]  # where the algo stops before any work (one line), so no row runs it
    why: str


@dataclass
class Matrix:
    """The README's env x algo table of a suite whose rows are named `{env}__{algo}`."""

    envs: list[str]
    algos: list[str]
    refused: dict[str, Refused] = field(default_factory=dict)  # by algo

    def refusal(self, env: str, algo: str) -> str | None:
        """Why the pair has no row, or None where it has one."""
        r = self.refused.get(algo)
        return r.why if r is not None and env in r.envs else None


@dataclass
class Suite:
    rows: list[Row]
    columns: list[Column]
    common: list[str] = field(default_factory=list)  # every row's overrides start with these
    note: str = ""  # the line above the table
    seeds: tuple[int, ...] = SEEDS  # a row's seeds unless it names its own
    curve: str = "eval/return_mean"  # the metrics.jsonl key report_curves.png plots
    # The dotted name of a function that writes an overview placed above the full table:
    # (suite, {row name: its runs' results}) -> markdown (benchmarks.suite_tables.classic_overview)
    overview: str | None = None
    # Raised when a code change makes the suite's recorded runs stale: a record counts only
    # while its overrides and this revision both match (older records are re-run, not mixed in).
    revision: int = 0
    # What changed at `revision`: said above the table of records made before it.
    revision_note: str = ""
    matrix: Matrix | None = None  # the README's env x algo table (the defaults suite)
    # Published normalized scores drawn on the suite's curves (benchmarks/record_curves.py), by
    # the env of the rows' `env=` override: {env: {label (source, budget): score}}
    anchors: dict[str, dict[str, float]] = field(default_factory=dict)

    def revision_of(self, row: Row) -> int:
        return self.revision if row.revision is None else row.revision


def load_suites(folder: Path = FOLDER) -> dict[str, Suite]:
    """Every suite file in `folder`, by name (the file's stem)."""
    tree = OmegaConf.create({f.stem: OmegaConf.load(f) for f in sorted(folder.glob("*.yaml"))})
    return {name: suite_from(tree, name) for name in tree}


def suite_from(tree: DictConfig, name: str) -> Suite:
    """The suite `name` of the tree of suite files, checked: an unknown or missing key, a row
    name used twice and a '|' in a row's `what` or a column's header (it would split the table's
    cell) fail here, naming the file, not an hour into a benchmark."""
    node = tree[name]
    raw = OmegaConf.to_container(node, resolve=False)
    data = {k: v if k in VERBATIM else _resolved(node, k) for k, v in raw.items()}
    try:
        seeds = tuple(data.pop("seeds", SEEDS))
        rows = [Row(**{**r, "seeds": tuple(r.get("seeds", seeds))}) for r in data.pop("rows")]
        columns = [Column(**c) for c in data.pop("columns")]
        matrix = data.pop("matrix", None)
        if matrix is not None:
            refused = {a: Refused(**r) for a, r in matrix.get("refused", {}).items()}
            matrix = Matrix(**{**matrix, "refused": refused})
        suite = Suite(rows=rows, columns=columns, seeds=seeds, matrix=matrix, **data)
    except (TypeError, KeyError) as err:  # a key no dataclass has, or a required one missing
        raise ValueError(f"benchmarks/suites/{name}.yaml: {err}") from err
    names = [r.name for r in suite.rows]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ValueError(f"benchmarks/suites/{name}.yaml: rows named twice: {twice}")
    piped = [
        t for t in [r.what for r in suite.rows] + [c.header for c in suite.columns] if "|" in t
    ]
    if piped:  # a table cell's text: a "|" would split it
        raise ValueError(f"benchmarks/suites/{name}.yaml: '|' in a table's text: {piped}")
    return suite


def _resolved(node: DictConfig, key: str):
    value = node[key]
    return OmegaConf.to_container(value, resolve=True) if OmegaConf.is_config(value) else value


SUITES = load_suites()
