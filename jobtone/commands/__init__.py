"""One module per `jobtone` command. Each has NAME, a docstring (its --help text), `register(parser)` and
`run(args, ctx: Context) -> int` (an ExitCode). Adding a command = one module + one entry in ALL."""

from types import ModuleType

from jobtone.commands import (
    backfill,
    changes,
    chart,
    compact,
    discover,
    export,
    import_,
    init,
    kwic,
    label,
    precision,
    run,
    runs,
    schedule,
    scrape,
    sources,
    sql,
    trends,
)

ALL: list[ModuleType] = [
    run, scrape, backfill, sources, discover, runs, sql, init,
    schedule, compact, export,  # unattended operation
    trends, changes, chart, kwic, label, precision, import_,  # analysis
]
