"""Docs that cannot rot: every command and every option of `jobtone` appears in the README, and the
README's test command is exactly what CI runs (the tests, then ruff and mypy)."""

import argparse
import re
from pathlib import Path

from jobtone.cli import build_parser

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def commands(parser: argparse.ArgumentParser, prefix: str = "jobtone"):
    """(command path, its parser) for every command and sub-command."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield f"{prefix} {name}", sub
                yield from commands(sub, f"{prefix} {name}")


def test_every_command_is_in_the_readme():
    missing = [path for path, _ in commands(build_parser()) if f"`{path}" not in README]
    assert not missing, f"commands missing from README.md: {missing}"


def test_every_option_is_in_the_readme():
    missing = []
    for path, parser in [("jobtone", build_parser()), *commands(build_parser())]:
        for action in parser._actions:
            for option in action.option_strings:
                if option.startswith("--") and option != "--help" and option not in README:
                    missing.append(f"{path} {option}")
    assert not missing, f"options missing from README.md: {missing}"


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").strip().splitlines()[-1]
    assert f"```sh\n{ci}\n```" in README
    assert re.search(r"&& pytest && ruff check \. && mypy$", ci)  # the tests, then the static checks
