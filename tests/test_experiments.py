"""Every named preset in conf/experiment/ composes with the real config tree and validates."""

import sys
from pathlib import Path

import pytest
from omegaconf import OmegaConf

from benchmarks import suite_tables, tables
from benchmarks.suites import SUITES, Column, Row, Suite, load_suites
from gail_lab.config import validate_config

EXPERIMENTS = sorted(
    p.stem for p in (Path(__file__).resolve().parents[1] / "conf" / "experiment").glob("*.yaml")
)


def test_there_are_presets():
    assert EXPERIMENTS


@pytest.mark.parametrize("name", EXPERIMENTS)
def test_experiment_composes_and_validates(compose_cfg, name):
    cfg = compose_cfg(f"experiment={name}")
    validate_config(cfg)
    OmegaConf.to_container(cfg, resolve=True)  # every interpolation resolves


def test_cartpole_gail_ppo_fast_holds_the_measured_settings(compose_cfg):
    cfg = compose_cfg("experiment=cartpole_gail_ppo_fast")
    assert (cfg.env.id, cfg.expert.name, cfg.algo.name) == (
        "CartPole-v1",
        "scripted_cartpole",
        "gail_ppo",
    )
    assert cfg.data.num_episodes == 20
    # the speed claim is about greedy evaluations of >= 10 episodes during training
    assert cfg.algo.loop.eval_episodes >= 10
    # the command line still wins over the preset
    assert (
        compose_cfg("experiment=cartpole_gail_ppo_fast", "optimizer.lr=0.01").optimizer.lr == 0.01
    )


@pytest.mark.parametrize("name", EXPERIMENTS)
def test_experiment_leaves_the_logger_choice_alone(compose_cfg, name):
    """A preset must not switch W&B back on under logger=none."""
    assert compose_cfg(f"experiment={name}", "logger=none").logger.wandb is None


def _benchmark_rows():
    return [
        pytest.param([*suite.common, *row.overrides], id=f"{name}-{row.name}")
        for name, suite in SUITES.items()
        for row in suite.rows
    ]


@pytest.mark.parametrize("overrides", _benchmark_rows())
def test_every_benchmark_row_composes_and_validates(compose_cfg, overrides):
    """A typo in a row of benchmarks/suites/*.yaml fails here, not an hour into a benchmark."""
    cfg = compose_cfg(*overrides, "logger=none")
    validate_config(cfg)
    OmegaConf.to_container(cfg, resolve=True)


def test_a_suite_file_is_read_as_written_and_checked(tmp_path):
    """Settings may name another suite's (`${other.key}`); rows and common overrides are read
    verbatim; a misspelt key or a row name used twice fails when the suites load."""
    (tmp_path / "a.yaml").write_text(
        "note: the first suite\n"
        "columns: [{key: normalized_score, header: score}]\n"
        "rows: [{name: r, what: a row, overrides: [env=cartpole]}]\n"
    )
    (tmp_path / "b.yaml").write_text(
        "note: ${a.note}\n"
        "columns: ${a.columns}\n"
        'common: ["hydra.sweep.subdir=${seed}"]\n'
        "seeds: [0, 1]\n"
        "rows:\n"
        '  - {name: r, what: a row, overrides: ["hydra.job.name=${env.name}"]}\n'
        "  - {name: s, what: seed 0, overrides: [env=acrobot], seeds: [0], revision: 0}\n"
    )
    suites = load_suites(tmp_path)
    a, b = suites["a"], suites["b"]
    assert (b.note, b.columns) == (a.note, a.columns)
    assert b.common == ["hydra.sweep.subdir=${seed}"]
    assert b.rows[0].overrides == ["hydra.job.name=${env.name}"] and b.rows[0].seeds == (0, 1)
    assert b.rows[1].seeds == (0,) and b.revision_of(b.rows[1]) == 0
    assert a.rows[0].seeds == (0, 1, 2, 3, 4)
    (tmp_path / "b.yaml").write_text(
        "columns: []\nrows: [{name: r, what: a row, overide: [env=cartpole]}]\n"
    )
    with pytest.raises(ValueError, match="b.yaml: .*overide"):
        load_suites(tmp_path)
    (tmp_path / "b.yaml").write_text(
        "columns: []\nrows: [{name: r, what: x, overrides: []}, {name: r, what: y, overrides: []}]"
    )
    with pytest.raises(ValueError, match="b.yaml: rows named twice: \\['r'\\]"):
        load_suites(tmp_path)
    (tmp_path / "b.yaml").write_text("columns: []\nrows: [{name: r, what: log |A|, overrides: []}]")
    with pytest.raises(ValueError, match="b.yaml: '\\|' in a table's text: \\['log \\|A\\|'\\]"):
        load_suites(tmp_path)


