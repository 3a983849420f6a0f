"""The config tree composes for every option, and bad values fail before any work with the key named."""

from pathlib import Path

import pytest
from hydra.errors import ConfigCompositionException
from omegaconf import OmegaConf
from omegaconf.errors import ValidationError

from gail_lab.config import ConfigValueError, validate_config

CONF = Path(__file__).resolve().parents[1] / "conf"
GROUPS = ["task", "env", "expert", "algo", "discriminator", "optimizer", "logger"]


@pytest.mark.parametrize("group", GROUPS)
def test_every_option_composes_and_validates(compose_cfg, group):
    for option in sorted(p.stem for p in (CONF / group).glob("*.yaml")):
        required = {
            ("env", "gym"): ["env.id=Acrobot-v1"],
            ("task", "report"): ["task.dir=."],
            ("discriminator", "airl"): ["algo=airl"],  # AIRL's discriminator is algo=airl's
        }
        extra = required.get((group, option), [])
        cfg = compose_cfg(f"{group}={option}", *extra)
        validate_config(cfg)
        assert OmegaConf.select(cfg, group) is not None


def test_generic_env_needs_an_id(compose_cfg):
    with pytest.raises(ConfigValueError, match=r"^env.id: is required and has no value"):
        validate_config(compose_cfg("env=gym"))


def test_defaults(compose_cfg):
    cfg = compose_cfg()
    assert (
        cfg.task.name == "pipeline"
        and cfg.env.id == "CartPole-v1"
        and cfg.expert.name == "scripted_cartpole"
    )
    assert (
        cfg.algo.name == "gail_ppo"
        and cfg.logger.wandb.mode == "offline"
        and cfg.device == "cpu"
        and cfg.recipe.name == "cartpole/gail_ppo"
    )
    # the recipe's (conf/tuned/cartpole/gail_ppo.yaml) over gail_ppo's generic defaults
    assert cfg.discriminator.absorbing and cfg.discriminator.reward_form == "logit"
    assert cfg.algo.loop.budget.iterations == 50 and cfg.algo.learner.minibatch_size == 256
    assert cfg.optimizer.lr == 1e-3 and cfg.discriminator.optimizer.lr == 1e-4
    assert cfg.run_name == "cartpole__gail_ppo__0"


def test_the_study_notes_cartpole_gail_reinforce_preset(compose_cfg):
    cfg = compose_cfg("experiment=cartpole_gail_reinforce")
    assert cfg.expert.name == "dqn" and cfg.algo.name == "gail_reinforce" and cfg.recipe is None
    # the study notes' CartPole GAIL + REINFORCE hyperparameters
    assert (
        list(cfg.discriminator.hidden_sizes) == [128, 64]
        and cfg.discriminator.reward_form == "gail"
    )
    assert (
        cfg.algo.algorithm.samples_per_iteration == 2048
        and cfg.algo.reward.d_steps == 4
        and cfg.algo.learner.policy_steps == 2
    )
    assert (
        cfg.optimizer.lr == 1e-4
        and cfg.discriminator.optimizer.lr == 1e-4
        and cfg.expert.optimizer.lr == 1e-3
    )


def test_env_preset_picks_its_expert_and_cli_wins(compose_cfg):
    assert compose_cfg("env=cartpole").expert.name == "scripted_cartpole"
    assert compose_cfg("env=cartpole", "expert=dqn").expert.name == "dqn"


def test_unknown_option_lists_the_allowed_ones(compose_cfg):
    with pytest.raises(
        ConfigCompositionException, match=r"(?s)Could not find 'algo/gial'.*gail_reinforce"
    ):
        compose_cfg("algo=gial")


def test_unknown_key(compose_cfg):
    with pytest.raises(ConfigCompositionException) as err:
        compose_cfg("algo.algorithm.iterationz=3")
    assert "full_key: algo.algorithm.iterationz" in str(err.value.__cause__)


def test_wrong_type(compose_cfg):
    with pytest.raises(ConfigCompositionException) as err:
        compose_cfg("optimizer.lr=fast")
    assert isinstance(err.value.__cause__, ValidationError) and "optimizer.lr" in str(
        err.value.__cause__
    )


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("optimizer.lr=-1e-3", "optimizer.lr: must be > 0"),
        ("discriminator.optimizer.lr=0", "discriminator.optimizer.lr: must be > 0"),
        ("algo.learner.gamma=1.5", "algo.learner.gamma: must be in (0, 1]"),
        ("algo.reward.d_batch_size=0", "algo.reward.d_batch_size: must be an even number >= 2"),
        (
            "discriminator.reward_form=logD",
            "discriminator.reward_form: must be one of ['gail', 'log_d', 'logit']",
        ),
        ("eval.episodes=0", "eval.episodes: must be >= 1"),
        (
            "algo=dac algo.learner.entropy_bonus=relativ",
            "algo.learner.entropy_bonus: must be one of ['absolute', 'relative']",
        ),
        ("eval.target_score=0", "eval.target_score: must be in (0, 2]"),
        ("env.num_envs=0", "env.num_envs: must be >= 1"),
        ("expert.learner.gamma=0", "expert.learner.gamma: must be in (0, 1]"),
        (
            "expert.learner.eps_schedule=cosine",
            "expert.learner.eps_schedule: must be one of ['multiplicative', 'linear']",
        ),
        (
            "expert.learner.eps_schedule=linear",
            "expert.learner.eps_schedule: must be multiplicative without an env-step budget",
        ),
        ("expert.learner.train_freq=0", "expert.learner.train_freq: must be >= 1"),
        (
            "expert.learner.target_update_steps=600",
            "expert.learner.target_update_episodes/target_update_steps: must be set exactly one",
        ),
        (
            "expert.loop.budget.episodes=null",
            "expert.loop.budget: must be at least one {unit: total} not null",
        ),
        ("device=tpu", "device: must be cpu, cuda or cuda:N"),
        (
            "matmul_precision=low",
            "matmul_precision: must be one of ['highest', 'high', 'medium']",
        ),
        ("logger.wandb.mode=onlne", "logger.wandb.mode: must be one of"),
        (
            "discriminator.obs_dims=[0,0]",
            "discriminator.obs_dims: must be null or distinct observation indices >= 0",
        ),
    ],
)
def test_out_of_range_values_name_the_key(compose_cfg, override, message):
    cfg = compose_cfg(
        *(["expert=dqn"] if override.startswith("expert.") else []), *override.split()
    )
    with pytest.raises(ConfigValueError) as err:
        validate_config(cfg)
    assert str(err.value).startswith(message)
