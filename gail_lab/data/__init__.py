"""Demonstration datasets: format, collection, loading and validation."""

from gail_lab.data.dataset import FORMAT_VERSION, DatasetError, Demonstrations

__all__ = ["FORMAT_VERSION", "DatasetError", "Demonstrations"]
