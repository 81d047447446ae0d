"""Benchmark the vectorised XmR engine: one call over every indicator against a per-indicator loop.

Usage: .venv/bin/python scripts/benchmark_spc.py [--sizes 1000 10000] [--repeat 5] [--loop-sample K]

Builds SYNTHETIC long data (seeded NumPy generator): N invented indicators x 60 monthly points,
columns indicator_id, period_end, value, direction (higher / lower / none), with level shifts,
trends and the odd outlier or missing value so that every special-cause rule fires; about 10% of
indicators have a rebase date (a DataFrame of indicator_id, rebase_date) and about 80% a target.

For each size it times `xmr` + `spc_summary` as one call over all indicators (`--repeat` runs,
median and best wall time by time.perf_counter), then, in the same run, the plain way to write it
without vectorising across indicators: for each indicator, `xmr` on that indicator's rows and
`spc_summary` on its points, then concatenation. The loop's points and summary are asserted equal
to the vectorised ones. The loop runs once on all indicators unless `--loop-sample K` is given,
or (with no option) a 100-indicator trial projects the full loop above `--loop-budget` seconds;
then it runs on K indicators and the loop figure is EXTRAPOLATED, and the table says so.
Peak memory is the traced Python allocation peak (tracemalloc) of one extra vectorised call,
which includes pandas and NumPy buffers. `--profile` prints cProfile's top functions for the
vectorised call at the largest size.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import platform
import pstats
import statistics
import time
import tracemalloc

import numpy as np
import pandas as pd

from reporting.measures.spc import RULES, SPCSettings, spc_summary, xmr

MONTHS = 60
TARGET_SECONDS = 2.0  # the issue: 10,000 indicators x 60 points in under 2 seconds
TARGET_INDICATORS = 10_000
TARGET_SPEED_UP = 20.0  # the issue: at least 20 times faster than a per-indicator loop
TRIAL_INDICATORS = 100


def synthetic(indicators: int, seed: int = 1) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series]:
    """SYNTHETIC observations (long), rebase dates and targets for `indicators` indicators."""
    rng = np.random.default_rng(seed)
    ids = np.array([f"SYN{i:06d}" for i in range(indicators)], dtype=object)
    periods = pd.date_range("2019-01-31", periods=MONTHS, freq="ME")
    month = np.arange(MONTHS)

    level = rng.uniform(20, 200, indicators)
    noise = level * rng.uniform(0.02, 0.08, indicators)
    values = level[:, None] + noise[:, None] * rng.standard_normal((indicators, MONTHS))
    shifted = rng.random(indicators) < 0.3  # a step change part-way through
    shift_at = rng.integers(15, 50, indicators)
    shift_size = noise * rng.choice([-1, 1], indicators) * rng.uniform(1.5, 4, indicators)
    values += np.where(shifted[:, None] & (month >= shift_at[:, None]), shift_size[:, None], 0.0)
    trending = rng.random(indicators) < 0.2  # a steady drift from some month on
    trend_from = rng.integers(0, 40, indicators)
    slope = noise * rng.choice([-1, 1], indicators) * rng.uniform(0.5, 2.0, indicators)
    values += np.where(trending[:, None], np.maximum(month - trend_from[:, None], 0) * slope[:, None], 0.0)
    outlier = rng.random((indicators, MONTHS)) < 0.01
    values += np.where(outlier, noise[:, None] * rng.choice([-5, 5], (indicators, MONTHS)), 0.0)
    values = values.round(1)
    values[rng.random((indicators, MONTHS)) < 0.01] = np.nan  # the odd missing month

    direction = rng.choice(np.array(["higher", "lower", "none"], dtype=object), indicators, p=[0.45, 0.45, 0.1])
    observations = pd.DataFrame({
        "indicator_id": np.repeat(ids, MONTHS),
        "period_end": np.tile(periods.to_numpy(), indicators),
        "value": values.ravel(),
        "direction": np.repeat(direction, MONTHS),
    })
    rebased = rng.random(indicators) < 0.1
    rebase = pd.DataFrame({
        "indicator_id": ids[rebased],
        "rebase_date": periods[rng.integers(20, 45, int(rebased.sum()))],
    })
    has_target = rng.random(indicators) < 0.8
    targets = pd.Series(np.where(has_target, (level * rng.uniform(0.9, 1.1, indicators)).round(1), np.nan), index=ids)
    return observations, rebase, targets


def vectorised(observations: pd.DataFrame, rebase: pd.DataFrame, targets: pd.Series, settings: SPCSettings):
    points = xmr(observations, settings, rebase=rebase)
    return points, spc_summary(points, targets, settings)


def loop(observations: pd.DataFrame, rebase: pd.DataFrame, targets: pd.Series, settings: SPCSettings):
    """The natural per-indicator version: split the rows by indicator, then xmr and spc_summary on each."""
    dates = {key: rows for key, rows in rebase.groupby("indicator_id")}
    no_dates = rebase.iloc[:0]
    point_frames, summary_frames = [], []
    for key, rows in observations.groupby("indicator_id"):
        points = xmr(rows, settings, rebase=dates.get(key, no_dates))
        point_frames.append(points)
        summary_frames.append(spc_summary(points, targets, settings))
    return pd.concat(point_frames, ignore_index=True), pd.concat(summary_frames, ignore_index=True)


def timed(call, *args):
    started = time.perf_counter()
    result = call(*args)
    return result, time.perf_counter() - started


def peak_mib(call, *args) -> float:
    tracemalloc.start()
    call(*args)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def check_equal(fast, slow, ids) -> None:
    """The loop's points and summary must equal the vectorised ones for the indicators it ran on."""
    fast_points, fast_summary = fast
    slow_points, slow_summary = slow
    wanted = set(ids)
    fast_points = fast_points[fast_points["indicator_id"].isin(wanted)].reset_index(drop=True)
    fast_summary = fast_summary[fast_summary["indicator_id"].isin(wanted)].reset_index(drop=True)
    pd.testing.assert_frame_equal(slow_points, fast_points, check_exact=True)
    pd.testing.assert_frame_equal(slow_summary, fast_summary, check_exact=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000], help="numbers of indicators")
    parser.add_argument("--repeat", type=int, default=5, help="vectorised runs per size")
    parser.add_argument("--loop-sample", type=int, help="run the loop on this many indicators and extrapolate")
    parser.add_argument("--loop-budget", type=float, default=300.0, help="seconds a full loop may take before it is sampled")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profile", action="store_true", help="cProfile the vectorised call at the largest size")
    args = parser.parse_args()

    settings = SPCSettings()
    script_started = time.perf_counter()
    print("SYNTHETIC data: invented indicators, seeded random figures (seed "
          f"{args.seed}), {MONTHS} monthly points each; ~10% rebased, ~80% with a target")
    print(f"CPUs: {os.cpu_count()}   Python {platform.python_version()}   pandas {pd.__version__}   numpy {np.__version__}")
    vectorised(*synthetic(50, args.seed + 1), settings)  # warm up imports and caches

    rows_out, notes = [], []
    for size in args.sizes:
        observations, rebase, targets = synthetic(size, args.seed)
        points, _ = vectorised(observations, rebase, targets, settings)
        fired = {rule: int((points[f"rule_{rule}"] != 0).sum()) for rule in RULES}
        print(f"\n{size:,} indicators: {len(observations):,} rows, {len(points):,} points, "
              f"{int(points['special_cause'].sum()):,} special-cause points "
              f"({', '.join(f'{rule} {count:,}' for rule, count in fired.items())}), "
              f"{len(rebase):,} rebased indicators", flush=True)

        seconds = []
        for _ in range(args.repeat):
            fast, took = timed(vectorised, observations, rebase, targets, settings)
            seconds.append(took)
        median, best = statistics.median(seconds), min(seconds)
        peak = peak_mib(vectorised, observations, rebase, targets, settings)
        print(f"  vectorised: {', '.join(f'{s:.3f}' for s in seconds)} s", flush=True)

        ids = observations["indicator_id"].drop_duplicates().to_numpy()
        sample = args.loop_sample
        if sample is None:
            trial = observations[observations["indicator_id"].isin(set(ids[:TRIAL_INDICATORS]))]
            _, trial_seconds = timed(loop, trial, rebase, targets, settings)
            projected = trial_seconds * size / min(TRIAL_INDICATORS, size)
            print(f"  loop trial on {min(TRIAL_INDICATORS, size)} indicators: {trial_seconds:.2f} s, "
                  f"full loop projected at {projected:.0f} s", flush=True)
            if projected > args.loop_budget:
                sample = max(TRIAL_INDICATORS, int(size * args.loop_budget / projected))
        sample = min(sample, size) if sample else size
        chosen = set(ids[:sample])
        subset = observations if sample == size else observations[observations["indicator_id"].isin(chosen)]
        slow, loop_seconds = timed(loop, subset, rebase, targets, settings)
        check_equal(fast, slow, chosen)
        extrapolated = sample < size
        if extrapolated:
            loop_seconds *= size / sample
            notes.append(f"loop time for {size:,} indicators is EXTRAPOLATED from a loop over {sample:,} of them")
        print(f"  loop over {sample:,} indicators: {loop_seconds * sample / size:.2f} s; results equal to vectorised: yes", flush=True)
        rows_out.append((size, len(observations), len(points), median, best, loop_seconds, extrapolated, peak))

    print(f"\n{'indicators':>10}{'points':>7}{'rows':>11}{'vect median s':>15}{'best s':>9}{'loop s':>10}"
          f"{'speed-up':>10}{'rows/s':>13}{'peak MiB':>10}  targets")
    for size, rows, _, median, best, loop_seconds, extrapolated, peak in rows_out:
        speed_up = loop_seconds / median
        verdicts = [f">= {TARGET_SPEED_UP:.0f}x {'met' if speed_up >= TARGET_SPEED_UP else 'NOT MET'}"]
        if size == TARGET_INDICATORS:
            verdicts.insert(0, f"< {TARGET_SECONDS:.0f} s {'met' if median < TARGET_SECONDS else 'NOT MET'}")
        loop_text = f"{loop_seconds:.2f}{'*' if extrapolated else ''}"
        print(f"{size:>10,}{MONTHS:>7}{rows:>11,}{median:>15.3f}{best:>9.3f}{loop_text:>10}"
              f"{speed_up:>9.0f}x{rows / median:>13,.0f}{peak:>10.0f}  {'; '.join(verdicts)}")
    print(f"\nTargets (from the issue): {TARGET_INDICATORS:,} x {MONTHS} in under {TARGET_SECONDS:.0f} s (vectorised median); "
          f"at least {TARGET_SPEED_UP:.0f}x faster than the per-indicator loop.")
    print("rows/s = input rows / vectorised median; speed-up = loop s / vectorised median s; loop results asserted equal.")
    for note in notes:
        print(f"* {note}")
    print(f"Whole script: {time.perf_counter() - script_started:.1f} s")

    if args.profile:
        observations, rebase, targets = synthetic(max(args.sizes), args.seed)
        profiler = cProfile.Profile()
        profiler.enable()
        vectorised(observations, rebase, targets, settings)
        profiler.disable()
        print(f"\ncProfile of one vectorised call, {max(args.sizes):,} indicators, top 20 by cumulative time:")
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(20)


if __name__ == "__main__":
    main()
