"""What the covering paper counts: ratings, movements since last quarter, what was not updated.

Every function here partitions the same KPI table, so the paper's numbers always add up to
the number of KPIs reported.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

# Movement categories in the order the paper lists them.
IMPROVED, DECLINED, UNCHANGED, CHANGED, NEW = "improved", "declined", "unchanged", "changed", "new"
MOVEMENTS = (IMPROVED, DECLINED, UNCHANGED, CHANGED, NEW)


def rating_counts(kpis: pd.DataFrame, labels: tuple[str, ...]) -> pd.DataFrame:
    """One row per rating label in the scheme's order (zeros included): count and percentage of KPIs."""
    counts = kpis["rating"].value_counts().reindex(list(labels), fill_value=0)
    extra = kpis.loc[~kpis["rating"].isin(labels), "rating"].value_counts()
    counts = pd.concat([counts, extra])
    total = int(counts.sum())
    table = pd.DataFrame({"rating": counts.index, "count": counts.to_numpy()})
    table["percent"] = (100 * table["count"] / total) if total else 0.0
    return table.reset_index(drop=True)


def movements(current: pd.DataFrame, previous: pd.DataFrame, scale: tuple[str, ...]) -> pd.DataFrame:
    """Each KPI's rating now and as at the previous quarter, and how it moved.

    `scale` lists the performance ratings worst first (Red, Amber, Green, Blue). A KPI with no
    data as at the previous quarter (new to the set, or no earlier figure) is `new`; a move
    involving a rating off the scale (e.g. Baseline to Red) is `changed`.
    """
    before = previous.drop_duplicates("indicator_id").set_index("indicator_id")
    moved = current[["indicator_id", "title", "rating"]].copy()
    moved["previous_rating"] = moved["indicator_id"].map(before["rating"])
    had_figure = moved["indicator_id"].isin(before.index[before["current"].notna()])
    rank = {rating: position for position, rating in enumerate(scale)}
    now = moved["rating"].map(rank).to_numpy(dtype=float)
    then = moved["previous_rating"].map(rank).to_numpy(dtype=float)
    moved["movement"] = np.select(
        [~had_figure.to_numpy(), (moved["rating"] == moved["previous_rating"]).to_numpy(), now > then, now < then],
        [NEW, UNCHANGED, IMPROVED, DECLINED],
        CHANGED,
    )
    moved.loc[~had_figure, "previous_rating"] = None
    # Within a category, the biggest moves first: from the worst rating for improvements,
    # to the worst rating for declines.
    moved["_from"], moved["_to"] = then, now
    moved["_category"] = moved["movement"].map({m: i for i, m in enumerate(MOVEMENTS)})
    improved, declined = moved["movement"] == IMPROVED, moved["movement"] == DECLINED
    # Improvements: from the worst rating first, then the biggest jump (Red to Blue before Red to
    # Amber). Declines: to the worst rating first, then the biggest fall.
    moved["_order"] = np.select([improved, declined], [then, now], 0.0)
    moved["_jump"] = np.select([improved, declined], [-now, -then], 0.0)
    moved["_report_order"] = np.arange(len(moved))
    moved = moved.sort_values(["_category", "_order", "_jump", "_report_order"], kind="stable")
    return moved.drop(columns=["_from", "_to", "_category", "_order", "_jump", "_report_order"]).reset_index(drop=True)


def movement_counts(moved: pd.DataFrame) -> dict[str, int]:
    """How many KPIs fall in each movement category (every category, zeros included)."""
    counts = moved["movement"].value_counts()
    return {category: int(counts.get(category, 0)) for category in MOVEMENTS}


def not_updated(kpis: pd.DataFrame) -> pd.DataFrame:
    """KPIs with no new figure this quarter and why: the note in the data, else the commentary."""
    rows = kpis.loc[~kpis["updated_this_quarter"].astype(bool)].copy()
    note = rows["note"] if "note" in rows else pd.Series("", index=rows.index)
    commentary = rows["commentary"] if "commentary" in rows else pd.Series("", index=rows.index)
    reason = note.where(note.fillna("").str.strip() != "", commentary)
    rows["reason"] = reason.where(reason.fillna("").str.strip() != "", "No reason has been recorded.")
    return rows[["indicator_id", "title", "period_label", "reason"]].reset_index(drop=True)


