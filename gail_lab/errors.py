"""Errors that carry a one-line message for the user: run.py prints it and exits non-zero."""


class GailLabError(Exception):
    """Base class of the errors gail_lab reports without a traceback."""


class MissingArtifactError(GailLabError):
    """An input (expert, dataset, checkpoint) does not exist; the message says how to make it."""


class ExpertTooWeakError(GailLabError):
    """The expert scores below the env's threshold; collecting from it would teach a bad policy."""


class NonFiniteError(GailLabError):
    """A loss or reward became NaN/inf; the message names the quantity and the iteration."""


class DiskFullError(GailLabError, OSError):
    """The disk or quota filled up while writing a file; the file keeps its old content, if any."""


class UnwritablePathError(GailLabError, OSError):
    """A file or folder cannot be written (permissions, a read-only file system, a file where a
    folder should be); the message names the path and the reason."""


class IncompatibleSpaceError(GailLabError, ValueError):
    """A learner or expert was asked to drive an action space it cannot (DQN on Box actions)."""
