import gymnasium as gym
import numpy as np
import pytest

from gail_lab.data import DatasetError, Demonstrations
from gail_lab.data.transitions import TRANSITION_FIELDS
from gail_lab.envs import EnvFactory
from gail_lab.experts.scripted import CartPoleController
from gail_lab.rl.collect import collect_demos
from gail_lab.seeding import SeedTree


@pytest.fixture(scope="module")
def cartpole():
    return EnvFactory("CartPole-v1", name="cartpole", num_envs=3)


@pytest.fixture(scope="module")
def demos(cartpole):
    return collect_demos(
        CartPoleController(),
        cartpole,
        seeds=SeedTree(0),
        num_episodes=4,
        expert_name="scripted",
        config={"k": 1},
        progress=False,
    )


def test_collect_shapes_and_metadata(demos):
    assert len(demos) == 4 * 500 and demos.num_episodes == 4
    assert demos.observations.shape == (2000, 4) and demos.observations.dtype == np.float32
    assert demos.actions.dtype == np.int64
    np.testing.assert_array_equal(demos.episode_starts, [0, 500, 1000, 1500])
    assert demos.truncated.sum() == 4 and demos.terminated.sum() == 0
    # next_observations continue observations inside an episode
    np.testing.assert_array_equal(demos.next_observations[:499], demos.observations[1:500])
    md = demos.metadata
    assert md["env_id"] == "CartPole-v1" and md["format_version"] == 1
    assert (
        md["expert"]["mean_return"] == 500.0
        and md["num_transitions"] == 2000
        and md["num_episodes"] == 4
    )
    assert md["observation_space"]["type"] == "Box" and md["action_space"] == {
        "type": "Discrete",
        "n": 2,
        "start": 0,
    }
    assert md["config"] == {"k": 1}


def test_round_trip_is_exact(demos, tmp_path):
    path = demos.save(tmp_path / "d.npz")
    back = Demonstrations.load(path)
    for name in TRANSITION_FIELDS:
        a, b = getattr(demos, name), getattr(back, name)
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)
    assert back.metadata == demos.metadata
    assert not list(tmp_path.glob(".*tmp"))  # atomic write leaves no temp file


def test_collection_is_byte_identical_for_a_seed(cartpole, tmp_path):
    from gail_lab.rl.networks import RandomPolicy

    def make(path):
        d = collect_demos(
            RandomPolicy(cartpole.action_space, 3),
            cartpole,
            seeds=SeedTree(3),
            num_transitions=300,
            progress=False,
        )
        d.metadata["created_at"] = "fixed"
        return d.save(path).read_bytes()

    assert make(tmp_path / "a.npz") == make(tmp_path / "b.npz")


def test_other_env_refused_naming_both_spaces(demos):
    pendulum = EnvFactory("Pendulum-v1", num_envs=1)
    with pytest.raises(DatasetError) as err:
        demos.check_compatible(pendulum.observation_space, pendulum.action_space, "Pendulum-v1")
    msg = str(err.value)
    assert "CartPole-v1" in msg and "Pendulum-v1" in msg
    assert (
        "Discrete(2)" in msg
        and "Box(shape=(1,)" in msg
        and "Box(shape=(4,)" in msg
        and "Box(shape=(3,)" in msg
    )