def test_the_defaults_matrix_has_a_row_for_every_pair_it_does_not_refuse():
    suite = SUITES["defaults"]
    m = suite.matrix
    pairs = [f"{e}__{a}" for e in m.envs for a in m.algos if m.refusal(e, a) is None]
    assert [r.name for r in suite.rows] == pairs
    assert all(
        r.overrides[:2] == [f"env={r.name.split('__')[0]}", f"algo={r.name.split('__')[1]}"]
        for r in suite.rows
    )


def test_the_readme_summary_names_rows_of_the_suites():
    from benchmarks.docs_tables import summary_lines

    lines = summary_lines()
    assert lines
    for line in lines:
        for where in (line.gail, line.bc, line.no_disc, line.control):
            if where is not None:
                suite, row = where.split("/")
                assert row in {r.name for r in SUITES[suite].rows}, where


def test_benchmark_records_retabulate_a_row_after_its_run_dirs_are_gone(tmp_path, monkeypatch):
    """benchmarks/results/ is not in git: the committed record must rebuild the row's cells,
    and only for the overrides it was run with."""
    import json
    import shutil

    monkeypatch.setattr(suite_tables, "RECORDS", tmp_path / "records")
    row = Row("r", "a row", ["env=cartpole"])
    suite = Suite(rows=[row], columns=[Column("normalized_score", "score")])
    base = tmp_path / "results"
    for seed, score in [(0, 0.5), (1, 0.7), (2, 0.9)]:
        run = base / "r" / str(seed)
        (run / ".hydra").mkdir(parents=True)
        (run / ".hydra" / "config.yaml").write_text("{}")
        (run / "summary.json").write_text(json.dumps({"normalized_score": score}))
    (base / "r" / "3" / ".hydra").mkdir(parents=True)  # started, never finished
    (base / "r" / "3" / ".hydra" / "config.yaml").write_text("{}")
    before = suite_tables.table("t", suite, base, suite_tables.save_records("t", suite, base))
    assert "| a row | 3 (1 unfinished) (no commit: 3) | 0.70 [" in before
    shutil.rmtree(base)
    after = suite_tables.table("t", suite, base)
    assert "| a row | 3 (no commit: 3) | 0.70 [" in after
    assert "- a row: 0.50, 0.70, 0.90" in after
    changed = Suite(rows=[Row("r", "a row", ["env=acrobot"])], columns=suite.columns)
    assert "no earlier record:\n\n- a row (`r`)" in suite_tables.table("t", changed, base)
    # a fresh checkout resumes from the record: recorded seeds are not run again, the rest are;
    # a row whose overrides changed since has no current record and runs every seed
    records = suite_tables.load_records("t")
    recorded = tables.recorded_seeds(suite, row, records)
    assert recorded == {"0", "1", "2"}
    assert tables.missing_seeds(base / "r", (0, 1, 2, 3, 4), recorded) == [3, 4]
    assert tables.recorded_seeds(changed, changed.rows[0], records) == frozenset()


