"""Benchmark the rating schemes: rows per second and peak memory, vectorised against per-row.

Usage: .venv/bin/python scripts/benchmark_ratings.py [--rows 1000000] [--reference-rows 100000]

Builds SYNTHETIC as-at KPI rows (random values, targets and comparators, every direction and
status), rates them with each registered scheme as the workbook does (one vectorised call), and
with the plain per-row Python version of the same rules (reporting.measures.ratings.reference) on a
sample in the same run, then prints the speed-up. Peak memory is the traced Python allocation
peak (tracemalloc) during the call, which includes pandas and NumPy buffers.
"""

from __future__ import annotations

import argparse
import time
import tracemalloc

import numpy as np
import pandas as pd

from reporting import rate
from reporting.measures.ratings import reference
from reporting.measures.ratings.dtcg import DtcgSettings
from reporting.measures.ratings.ragb import RagbSettings


def synthetic_kpis(rows: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    target = rng.uniform(1, 100, rows).round(1)
    frame = pd.DataFrame({
        "indicator_id": np.arange(rows).astype(str),
        "current": (target * rng.uniform(0.7, 1.3, rows)).round(1),
        "year_earlier": (target * rng.uniform(0.7, 1.3, rows)).round(1),
        "target": target,
        "england_mean": (target * rng.uniform(0.8, 1.2, rows)).round(1),
        "england_mean_year_earlier": (target * rng.uniform(0.8, 1.2, rows)).round(1),
        "direction": rng.choice(["higher", "lower", "none"], rows, p=[0.45, 0.45, 0.1]),
        "status": rng.choice(["target", "contextual", "baseline"], rows, p=[0.8, 0.15, 0.05]),
        "kind": rng.choice(["key_target", "key_tracker"], rows),
    })
    for column in ("current", "target", "year_earlier", "england_mean"):  # some missing inputs
        frame.loc[rng.random(rows) < 0.03, column] = np.nan
    return frame


def measure(call):
    """Wall time of one call, then its peak traced memory in a second call (tracing slows it)."""
    started = time.perf_counter()
    result = call()
    seconds = time.perf_counter() - started
    tracemalloc.start()
    call()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return result, seconds, peak / 2**20


def per_row(name: str, frame: pd.DataFrame) -> list:
    rows = frame.to_dict("records")
    if name == "ragb":
        settings = RagbSettings()
        return [reference.ragb_row(r["current"], r["target"], r["direction"], r["status"], settings) for r in rows]
    settings = DtcgSettings()
    return [
        reference.dtcg_row(r["current"], r["year_earlier"], r["target"], r["england_mean"], r["england_mean_year_earlier"],
                           r["direction"], r["kind"], r["status"], settings)[0]
        for r in rows
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--reference-rows", type=int, default=100_000, help="rows for the slow per-row version")
    args = parser.parse_args()

    kpis = synthetic_kpis(args.rows)
    sample = kpis.head(args.reference_rows)
    rate(sample.head(1000), "ragb"), rate(sample.head(1000), "dtcg")  # warm up imports and caches
    print(f"SYNTHETIC KPI rows: {args.rows:,} (per-row reference on the first {len(sample):,})\n")
    print(f"{'scheme':<8}{'vectorised s':>14}{'rows/s':>14}{'peak MiB':>10}{'per-row rows/s':>16}{'speed-up':>10}{'agree':>7}")
    for name in ("ragb", "dtcg"):
        rated, seconds, peak = measure(lambda: rate(kpis, name))
        started = time.perf_counter()
        slow = per_row(name, sample)
        slow_seconds = time.perf_counter() - started
        agree = list(rated["rating"].head(len(sample))) == slow
        fast_rate, slow_rate = args.rows / seconds, len(sample) / slow_seconds
        print(f"{name:<8}{seconds:>14.3f}{fast_rate:>14,.0f}{peak:>10.0f}{slow_rate:>16,.0f}{fast_rate / slow_rate:>9.0f}x{'yes' if agree else 'NO':>7}")


if __name__ == "__main__":
    main()
