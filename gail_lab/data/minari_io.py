"""Export demonstrations to Minari (Farama's standard for offline-RL datasets) and import them
back, so users can bring their own demonstrations.

    python -m gail_lab.data.minari_io export demos.npz gail_lab/cartpole-dqn-v0 [--root DIR]
    python -m gail_lab.data.minari_io import gail_lab/cartpole-dqn-v0 demos.npz [--root DIR]

A Minari episode holds T+1 observations and T actions/rewards/terminations/truncations; the
next observation of step t is observation t+1. gail_lab's metadata (expert, config, ...) travels
as JSON in the Minari dataset's ``description``, so a gail_lab dataset round-trips exactly; a
dataset made elsewhere imports with the metadata Minari holds (env id and spaces).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
from collections.abc import Iterator
from pathlib import Path

import gymnasium as gym
import numpy as np

from gail_lab.data.dataset import FORMAT_VERSION, DatasetError, Demonstrations
from gail_lab.envs.factory import describe_space

METADATA_PREFIX = "gail_lab metadata: "


@contextlib.contextmanager
def _datasets_root(root: str | os.PathLike | None) -> Iterator[None]:
    """Point Minari at ``root`` (its ``MINARI_DATASETS_PATH``) for the duration."""
    if root is None:
        yield
        return
    old = os.environ.get("MINARI_DATASETS_PATH")
    os.environ["MINARI_DATASETS_PATH"] = str(Path(root).resolve())
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("MINARI_DATASETS_PATH", None)
        else:
            os.environ["MINARI_DATASETS_PATH"] = old


def export_minari(demos: Demonstrations, dataset_id: str, root: str | os.PathLike | None = None):
    """Write ``demos`` as the Minari dataset ``dataset_id`` (e.g. ``gail_lab/cartpole-dqn-v0``)."""
    import minari
    from minari.data_collector import EpisodeBuffer

    env_id = demos.metadata.get("env_id")
    if not env_id:
        raise DatasetError("export needs a dataset whose metadata names its env_id")
    env = gym.make(env_id, **demos.metadata.get("env", {}).get("kwargs", {}))
    try:
        buffers = []
        ends = np.append(demos.episode_starts[1:], len(demos))
        for k, (s, e) in enumerate(zip(demos.episode_starts, ends, strict=True)):
            obs = np.concatenate([demos.observations[s:e], demos.next_observations[e - 1 : e]])
            infos = None
            if demos.episode_successes is not None:  # Minari's infos: the reset's, then a step's
                flags = np.zeros(e - s + 1, bool)
                flags[-1] = bool(demos.episode_successes[k])
                infos = {"is_success": flags}
            buffers.append(
                EpisodeBuffer(
                    id=k,
                    observations=obs,
                    actions=demos.actions[s:e],
                    rewards=demos.rewards[s:e].tolist(),
                    terminations=demos.terminated[s:e].tolist(),
                    truncations=demos.truncated[s:e].tolist(),
                    infos=infos,
                )
            )
        with _datasets_root(root):
            return minari.create_dataset_from_buffers(
                dataset_id=dataset_id,
                buffer=buffers,
                env=env,
                algorithm_name=str(demos.metadata.get("expert", {}).get("name", "unknown")),
                author="gail_lab",
                author_email="unknown (exported by gail_lab)",
                eval_env=env,
                description=METADATA_PREFIX
                + json.dumps(demos.metadata, sort_keys=True, default=str),
            )
    finally:
        env.close()


def import_minari(dataset_id: str, root: str | os.PathLike | None = None) -> Demonstrations:
    """Read the Minari dataset ``dataset_id`` into a validated :class:`Demonstrations`."""
    import minari

    with _datasets_root(root):
        try:
            dataset = minari.load_dataset(dataset_id)
        except FileNotFoundError:
            from minari.storage import get_dataset_path

            raise DatasetError(
                f"Minari dataset {dataset_id!r} is not in the local store ({get_dataset_path()}); "
                f"fetch it with `minari download {dataset_id}` ("
                "MINARI_DATASETS_PATH moves the store)"
            ) from None
        except Exception as err:  # minari raises several types for a bad dataset
            raise DatasetError(f"cannot load Minari dataset {dataset_id!r}: {err}") from None
        episodes = list(dataset.iterate_episodes())
        description = dataset.storage.metadata.get("description") or ""
        env_spec = dataset.env_spec
        obs_space, act_space = dataset.observation_space, dataset.action_space
    if not episodes:
        raise DatasetError(f"Minari dataset {dataset_id!r} holds no episodes")
    cols: dict[str, list] = {k: [] for k in ("obs", "next", "act", "rew", "term", "trunc")}
    # info["is_success"] at each episode's last step, where every episode records it
    successes = [
        bool(np.asarray(ep.infos["is_success"])[-1])
        for ep in episodes
        if isinstance(ep.infos, dict) and "is_success" in ep.infos
    ]
    starts, n = [], 0
    for ep in episodes:
        obs = np.asarray(ep.observations)
        starts.append(n)
        n += len(ep.actions)
        cols["obs"].append(obs[:-1])
        cols["next"].append(obs[1:])
        cols["act"].append(np.asarray(ep.actions))
        cols["rew"].append(np.asarray(ep.rewards))
        cols["term"].append(np.asarray(ep.terminations))
        cols["trunc"].append(np.asarray(ep.truncations))
    if description.startswith(METADATA_PREFIX):
        metadata = json.loads(description[len(METADATA_PREFIX) :])
    else:
        returns = [float(np.sum(r)) for r in cols["rew"]]
        metadata = {
            "format_version": FORMAT_VERSION,
            "env_id": env_spec.id if env_spec is not None else None,
            "env": {"id": env_spec.id if env_spec is not None else None, "kwargs": {}},
            "observation_space": describe_space(obs_space),
            "action_space": describe_space(act_space),
            "expert": {
                "name": f"minari:{dataset_id}",
                "mean_return": float(np.mean(returns)),
                "std_return": float(np.std(returns)),
            },
            "num_episodes": len(episodes),
            "num_transitions": n,
            "source": f"minari:{dataset_id}",
        }
    act_dtype = np.int64 if isinstance(act_space, gym.spaces.Discrete) else np.float32
    demos = Demonstrations(
        observations=np.concatenate(cols["obs"]).astype(np.float32),
        actions=np.concatenate(cols["act"]).astype(act_dtype),
        rewards=np.concatenate(cols["rew"]).astype(np.float32),
        next_observations=np.concatenate(cols["next"]).astype(np.float32),
        terminated=np.concatenate(cols["term"]).astype(bool),
        truncated=np.concatenate(cols["trunc"]).astype(bool),
        episode_starts=np.asarray(starts, dtype=np.int64),
        episode_successes=np.asarray(successes, bool) if len(successes) == len(episodes) else None,
        metadata=metadata,
    )
    demos.validate(source=f"Minari dataset {dataset_id!r}")
    return demos


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="Export/import gail_lab demonstrations to/from Minari")
    sub = ap.add_subparsers(dest="cmd", required=True)
    ex = sub.add_parser("export", help="gail_lab .npz -> Minari dataset")
    ex.add_argument("path", type=Path)
    ex.add_argument("dataset_id")
    im = sub.add_parser("import", help="Minari dataset -> gail_lab .npz")
    im.add_argument("dataset_id")
    im.add_argument("path", type=Path)
    for p in (ex, im):
        p.add_argument(
            "--root",
            default=None,
            help="Minari datasets folder (default: MINARI_DATASETS_PATH or ~/.minari)",
        )
    args = ap.parse_args(argv)
    try:
        if args.cmd == "export":
            export_minari(Demonstrations.load(args.path), args.dataset_id, args.root)
            print(f"exported {args.path} to Minari dataset {args.dataset_id}")
        else:
            import_minari(args.dataset_id, args.root).save(args.path)
            print(f"imported Minari dataset {args.dataset_id} to {args.path}")
    except DatasetError as err:
        raise SystemExit(f"error: {err}") from None


if __name__ == "__main__":
    main()
