"""The project's W&B dashboards, as code (wandb-workspaces): two saved views of a project.

- **imitation** (job types imitate, evaluate): the imitation learner's evaluation return and
  episode return vs env steps, grouped by algo; the final normalized score (greedy and
  stochastic) per algo; the discriminator's accuracy on expert and agent samples, its loss and
  reward; success rate in training and evaluation (envs that report success).
- **experts** (job types train_expert, collect): the expert's evaluation and episode return vs
  env steps grouped by expert, its speed, and the demonstrations collected (episodes,
  transitions, expert return).

Every metric key below is one the loggers write (a test runs the stages and checks it), so a
renamed metric breaks the test, not the dashboard. Building needs no server; saving needs an
online W&B account (``wandb login``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

# What each panel shows: (title, kind, metric keys). kind "line": vs env steps, grouped by the
# view's group key; "bar": the runs' last values (their summary), grouped the same way.
Panel = tuple[str, str, tuple[str, ...]]


@dataclass(frozen=True)
class View:
    name: str
    job_types: tuple[str, ...]
    group_by: str  # a run-config key
    sections: dict[str, list[Panel]] = field(default_factory=dict)


STEP = "global_step"  # every logged row's env step (RunLogger), the x axis of every line plot

VIEWS = (
    View(
        "imitation",
        ("imitate", "evaluate"),
        "algo.name",
        {
            "Return vs env steps": [
                ("greedy evaluation return", "line", ("eval/return_mean",)),
                ("training episode return", "line", ("charts/episodic_return",)),
                ("best evaluation return", "line", ("eval/best_return",)),
            ],
            "Normalized score (random 0, expert 1)": [
                ("normalized score", "bar", ("eval/normalized_score",)),
                ("normalized score, stochastic", "bar", ("eval/normalized_score_stochastic",)),
                ("final return vs expert", "bar", ("eval/return_mean", "data/expert_return_mean")),
            ],
            "Discriminator": [
                ("D accuracy: expert and agent", "line", ("disc/acc_expert", "disc/acc_agent")),
                ("D loss", "line", ("disc/loss",)),
                ("GAIL reward", "line", ("disc/reward_mean",)),
            ],
            "Success": [
                ("training success rate", "line", ("charts/success_rate",)),
                ("evaluation success rate", "bar", ("eval/success_rate",)),
            ],
        },
    ),
    View(
        "experts",
        ("train_expert", "collect"),
        "expert.name",
        {
            "Expert training": [
                ("expert evaluation return", "line", ("eval/return_mean",)),
                ("expert episode return", "line", ("charts/episodic_return",)),
                ("env steps per second", "line", ("charts/SPS",)),
            ],
            "Demonstrations": [
                ("expert return of the demonstrations", "bar", ("data/expert_return_mean",)),
                ("episodes and transitions", "bar", ("data/num_episodes", "data/num_transitions")),
                ("expert's final greedy return", "bar", ("expert/return_mean",)),
            ],
        },
    ),
)


def metric_keys(views: tuple[View, ...] = VIEWS) -> set[str]:
    """Every metric key a panel reads."""
    return {
        k for v in views for panels in v.sections.values() for _, _, keys in panels for k in keys
    }


def config_keys(views: tuple[View, ...] = VIEWS) -> set[str]:
    """The run-config keys the views group by."""
    return {v.group_by for v in views}


def build(entity: str | None, project: str, views: tuple[View, ...] = VIEWS, prefix="gail_lab"):
    """The views as wandb-workspaces ``Workspace`` objects (nothing is sent anywhere)."""
    import wandb_workspaces.reports.v2 as wr
    import wandb_workspaces.workspaces as ws

    out = []
    for view in views:
        group, panel_group = ws.Config(view.group_by), wr.Config(view.group_by)
        sections = []
        for title, panels in view.sections.items():
            made = []
            for name, kind, keys in panels:
                if kind == "line":
                    made.append(wr.LinePlot(title=name, x=STEP, y=list(keys), groupby=panel_group))
                else:
                    made.append(wr.BarPlot(title=name, metrics=list(keys), groupby=panel_group))
            sections.append(ws.Section(name=title, panels=made, is_open=True))
        out.append(
            ws.Workspace(
                entity=entity or "",
                project=project,
                name=f"{prefix}: {view.name}",
                sections=sections,
                settings=ws.WorkspaceSettings(x_axis=STEP),
                runset_settings=ws.RunsetSettings(
                    filters=ws.And(ws.Metric("JobType").isin(list(view.job_types))),
                    groupby=[group],
                ),
            )
        )
    return out


def layout(workspaces) -> list[dict]:
    """The built workspaces as the JSON W&B receives (the library's own conversion, which
    ``Workspace.save`` sends): what was, or would be, saved."""
    return [
        w._to_model().model_dump(mode="json", by_alias=True, exclude_none=True) for w in workspaces
    ]


def save(workspaces) -> list[str]:
    """Save each workspace to W&B (needs an API key and the W&B server); their URLs."""
    return [w.save().url for w in workspaces]