def test_benchmark_records_of_an_older_revision_are_shown_apart(tmp_path, monkeypatch):
    """After a suite's revision is raised, its older records leave the main table for a table of
    their own under the revision's note; a row that pins its revision keeps its record."""
    import json

    monkeypatch.setattr(suite_tables, "RECORDS", tmp_path / "records")
    (tmp_path / "records").mkdir()
    runs = {"0": {"normalized_score": 0.5}, "1": {"normalized_score": 0.9}}
    (tmp_path / "records" / "t.json").write_text(
        json.dumps({n: {"overrides": [f"algo={n}"], "runs": runs} for n in ("ppo", "bc")})
    )
    rows = [Row("ppo", "ppo row", ["algo=ppo"]), Row("bc", "bc row", ["algo=bc"])]
    col = Column("normalized_score", "score")
    before = suite_tables.table("t", Suite(rows=rows, columns=[col]), tmp_path / "none")
    assert "| ppo row | 2 (no commit: 2) | 0.70 [" in before and "Made before" not in before
    rows[1].revision = 0  # BC does not use the code the revision changed
    suite = Suite(rows=rows, columns=[col], revision=1, revision_note="PPO changed")
    after = suite_tables.table("t", suite, tmp_path / "none")
    main, old = after.split("Made before revision 1, not re-run since (PPO changed):")
    assert "| bc row | 2 (no commit: 2) | 0.70 [" in main and "ppo row |" not in main
    assert "| ppo row | 2 (no commit: 2) | 0.70 [" in old and "bc row |" not in old


def test_rows_not_run_are_listed_at_their_own_revisions(tmp_path, monkeypatch):
    """The list of rows without a record names the revision they would run at: the suite's, or
    each row's own where rows pin one."""
    monkeypatch.setattr(suite_tables, "RECORDS", tmp_path / "records")
    col = Column("normalized_score", "score")
    rows = [Row("a", "a row", ["algo=ppo"]), Row("b", "b row", ["algo=bc"])]
    text = suite_tables.table("t", Suite(rows=rows, columns=[col], revision=1), tmp_path / "n")
    assert "Not run at revision 1, and no earlier record:\n\n- a row (`a`)\n- b row (`b`)" in text
    rows[1].revision = 3
    text = suite_tables.table("t", Suite(rows=rows, columns=[col], revision=1), tmp_path / "n")
    assert "Not run at their revisions (1, 3), and no earlier record:" in text


def test_results_pages_and_readme_summary_match_the_committed_records(capsys):
    """Every table in docs/results/ and the README's summary is what the records in
    benchmarks/records/ give (benchmarks/docs_tables.py): a clean checkout rebuilds them."""
    from benchmarks import docs_tables

    assert docs_tables.main(["--check"]) == 0, capsys.readouterr().out


def test_benchmark_tables_derive_the_stochastic_score_of_older_runs(tmp_path, monkeypatch):
    """Records written before summaries held `normalized_score_stochastic` get it from the
    stochastic return they did keep; a run that has it keeps its own."""
    import json

    monkeypatch.setattr(suite_tables, "RECORDS", tmp_path / "records")
    old = {"imitation_return_stochastic": -100.0, "expert_return": -80.0, "random_return": -500.0}
    new = old | {"normalized_score_stochastic": 0.5}
    (tmp_path / "records").mkdir()
    (tmp_path / "records" / "t.json").write_text(
        json.dumps({"r": {"overrides": ["env=acrobot"], "runs": {"0": old, "1": new}}})
    )
    row = Row("r", "a row", ["env=acrobot"])
    col = Column("normalized_score_stochastic", "score (stochastic)", "{:.3f}")
    text = suite_tables.table("t", Suite(rows=[row], columns=[col]), tmp_path / "none")
    assert "- a row: 0.952, 0.500" in text  # (-100 + 500) / (-80 + 500)


def test_a_runs_results_leave_its_random_data_control_out(tmp_path):
    """The control's run (control/summary.json) is a run of its own: its score must not replace
    the main run's in the suite tables (it is the summary's control_normalized_score)."""
    import json

    run = tmp_path / "0"
    (run / "control").mkdir(parents=True)
    (run / "evaluate").mkdir()
    (run / "summary.json").write_text(
        json.dumps({"normalized_score": 1.0, "control_normalized_score": 0.1})
    )
    (run / "control" / "summary.json").write_text(json.dumps({"normalized_score": 0.1}))
    (run / "evaluate" / "summary.json").write_text(json.dumps({"eval/success_rate": 0.9}))
    got = suite_tables.results(run)
    assert got["normalized_score"] == 1.0 and got["control_normalized_score"] == 0.1
    assert got["eval/success_rate"] == 0.9  # the stages' summaries still count