def examples(kpis: pd.DataFrame, ratings: tuple[str, ...], rule: str = "all", count: int = 2, pin: tuple[str, ...] = ()) -> pd.DataFrame:
    """KPIs with the given ratings chosen as examples for the paper: pinned ones first, then
    all of them (`rule="all"`) or the `count` furthest from target (`rule="furthest"`)."""
    chosen = kpis[kpis["rating"].isin(ratings)].copy()
    pinned = chosen[chosen["indicator_id"].isin(pin)]
    rest = chosen[~chosen["indicator_id"].isin(pin)]
    if rule == "furthest":
        distance = rest["deviation"].abs() if "deviation" in rest else pd.Series(0.0, index=rest.index)
        rest = rest.assign(_distance=distance).sort_values("_distance", ascending=False, kind="stable")
        rest = rest.head(max(count - len(pinned), 0)).drop(columns="_distance")
    return pd.concat([pinned, rest]).reset_index(drop=True)


@dataclass(frozen=True)
class ExampleChoice:
    """The paper's examples of one group of ratings, and what they were chosen from, so the paper can say so.

    Examples are news: they are chosen only among the KPIs with a new figure this quarter, and a
    pinned KPI without one is named in `pinned_not_updated` rather than shown again.
    """

    chosen: pd.DataFrame  # the examples, pinned ones first
    rated: int  # KPIs with these ratings
    updated: int  # of those, how many were updated this quarter: the examples come from these
    pinned_not_updated: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["indicator_id", "title"]))


def choose_examples(kpis: pd.DataFrame, ratings: tuple[str, ...], rule: str = "all", count: int = 2,
                    pin: tuple[str, ...] = ()) -> ExampleChoice:
    """Examples for the paper among the KPIs with these ratings that were updated this quarter (see `examples`
    for the rule), with how many were rated and updated, and the pinned KPIs left out for want of a new figure."""
    rated = kpis[kpis["rating"].isin(ratings)]
    updated = rated[rated["updated_this_quarter"].astype(bool)]
    stale_pins = rated[~rated["updated_this_quarter"].astype(bool) & rated["indicator_id"].isin(pin)]
    return ExampleChoice(
        chosen=examples(updated, ratings, rule, count, pin),
        rated=len(rated),
        updated=len(updated),
        pinned_not_updated=stale_pins[["indicator_id", "title"]].reset_index(drop=True),
    )


def summary_record(
    committee: str,
    quarter: str,
    previous_quarter: str,
    counts: pd.DataFrame,
    moved: pd.DataFrame,
    stale: pd.DataFrame,
    left_out: int = 0,
    disagreements: pd.DataFrame | None = None,
) -> dict:
    """The machine-readable summary (summary.json): counts, movements, the not-updated list and, when
    given, the indicators whose rating and SPC view disagree."""
    def records(frame: pd.DataFrame, columns: list[str]) -> list[dict]:
        return [{c: (None if pd.isna(v) else v) for c, v in zip(columns, row)} for row in frame[columns].itertuples(index=False)]

    return {
        "committee": committee,
        "quarter": quarter,
        "previous_quarter": previous_quarter,
        "total": int(counts["count"].sum()),
        "left_out_not_updated": int(left_out),
        "counts": [
            {"rating": r, "count": int(c), "percent": round(float(p), 1)}
            for r, c, p in zip(counts["rating"], counts["count"], counts["percent"])
        ],
        "movement_counts": movement_counts(moved),
        "movements": {
            category: records(moved[moved["movement"] == category], ["indicator_id", "title", "previous_rating", "rating"])
            for category in MOVEMENTS
        },
        "not_updated": records(stale, ["indicator_id", "title", "period_label", "reason"]),
        **({} if disagreements is None else {"spc_disagreements": records(disagreements, list(DISAGREEMENT_COLUMNS))}),
    }


DISAGREEMENT_COLUMNS = ("indicator_id", "title", "rating", "variation", "assurance", "spc_disagreement")


def spc_disagreements(kpis: pd.DataFrame) -> pd.DataFrame:
    """The indicators whose rating and SPC view tell different stories, in report order."""
    return kpis.loc[kpis["spc_disagreement"].fillna("").ne(""), list(DISAGREEMENT_COLUMNS)].reset_index(drop=True)


def write_summary(record: dict, path: str | Path) -> Path:
    """Write summary.json with sorted keys and a final newline, so reruns are byte-identical."""
    path = Path(path)
    path.write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def reported_kpis(kpis: pd.DataFrame, exception_reporting: bool) -> tuple[pd.DataFrame, int]:
    """The KPIs a paper reports on, and how many were left out: under exception reporting,
    only those updated this quarter."""
    if not exception_reporting:
        return kpis, 0
    kept = kpis[kpis["updated_this_quarter"].astype(bool)].reset_index(drop=True)
    return kept, len(kpis) - len(kept)
