"""Structured configs: one dataclass schema per config group (a module per group family here),
registered in Hydra's ConfigStore.

The YAML files under ``conf/`` pick a schema through their defaults list
(``- /schema/<group>@_here_``), so every group node is typed: an unknown key or a wrong type fails
when Hydra composes the config. Value checks (``lr > 0``, ``0 < gamma <= 1``...) live in each
dataclass's ``__post_init__`` and run in :func:`validate_config`, before any work starts, with an
error that names the full key.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from hydra.core.config_store import ConfigStore
from omegaconf import DictConfig, OmegaConf

from gail_lab.choices import REWARD_FORMS
from gail_lab.config.algo import (
    AIRLDiscriminatorConfig,
    AlgoConfig,
    BCConfig,
    CategoricalPolicyConfig,
    DACConfig,
    DiscriminatorConfig,
    GAILConfig,
    LoopConfig,
    MLPPolicyConfig,
    OfflineGAILConfig,
    PPOConfig,
    QPolicyConfig,
    ReinforceConfig,
    RewardModelConfig,
    SACConfig,
    SACPolicyConfig,
)
from gail_lab.config.checks import ConfigValueError
from gail_lab.config.env import AdamConfig, EnvConfig
from gail_lab.config.experts import (
    AutoExpertConfig,
    DQNAgentConfig,
    DQNConfig,
    OnPolicyConfig,
    SACAgentConfig,
    ScriptedCartPoleConfig,
    ScriptedPendulumConfig,
    ScriptedRacecarConfig,
    TrainedExpertConfig,
)
from gail_lab.config.root import (
    Config,
    DashboardTaskConfig,
    DataConfig,
    EvalConfig,
    LoggerConfig,
    RecipeConfig,
    ReportTaskConfig,
    TaskConfig,
    WandbConfig,
)

__all__ = [
    "REWARD_FORMS",
    "AIRLDiscriminatorConfig",
    "AdamConfig",
    "AlgoConfig",
    "AutoExpertConfig",
    "BCConfig",
    "CategoricalPolicyConfig",
    "DACConfig",
    "Config",
    "ConfigValueError",
    "DQNAgentConfig",
    "DQNConfig",
    "DataConfig",
    "DiscriminatorConfig",
    "EnvConfig",
    "EvalConfig",
    "GAILConfig",
    "LoggerConfig",
    "LoopConfig",
    "MLPPolicyConfig",
    "OfflineGAILConfig",
    "PPOConfig",
    "OnPolicyConfig",
    "QPolicyConfig",
    "RecipeConfig",
    "ReinforceConfig",
    "ReportTaskConfig",
    "RewardModelConfig",
    "DashboardTaskConfig",
    "SACConfig",
    "SACPolicyConfig",
    "SACAgentConfig",
    "ScriptedCartPoleConfig",
    "ScriptedPendulumConfig",
    "ScriptedRacecarConfig",
    "TaskConfig",
    "TrainedExpertConfig",
    "WandbConfig",
    "register_configs",
    "validate_config",
]

SCHEMAS: dict[str, dict[str, type]] = {
    "optimizer": {"adam": AdamConfig},
    "env": {"env": EnvConfig},
    "expert": {
        "auto": AutoExpertConfig,
        "trained": TrainedExpertConfig,
        "scripted_cartpole": ScriptedCartPoleConfig,
        "scripted_pendulum": ScriptedPendulumConfig,
        "scripted_racecar": ScriptedRacecarConfig,
    },
    "algo": {"algo": AlgoConfig, "reward": RewardModelConfig, "loop": LoopConfig},
    "algo/policy": {
        "q": QPolicyConfig,
        "categorical": CategoricalPolicyConfig,
        "mlp": MLPPolicyConfig,
        "sac": SACPolicyConfig,
    },
    "algo/learner": {
        "reinforce": ReinforceConfig,
        "ppo": PPOConfig,
        "sac": SACConfig,
        "dqn": DQNConfig,
    },
    "algo/algorithm": {
        "dqn_agent": DQNAgentConfig,
        "on_policy": OnPolicyConfig,
        "sac_agent": SACAgentConfig,
        "gail": GAILConfig,
        "dac": DACConfig,
        "bc": BCConfig,
        "gail_offline": OfflineGAILConfig,
    },
    "discriminator": {"mlp": DiscriminatorConfig, "airl": AIRLDiscriminatorConfig},
    "logger": {"logger": LoggerConfig},
    "task": {"task": TaskConfig, "report": ReportTaskConfig, "dashboard": DashboardTaskConfig},
}


def register_configs() -> None:
    """Store every schema as ``schema/<group>/<name>``; YAML options extend them."""
    cs = ConfigStore.instance()
    cs.store(name="base_config", node=Config)
    for group, schemas in SCHEMAS.items():
        for name, node in schemas.items():
            cs.store(group=f"schema/{group}", name=name, node=node)


def validate_config(cfg: DictConfig) -> None:
    """Run every dataclass's checks; raise :class:`ConfigValueError` naming the full key."""

    missing = sorted(OmegaConf.missing_keys(cfg))
    if missing:
        raise ConfigValueError(
            f"{missing[0]}: is required and has no value (set it on the command line, "
            f"e.g. {missing[0]}=...)" + (f"; also missing: {missing[1:]}" if missing[1:] else "")
        )

    def visit(node: Any, path: str) -> None:
        if not isinstance(node, DictConfig):
            return
        for key in node.keys():
            child = node._get_node(key)
            visit(child, f"{path}.{key}" if path else str(key))
        obj_type = OmegaConf.get_type(node)
        if obj_type is not None and dataclasses.is_dataclass(obj_type):
            try:
                OmegaConf.to_object(node)
            except ConfigValueError as err:
                msg = str(err)
                raise ConfigValueError(f"{path}.{msg}" if path else msg) from None

    visit(cfg, "")
    budget = cfg.algo.loop.budget
    starts = (cfg.algo.get("algorithm") or {}).get("learning_starts")
    if starts is not None and budget.get("env_steps") is not None and starts >= budget.env_steps:
        raise ConfigValueError(
            f"algo.algorithm.learning_starts: must be < algo.loop.budget.env_steps "
            f"({budget.env_steps}): the learner would never update (got {starts})"
        )
    disc = cfg.get("discriminator")
    airl_d = disc is not None and "state_only" in disc
    if cfg.algo.get("reward") is not None and (cfg.algo.name == "airl") != airl_d:
        raise ConfigValueError(
            f"discriminator: algo={cfg.algo.name} "
            + ("needs AIRL's (discriminator=airl)" if not airl_d else "does not use AIRL's")
            + f", got the {'airl' if airl_d else 'GAIL'} discriminator; algo=airl chooses it"
        )
    reward, algorithm = cfg.algo.get("reward"), cfg.algo.get("algorithm")
    if (
        reward is not None
        and reward.disc_reward_coef == 0
        and reward.env_reward_coef == 0
        and (algorithm or {}).get("bc_coef", 0) == 0
    ):
        raise ConfigValueError(
            "algo.reward.disc_reward_coef: must be > 0 unless algo.reward.env_reward_coef or "
            "algo.algorithm.bc_coef is (got 0.0: nothing would train the policy)"
        )
    disc, learner = cfg.get("discriminator"), cfg.algo.get("learner")
    if (
        disc is not None
        and "state_only" in disc  # AIRL: its shaping term h discounts with the learner's gamma
        and learner is not None
        and "gamma" in learner
        and disc.gamma != learner.gamma
    ):
        raise ConfigValueError(
            f"discriminator.gamma: must equal algo.learner.gamma ({learner.gamma}), the discount "
            f"AIRL's shaping term h assumes (got {disc.gamma}); set algo.learner.gamma instead"
        )