def test_a_runs_results_name_repo_paths_relative_and_flatten_nested_keys(tmp_path):
    """Records hold repo-relative paths (not where this checkout lives) and every nested key
    flattened with dots."""
    import json

    from benchmarks import ROOT

    run = tmp_path / "0"
    run.mkdir()
    other = tmp_path / "wt" / "benchmarks" / "results" / "suite" / "row" / "0"  # another checkout
    other.mkdir(parents=True)
    (other / "summary.json").write_text(json.dumps({"policy": f"{tmp_path}/wt/artifacts/p.pt"}))
    assert suite_tables.results(other)["policy"] == "artifacts/p.pt"
    summary = {
        "dataset": str(ROOT / "artifacts" / "datasets" / "x.npz"),
        "elsewhere": "/opt/data/y.npz",
        "variants": {"wide": {"success_rate": 0.5}},
        "wall_time_s": {"imitate": 3.0},
        "empty": {},
    }
    (run / "summary.json").write_text(json.dumps(summary))
    got = suite_tables.results(run)
    assert got["dataset"] == "artifacts/datasets/x.npz" and got["elsewhere"] == "/opt/data/y.npz"
    assert got["variants.wide.success_rate"] == 0.5 and got["wall_time_s.imitate"] == 3.0
    assert "empty" not in got


def test_records_keep_each_runs_training_curve_and_plot_it_without_run_dirs(tmp_path, monkeypatch):
    """A record holds the run's training evaluations (env steps, return, success where logged),
    so learning curves rebuild from a clean checkout; record_curves draws them per env."""
    import json
    import shutil

    from benchmarks import record_curves

    monkeypatch.setattr(suite_tables, "RECORDS", tmp_path / "records")
    rows = [Row("a", "fp32", ["env=pendulum"]), Row("b", "bf16", ["env=pendulum"])]
    suite = Suite(rows=rows, columns=[Column("normalized_score", "score")], seeds=(0, 1))
    base = tmp_path / "results"
    for name in ("a", "b"):
        for seed in (0, 1):
            run = base / name / str(seed)
            (run / ".hydra").mkdir(parents=True)
            (run / "imitate").mkdir()
            (run / ".hydra" / "config.yaml").write_text("{}")
            summary = {"normalized_score": 1.0, "random_return": -1000.0, "expert_return": 0.0}
            (run / "summary.json").write_text(json.dumps(summary))
            evals = [
                {"global_step": step, "eval/return_mean": -1000.0 + step / 10, "losses/x": 1.0}
                for step in (1000, 2000, 3000)
            ]
            noise = [{"global_step": 1500, "losses/x": 2.0}]  # not an evaluation: left out
            lines = [json.dumps(r) for r in [*evals[:1], *noise, *evals[1:]]]
            (run / "imitate" / "metrics.jsonl").write_text("\n".join(lines) + "\n")
    suite_tables.save_records("t", suite, base)
    shutil.rmtree(base)
    run = suite_tables.load_records("t")["a"]["runs"]["0"]
    assert run["curve.steps"] == [1000, 2000, 3000] and run["curve.eval_every"] == 1000
    assert run["curve.eval/return_mean"] == [-900.0, -800.0, -700.0]
    assert "curve.eval/success_rate" not in run  # never logged
    curves = record_curves.row_curves(
        list(suite_tables.load_records("t")["a"]["runs"].values()), "normalized"
    )
    assert [c[1].tolist() for c in curves] == [[0.1, 0.2, 0.3]] * 2
    monkeypatch.setitem(record_curves.SUITES, "t", suite)
    assert record_curves.algo_of(suite, Row("c", "bc", ["env=pendulum", "algo=bc"])) == "bc"
    png = record_curves.plot("t")
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
    # published scores beside the curves: drawn from the suite's anchors, tabled on its page
    suite.anchors = {"pendulum": {"paper A, 1M steps": 0.9}, "other": {"paper B": 1.0}}
    assert record_curves.plot("t") != png
    from benchmarks import docs_tables

    assert docs_tables.anchors(suite).splitlines() == [
        "| published | pendulum | other |",
        "| --- | --- | --- |",
        "| paper A, 1M steps | 0.9 | - |",
        "| paper B | - | 1 |",
    ]


