"""One logger object per run: metrics to JSONL/CSV in the run dir and to Weights & Biases."""

from gail_lab.logging.progress import progress_bar
from gail_lab.logging.run_logger import RunLogger

__all__ = ["RunLogger", "progress_bar"]
