"""Helpers for end-to-end tests: a config pointing every API root at the replay server, and the CLI."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from jobtone.cli import main

API_KEYS = ("greenhouse", "lever", "lever_eu", "ashby", "smartrecruiters", "workable", "recruitee", "hn", "wayback",
            "amazon", "eightfold", "apple", "workday", "google")


def write_config(tmp_path: Path, server_url: str, boards: str = "", extra: str = "", lock_wait: float = 1.0) -> Path:
    """A jobtone.toml with fast retries, no politeness delay, and [api] roots on the local server."""
    api = "\n".join(f'{key} = "{server_url}"' for key in API_KEYS)
    config = tmp_path / "jobtone.toml"
    config.write_text(f"""
[database]
path = "{tmp_path / 'jobtone.duckdb'}"
lock_wait = {lock_wait}

[api]
{api}

[http]
timeout = 5
retries = 2
backoff = 0.01
interval = 0

{boards}
{extra}
""", encoding="utf-8")
    return config


def board(ats: str, token: str, company: str = "") -> str:
    return f'[[board]]\nats = "{ats}"\ntoken = "{token}"\ncompany = "{company or token}"\n'


def jobtone(*args: str) -> tuple[int, str, str]:
    """Run the CLI in-process; returns (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    code = main(list(args), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def query(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def sql_json(config: Path, sql: str) -> list[dict]:
    code, out, err = jobtone("--config", str(config), "sql", "--format", "json", sql)
    assert code == 0, err
    return json.loads(out)


def hold_database(db: Path, *, read_only: bool = False, seconds: float = 3600) -> subprocess.Popen:
    """Another process holding the DuckDB file (as the DuckDB CLI or a notebook would): returns once it
    holds it; it lets go after `seconds` or when `release` is called."""
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import duckdb, select, sys
        con = duckdb.connect({str(db)!r}, read_only={read_only})
        print("ready", flush=True)
        select.select([sys.stdin], [], [], {seconds})
        con.close()
    """)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "ready"
    return holder


def release(holder: subprocess.Popen) -> None:
    holder.communicate("\n", timeout=30)


@contextmanager
def holding_database(db: Path, *, read_only: bool = False) -> Iterator[subprocess.Popen]:
    holder = hold_database(db, read_only=read_only)
    try:
        yield holder
    finally:
        release(holder)