def test_per_seed_lines_give_the_iqm_with_its_interval_from_five_seeds_on():
    """The IQM (rliable's: a 25 % trim at each end, here the middle 3 of 5) beside the per-seed
    values; none below 5 seeds, where the trim drops next to nothing."""
    col = Column("normalized_score", "score")
    text = suite_tables.iqm_text([0.0, 0.9, 1.0, 0.8, None, 2.0], col)
    assert text.startswith("; IQM 0.90 [")  # mean of 0.8, 0.9, 1.0: the 0.0 and 2.0 trimmed
    low, high = (float(x) for x in text.split("[")[1].rstrip("]").split(", "))
    assert low <= 0.9 <= high and high > low
    assert suite_tables.iqm_text([0.1, 0.2, 0.3, 0.4], col) == ""


def test_a_table_marks_rows_recorded_without_a_commit_or_on_a_dirty_tree():
    clean = {"code.commit": "abc", "code.dirty": False}
    assert suite_tables.provenance([clean, clean]) == ""
    dirty = {"code.commit": "abc", "code.dirty": True}
    assert suite_tables.provenance([clean, dirty, {}]) == " (no commit: 1) (dirty: 1)"


def test_a_row_claim_of_a_process_that_is_gone_is_taken_over(tmp_path):
    """Two tables.py processes share rows through claim files; a claim left by a killed process
    (a session's end) must not block the row for ever."""
    import subprocess

    out = tmp_path / "suite" / "row"
    assert tables.claim(out) and not tables.claim(out)  # ours, and alive
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True
    )
    (tmp_path / "suite" / "row.claim").write_text(gone.stdout.decode().strip())
    assert tables.claim(out)  # its writer exited: taken over
    (tmp_path / "suite" / "row.claim").write_text("")  # an old, empty claim: stale too
    assert tables.claim(out)


def test_a_measurement_table_shows_settings_computed_cells_and_failed_rows():
    """One table builder serves every measurement record (benchmarks/measurements.py)."""
    from benchmarks import ROOT
    from benchmarks.measurements import Column, Table, command_line, table

    record = {
        "command": command_line([str(ROOT / "benchmarks" / "env_speed.py"), "--steps", "5"]),
        "date": "2026-12-07",
        "cpus": 2,
        "load_average_1min": 0.5,
        "settings": {"threshold": 475.0},
        "rows": [{"env": "a", "rate": 1234.4}, {"env": "b", "error": "boom"}],
    }
    spec = Table(
        [
            Column("env", "{env}"),
            Column("steps/s to {threshold:g}", "{rate:,.0f}"),
            Column("twice", lambda r: f"{2 * r['rate']:.1f}"),
        ]
    )
    assert table(record, spec).splitlines() == [
        "`python -m benchmarks.env_speed --steps 5` on 2026-12-07, 2 CPU cores, load average 0.5"
        " at the end.",
        "",
        "| env | steps/s to 475 | twice |",
        "| --- | --- | --- |",
        "| a | 1,234 | 2468.8 |",
        "| b | failed: boom | |",
    ]


