"""gail_lab."""
