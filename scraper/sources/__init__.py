"""The registry of sources: one module each, one line here. See `base.py` for the contract."""

from __future__ import annotations

from types import ModuleType

from scraper.errors import ConfigError
from scraper.sources.base import Board, FetchContext, Source, collect

SOURCES: dict[str, ModuleType] = {}


def _register(*modules: ModuleType) -> None:
    for module in modules:
        SOURCES[module.NAME] = module


# -- registry: one line per source module ----------------------------------------------------------
# (helpers add `from scraper.sources import x; _register(x)` lines below)
from scraper.sources import (  # noqa: E402
    ashby,
    greenhouse,
    lever,
    recruitee,
    smartrecruiters,
    workable,
)

_register(greenhouse, lever, ashby, smartrecruiters, workable, recruitee)
from scraper.sources import amazon, apple, eightfold, google, workday  # noqa: E402  (the study's big-tech sites)

_register(amazon, eightfold, apple, workday, google)
from scraper.sources import hn, pages  # noqa: E402  (HN "Who is hiring?" threads; career pages' JSON-LD)

_register(hn, pages)


def get_source(name: str) -> ModuleType:
    try:
        return SOURCES[name]
    except KeyError:
        raise ConfigError(f"unknown source {name!r}; known: {', '.join(sorted(SOURCES))}") from None


__all__ = ["Board", "FetchContext", "Source", "SOURCES", "collect", "get_source"]