def test_facts_in_the_prose_are_written_from_the_records(tmp_path, monkeypatch):
    """A number of the results prose written as a fact is rewritten from its row's record (so
    docs_tables --check fails where prose and records disagree); a bad spec names itself."""
    import json

    import pytest

    from benchmarks import facts

    monkeypatch.setattr(suite_tables, "RECORDS", tmp_path)
    col = Column("eval/success_rate", "success %", fmt="{:.0f}", scale=100)
    suite = Suite(rows=[Row("r", "a row", ["env=racecar"])], columns=[col], common=["x=1"])
    monkeypatch.setitem(facts.SUITES, "t", suite)
    runs = {
        str(s): {"eval/success_rate": v, "eval/length_mean": n}
        for s, v, n in [(0, 1.0, 322.4), (1, 0.5, 333.0), (2, 1.0, 369.0)]
    }
    record = {"r": {"overrides": ["x=1", "env=racecar"], "runs": runs}}
    (tmp_path / "t.json").write_text(json.dumps(record))
    page = (
        "success <!-- fact t/r eval/success_rate seeds -->99<!-- /fact --> %, mean "
        "<!-- fact t/r eval/success_rate mean -->?<!-- /fact --> %, lengths "
        "<!-- fact t/r eval/length_mean range -->1-2<!-- /fact --> on "
        "<!-- fact t/r eval/length_mean n -->4<!-- /fact --> seeds, "
        "<!-- fact t/r eval/success_rate ci -->?<!-- /fact -->"
    )
    got = facts.render_facts(page)
    assert "-->100, 50, 100<!--" in got and "-->83<!--" in got
    assert "-->322 to 369<!--" in got and "-->3<!-- /fact --> seeds" in got
    assert "-->83 [50, 100]<!--" in got
    assert facts.render_facts(got) == got  # rendered once, it stays
    assert facts.fact("t/r eval/success_rate at_least:0.9") == "2 of 3"
    assert facts.fact("t/r eval/length_mean at_most:330") == "1 of 3"
    for spec, says in [
        ("t/nope eval/success_rate mean", "no row 'nope'"),
        ("t/r eval/success_rate median", "unknown HOW 'median'"),
        ("t/r missing/key mean", "no recorded run has 'missing/key'"),
        ("zz/r a mean", "unknown suite 'zz'"),
    ]:
        with pytest.raises(facts.FactError, match=says):
            facts.render_facts(f"<!-- fact {spec} -->1<!-- /fact -->", "docs/results/x.md")


def test_facts_of_a_measurement_record_name_its_row_and_key(tmp_path, monkeypatch):
    import json

    import pytest

    from benchmarks import facts, measurements

    monkeypatch.setattr(measurements, "RECORDS", tmp_path)
    rows = [{"preset": "a", "steps_per_s": 51.3}, {"preset": "b", "steps_per_s": 109.04}]
    (tmp_path / "m.json").write_text(json.dumps({"rows": rows}))
    assert facts.fact("record:m/preset=b steps_per_s .0f") == "109"
    assert facts.fact("record:m/preset=a steps_per_s") == "51.3"
    with pytest.raises(facts.FactError, match="0 rows of m have preset=c"):
        facts.fact("record:m/preset=c steps_per_s")
    with pytest.raises(facts.FactError, match="has no 'nope'"):
        facts.fact("record:m/preset=a nope")


def test_facts_of_a_tuning_probe_read_its_training_evaluations(tmp_path, monkeypatch):
    import json

    import pytest

    from benchmarks import facts, measurements

    monkeypatch.setattr(measurements, "RECORDS", tmp_path)
    curve = [[5000, 0.0], [10000, 1.0], [15000, 0.5], [20000, 0.9], [25000, 1.0]]
    runs = [
        {"probe": "a/s100", "training_evaluations": curve, "finished": True, "success_rate": 0.92},
        {"probe": "a/s101", "training_evaluations": curve[:2], "finished": False},
    ]
    (tmp_path / "p.json").write_text(json.dumps({"runs": runs}))
    assert facts.fact("probe:p/a/s100 first_at_least:0.9") == "10000"
    assert facts.fact("probe:p/a/s100 value_first_at_least:0.4 .1f") == "1.0"
    assert facts.fact("probe:p/a/s100 first_at_least:2") == "not reached"
    assert facts.fact("probe:p/a/s100 held_from:0.9") == "20000"  # 15000's 0.5 breaks the run
    assert facts.fact("probe:p/a/s100 held_from:1.5") == "never"
    assert facts.fact("probe:p/a/s100 last_step") == "25000"
    assert facts.fact("probe:p/a/s100 success_rate .0%") == "92%"
    assert facts.fact("probe:p/a/s100 finished") == "yes"
    assert facts.fact("probe:p/a/s101 finished") == "no (stopped at 10000)"
    with pytest.raises(facts.FactError, match="0 probes of p are named 'a/s102'"):
        facts.fact("probe:p/a/s102 last_step")
    with pytest.raises(facts.FactError, match="has no 'success_rate'"):
        facts.fact("probe:p/a/s101 success_rate")
    with pytest.raises(facts.FactError, match="no probe record"):
        facts.fact("probe:nope/a last_step")
