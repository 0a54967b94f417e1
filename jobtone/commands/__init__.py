"""One module per `jobtone` command. Each has NAME, a docstring (its --help text), `register(parser)` and
`run(args, ctx) -> int`. Adding a command = one module + one entry in ALL."""

from jobtone.commands import backfill, init, run, runs, scrape, sources, sql

ALL = [run, scrape, backfill, sources, runs, sql, init]
