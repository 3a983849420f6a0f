"""GAIL reward forms, all computed from the discriminator's logit l, where D = sigmoid(l) is the
probability that (s, a) came from the expert (label 1 = expert, 0 = agent):

  gail   r = -log(1 - D) = softplus(l)          > 0: pays for each step survived (the notes' form)
  log_d  r =  log D      = -softplus(-l)        < 0: charges every step, favours ending early
  logit  r =  log D - log(1 - D) = l            signed (AIRL's form)

The logit forms are exact and finite for any finite l (the study notes' -log(1 - D + 1e-8) was
their guard against D = 1; here D never rounds to 1 because the sigmoid is never formed).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from gail_lab.choices import REWARD_FORMS


def gail_reward(logits: torch.Tensor, form: str = "gail") -> torch.Tensor:
    if form == "gail":
        return F.softplus(logits)
    if form == "log_d":
        return -F.softplus(-logits)
    if form == "logit":
        return logits
    raise ValueError(f"reward_form must be one of {list(REWARD_FORMS)} (got {form!r})")
