"""jobtone: track how employers talk in job postings.

The Python API is `jobtone.open()` (see the README's "Python API"); the `jobtone` command is `jobtone.cli`.
"""

from jobtone.api import Database, open

__all__ = ["Database", "open"]
