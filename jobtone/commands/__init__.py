"""One module per `jobtone` command. Each has NAME, a docstring (its --help text), `register(parser)` and
`run(args, ctx) -> int`. Adding a command = one module + one entry in ALL."""

from jobtone.commands import backfill, init, run, runs, scrape, sources, sql
from jobtone.commands import compact, export, schedule  # unattended operation

ALL = [run, scrape, backfill, sources, runs, sql, init]
ALL += [schedule, compact, export]
from jobtone.commands import changes, chart, import_, kwic, label, precision, trends  # analysis  # noqa: E402

ALL += [trends, changes, chart, kwic, label, precision, import_]
