"""Experts: how demonstrations are made. Each expert config builds an object with
``fit(factory, seed, logger, progress) -> (policy, info)``; scripted experts return themselves."""
