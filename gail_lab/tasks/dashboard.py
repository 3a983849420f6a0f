"""task=dashboard: build the project's W&B workspace views (gail_lab/logging/dashboard.py) for
``logger.wandb.entity``/``logger.wandb.project``, write their layout to ``dashboard.json`` in the
run dir, and save them to W&B (``task.save=false``: only the layout)."""

from __future__ import annotations

import logging
import os

from gail_lab.errors import GailLabError
from gail_lab.io import atomic_write_json
from gail_lab.logging import dashboard
from gail_lab.tasks.context import RunContext

log = logging.getLogger(__name__)


def run(ctx: RunContext) -> None:
    wandb_cfg = ctx.cfg.logger.wandb
    if wandb_cfg is None:
        raise GailLabError("task=dashboard needs logger=wandb (its entity and project)")
    views = dashboard.build(wandb_cfg.entity, wandb_cfg.project, prefix=ctx.cfg.task.prefix)
    path = ctx.run_dir / "dashboard.json"
    atomic_write_json(path, dashboard.layout(views))
    names = ", ".join(f"'{v.name}'" for v in views)
    log.info(
        "dashboard: %d views (%s) for project %s; layout in %s",
        len(views),
        names,
        wandb_cfg.project,
        path,
    )
    if not ctx.cfg.task.save:
        return
    if wandb_cfg.entity is None:
        raise GailLabError("task=dashboard: set logger.wandb.entity=<your W&B user or team>")
    mode = os.environ.get("WANDB_MODE", "")
    if mode in ("offline", "disabled"):
        raise GailLabError(
            f"task=dashboard saves to W&B, which WANDB_MODE={mode} forbids: unset it (and "
            "`wandb login`), or task.save=false for the layout only"
        )
    try:
        urls = dashboard.save(views)
    except Exception as err:  # no API key, no network, no such entity: one line, layout kept
        reason = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise GailLabError(
            f"could not save the W&B views ({reason}): saving needs an online W&B account "
            f"(`wandb login`) and a reachable server; the layout is in {path}"
        ) from None
    for url in urls:
        log.info("saved %s", url)
