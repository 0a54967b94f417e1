"""Collecting public job postings: HTTP policy, sources, configuration and the DuckDB store."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("jobtone")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"