def test_truncated_file_refused(demos, tmp_path):
    path = demos.save(tmp_path / "d.npz")
    blob = path.read_bytes()
    path.write_bytes(blob[: len(blob) // 2])
    with pytest.raises(DatasetError, match="truncated or corrupt"):
        Demonstrations.load(path)


def test_a_single_npy_array_is_named_as_such(tmp_path):
    """np.load returns a bare array for an .npy file (no archive to open): named, not a TypeError."""
    path = tmp_path / "observations.npy"
    np.save(path, np.zeros((3, 4), np.float32))
    with pytest.raises(DatasetError, match=r"a single NumPy array \(\.npy\), not an \.npz"):
        Demonstrations.load(path)


def test_missing_file_refused(tmp_path):
    with pytest.raises(DatasetError, match="not found"):
        Demonstrations.load(tmp_path / "nope.npz")


def test_nan_refused(demos, tmp_path):
    bad = Demonstrations(
        **{k: v.copy() for k, v in demos.arrays().items()}, metadata=demos.metadata
    )
    bad.observations[7, 2] = np.nan
    with pytest.raises(
        DatasetError, match="observations holds non-finite values .first at transition 7"
    ):
        bad.save(tmp_path / "bad.npz")
    assert not (tmp_path / "bad.npz").exists()


def test_pickled_object_array_refused(tmp_path):
    path = tmp_path / "evil.npz"
    np.savez(path, observations=np.array([object()], dtype=object), metadata=np.array("{}"))
    with pytest.raises(DatasetError):
        Demonstrations.load(path)


def test_subset_first_episodes_and_every_kth(demos):
    sub = demos.subset(use_episodes=2, every=20)
    assert sub.num_episodes == 2 and len(sub) == 2 * 25
    np.testing.assert_array_equal(sub.episode_starts, [0, 25])
    np.testing.assert_array_equal(sub.observations[1], demos.observations[20])
    np.testing.assert_array_equal(sub.observations[25], demos.observations[500])
    np.testing.assert_array_equal(
        sub.next_observations[1], demos.next_observations[20]
    )  # true successor
    assert sub.metadata["subset"] == {"use_episodes": 2, "every": 20, "of_transitions": 2000}
    assert len(demos.subset()) == len(demos)


def test_subset_keeps_the_terminal_step_of_terminated_episodes(demos):
    """Subsampling must not erase how an episode ended: DAC's absorbing states (and AIRL's
    shaping) read the terminal flag of each episode's last transition."""
    arrays = {k: v.copy() for k, v in demos.arrays().items()}
    arrays["terminated"][999] = True  # episode 1 ends terminated at its step 499
    arrays["truncated"][999] = False
    ended = Demonstrations(**arrays, metadata=demos.metadata)
    sub = ended.subset(use_episodes=3, every=20)
    # episode 0 (truncated): 25 steps; episode 1: 25 + its terminal step; episode 2: 25
    np.testing.assert_array_equal(sub.episode_starts, [0, 25, 51])
    assert len(sub) == 76 and sub.terminated.sum() == 1 and sub.terminated[50]
    np.testing.assert_array_equal(sub.observations[50], ended.observations[999])
    np.testing.assert_array_equal(sub.episode_ends, [24, 50, 75])
    # every 1: unchanged; a terminal step that is a k-th one is not doubled
    assert len(ended.subset(use_episodes=3)) == 1500
    assert len(ended.subset(use_episodes=3, every=499)) == 2 + 2 + 2


@pytest.mark.parametrize("label", ["executed", "clean"])
def test_noisy_and_dart_collection(cartpole, label):
    expert = CartPoleController()
    d = collect_demos(
        expert,
        cartpole,
        seeds=SeedTree(1),
        num_transitions=2000,
        noise_scale=0.3,
        label=label,
        progress=False,
    )
    matches = d.actions == expert.act(d.observations)
    if label == "clean":
        assert matches.all()  # DART: the expert's clean action is the label
    else:
        assert 0.05 < 1 - matches.mean() < 0.3  # ~15 % of executed actions differ from the expert's
    assert d.metadata["collection"] == {"noise_scale": 0.3, "label": label}
    # the perturbed runs reach states the clean expert never visits: pole angles spread wider
    clean = collect_demos(expert, cartpole, seeds=SeedTree(1), num_transitions=2000, progress=False)
    assert np.abs(d.observations[:, 3]).mean() > np.abs(clean.observations[:, 3]).mean()


def test_minari_round_trip_is_exact(demos, tmp_path):
    from gail_lab.data.minari_io import export_minari, import_minari

    export_minari(demos, "gail_lab/cartpole-test-v0", root=tmp_path / "minari")
    back = import_minari("gail_lab/cartpole-test-v0", root=tmp_path / "minari")
    for name in TRANSITION_FIELDS:
        a, b = getattr(demos, name), getattr(back, name)
        assert a.dtype == b.dtype, name
        np.testing.assert_array_equal(a, b, err_msg=name)
    assert back.metadata == demos.metadata
    env = EnvFactory("CartPole-v1", num_envs=1)
    back.check_compatible(env.observation_space, env.action_space, "CartPole-v1")
    path = back.save(tmp_path / "imported.npz")  # and into gail_lab's own format
    assert len(Demonstrations.load(path)) == len(demos)


def test_minari_round_trip_keeps_episode_successes(demos, tmp_path):
    """Absorbing states need each episode's ending (the racecar's success flags): the export
    writes them as Minari's info["is_success"] and the import reads them back."""
    from dataclasses import replace

    from gail_lab.data.minari_io import export_minari, import_minari

    flagged = replace(demos, episode_successes=np.array([True, False, True, True]))
    export_minari(flagged, "gail_lab/cartpole-success-v0", root=tmp_path / "minari")
    back = import_minari("gail_lab/cartpole-success-v0", root=tmp_path / "minari")
    np.testing.assert_array_equal(back.episode_successes, [True, False, True, True])
    # without flags the import says "unknown", not "failure"
    export_minari(demos, "gail_lab/cartpole-noflags-v0", root=tmp_path / "minari")
    assert (
        import_minari("gail_lab/cartpole-noflags-v0", root=tmp_path / "minari").episode_successes
        is None
    )


def test_subset_refuses_more_episodes_than_the_dataset_holds(demos):
    with pytest.raises(DatasetError, match="data.use_episodes=50 .* holds 4 episodes"):
        demos.subset(use_episodes=50)
    assert demos.subset(use_episodes=4).num_episodes == 4


def test_minari_missing_dataset_is_a_dataset_error(tmp_path):
    from gail_lab.data.minari_io import import_minari

    with pytest.raises(
        DatasetError, match="Minari dataset 'gail_lab/none-v0' is not in the local store"
    ):
        import_minari("gail_lab/none-v0", root=tmp_path)


def test_noise_on_chosen_action_dims_only():
    from gail_lab.rl.collect import perturb

    space = gym.spaces.Box(np.array([-1.0, 0.0], np.float32), np.array([1.0, 1.0], np.float32))
    actions = np.tile(np.array([[0.0, 0.5]], np.float32), (200, 1))
    rng = np.random.default_rng(0)
    noisy = perturb(actions, space, 0.1, rng, dims=[0])
    assert noisy[:, 0].std() > 0.05 and (noisy[:, 1] == 0.5).all()
    with pytest.raises(ValueError, match=r"noise_dims \[2\] outside"):
        perturb(actions, space, 0.1, rng, dims=[2])


def test_random_data_control_keeps_the_expert_as_the_score_reference(tmp_path):
    from tests.conftest import TINY, run_cli

    for task in ("train_expert", "collect"):
        out = run_cli(
            tmp_path, *TINY, "expert=scripted_cartpole", f"task={task}", "data.source=random"
        )
        assert out.returncode == 0, out.stderr
    (path,) = (tmp_path / "artifacts" / "datasets").glob("*.npz")
    d = Demonstrations.load(path)
    assert d.metadata["expert"]["name"] == "random"
    assert d.episode_returns.mean() < 50  # a random CartPole policy falls within ~22 steps
    assert d.reference_return == d.metadata["expert"]["reference_return"] >= 475
    assert d.terminated.sum() == d.num_episodes  # every random CartPole episode falls

    # random_timeouts: the same episodes, every fall recorded as a time limit
    out = run_cli(
        tmp_path, *TINY, "expert=scripted_cartpole", "task=collect", "data.source=random_timeouts"
    )
    assert out.returncode == 0, out.stderr
    (other,) = set((tmp_path / "artifacts" / "datasets").glob("*.npz")) - {path}
    t = Demonstrations.load(other)
    np.testing.assert_array_equal(t.observations, d.observations)
    assert not t.terminated.any() and t.truncated[t.episode_ends].all()
    assert t.truncated.sum() == t.num_episodes and t.reference_return == d.reference_return


def test_minari_dataset_is_a_data_source_of_the_pipeline(demos, tmp_path):
    """data.minari_id reads a dataset from the local Minari store (made here with the structure
    a downloaded one has), converts it once, and trains on it without training an expert."""
    import json

    from conftest import TINY, run_cli

    from gail_lab.data.minari_io import export_minari

    store = tmp_path / "minari"
    export_minari(demos, "gail_lab/cartpole-source-v0", root=store)
    args = [*TINY, "task=pipeline", "data.minari_id=gail_lab/cartpole-source-v0"]
    out = run_cli(tmp_path, *args, "eval.control=true", env={"MINARI_DATASETS_PATH": str(store)})
    assert out.returncode == 0, out.stderr[-3000:]
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["dataset"].endswith("minari/gail_lab__cartpole-source-v0.npz")
    assert summary["expert_return"] == pytest.approx(demos.reference_return)
    assert not (tmp_path / "artifacts" / "experts").exists()  # no expert was trained
    # the summary names the dataset, not an expert that did not run
    assert summary["expert"] is None and summary["minari_id"] == "gail_lab/cartpole-source-v0"
    assert "train_expert" not in summary["wall_time_s"]
    assert "dataset (Minari gail_lab/cartpole-source-v0) mean return" in out.stdout
    # its random-data control: scored against the dataset's mean return, still no expert
    control = json.loads((tmp_path / "run" / "control" / "summary.json").read_text())
    assert control["expert_return"] == pytest.approx(demos.reference_return)
    assert control["data_source"] == "random" and control["expert"] is None
    assert summary["control_normalized_score"] == control["normalized_score"]
    # a missing dataset: one line naming it
    out = run_cli(
        tmp_path,
        *TINY,
        "task=imitate",
        "data.minari_id=gail_lab/none-v0",
        env={"MINARI_DATASETS_PATH": str(store)},
    )
    assert (
        out.returncode == 2
        and "Minari dataset 'gail_lab/none-v0' is not in the local store" in out.stdout + out.stderr
    )
