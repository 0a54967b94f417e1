"""benchmarks/cli_bench.py runs end to end on a tiny dump and prints its table (timings are never asserted)."""

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "cli_bench.py"


def test_cli_bench_prints_its_table(tmp_path):
    done = subprocess.run([sys.executable, str(BENCH), "--rows", "2000", "--added", "200", "--work", str(tmp_path)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert "| step | jobtone s | DuckDB s | ratio | target | pass |" in out
    for step in ("| import |", "| first trends --by year (full analysis) |", "| import 200 more |",
                 "| trends (incremental) |", "| chart |", "| peak RSS (any jobtone step) |"):
        assert step in out
    assert "all targets met in every run:" in out
    assert not list(tmp_path.glob("*.jsonl")) and not list(tmp_path.glob("*.duckdb"))  # cleaned up without --keep


def test_import_formats_prints_each_format_against_parquet(tmp_path):
    bench = BENCH.with_name("import_formats.py")
    done = subprocess.run([sys.executable, str(bench), "--rows", "300", "--runs", "1", "--work", str(tmp_path / "w")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "| run | format | wall s | CPU s | vs Parquet |" in done.stdout
    for kind in ("parquet", "jsonl", "csv"):
        assert f"| 1 | {kind} |" in done.stdout
    assert not (tmp_path / "w").exists()  # cleaned up without --keep
