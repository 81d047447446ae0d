"""The scheme registry: a scheme is a function over as-at KPIs plus a frozen settings class.

Adding a council's own scheme is one module: define a settings dataclass and a function,
decorate it with `register_scheme`, and name it in the committee's params.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import pandas as pd

from ...errors import SchemeError

# Ratings given by status to indicators that are not rated against a target, in every scheme.
STATUS_LABELS = {
    "contextual": "Contextual",
    "baseline": "Baseline",
    "in_development": "In development",
    "suspended": "Suspended",
}
NOT_RATED = "Not rated"
STATUS_MEANINGS = [
    ("Baseline", "Performance is being tracked to inform the setting of a target."),
    ("Contextual", "Tracks activity to give context; no performance target is set."),
    ("In development", "The measure is agreed; data collection and target setting are in development."),
    ("Suspended", "Reporting of this measure is suspended."),
    (NOT_RATED, "A target applies but the value or target is missing, so no rating can be given."),
]


@dataclass(frozen=True)
class Scheme:
    """A registered rating scheme."""

    name: str
    function: Callable[[pd.DataFrame, Any], pd.DataFrame | pd.Series]
    settings: type
    labels: tuple[str, ...]  # every rating it can give, most severe first, for counts and keys
    description: str
    key: Callable[[Any], list[tuple[str, str]]] | None = None  # (rating, meaning) rows for the report's key
    scale: tuple[str, ...] = ()  # the performance ratings, worst first, for movements between quarters
    status_rated: Callable[[pd.DataFrame], pd.Series] | None = None  # rows given their status as rating


@dataclass(frozen=True)
class SchemeConfig:
    """A scheme chosen in params, with its validated settings and the council's own words for
    its ratings (`labels: {Blue: Exceeding target}` renames Blue wherever it appears)."""

    scheme: Scheme
    settings: Any
    renames: tuple[tuple[str, str], ...] = ()

    @property
    def name(self) -> str:
        return self.scheme.name

    def label(self, rating: str) -> str:
        return dict(self.renames).get(rating, rating)

    @property
    def labels(self) -> tuple[str, ...]:
        """Every rating the scheme can give, in the council's words, most severe first."""
        return tuple(self.label(r) for r in self.scheme.labels)

    def key_rows(self, present: set[str]) -> list[tuple[str, str]]:
        """(rating, meaning) rows explaining the ratings: the scheme's key, then each status rating
        among `present` (the ratings given, in the council's words)."""
        rows = list(self.scheme.key(self.settings)) if self.scheme.key else []
        return rows + [(label, meaning) for label, meaning in STATUS_MEANINGS if self.label(label) in present]

    @property
    def scale(self) -> tuple[str, ...]:
        """The performance ratings, worst first, in the council's words."""
        return tuple(self.label(r) for r in self.scheme.scale)


_SCHEMES: dict[str, Scheme] = {}


def register_scheme(name: str, settings: type, labels: tuple[str, ...], key=None, scale: tuple[str, ...] = (), status_rated=None):
    """Decorator: register `function(kpis, settings)` as the rating scheme called `name`.

    `key(settings)` returns the (rating, meaning) rows that explain the scheme to readers;
    `scale` lists its performance ratings worst first, so movements can be called up or down;
    `status_rated(kpis)` marks the rows rated by their status (default: status is not `target`).
    """

    def decorate(function):
        doc = (function.__doc__ or "").strip().splitlines()
        _SCHEMES[name] = Scheme(name, function, settings, tuple(labels), doc[0] if doc else name, key, tuple(scale), status_rated)
        return function

    return decorate


def available_schemes() -> list[str]:
    return sorted(_SCHEMES)


def get_scheme(name: str) -> Scheme:
    try:
        return _SCHEMES[name]
    except KeyError:
        raise SchemeError(
            f"Unknown rating scheme {name!r}; the schemes available are {', '.join(available_schemes())}."
        ) from None


def scheme_config(options: dict | str | None, source: str = "params") -> SchemeConfig:
    """Validate the `scheme` block of a params file: its name and each setting.

    `source` names the params file in error messages, e.g. "params/cambridgeshire-cyp.yaml".
    """
    if options is None:
        options = {"name": "ragb"}
    if isinstance(options, str):
        options = {"name": options}
    if not isinstance(options, dict) or "name" not in options:
        raise SchemeError(f"{source}, key scheme: expected a mapping with a name, e.g. 'scheme: {{name: ragb}}'.")
    options = dict(options)
    try:
        scheme = get_scheme(str(options.pop("name")))
    except SchemeError as error:
        raise SchemeError(f"{source}, key scheme.name: {error}") from None
    renames = options.pop("labels", None) or {}
    if not isinstance(renames, dict) or not all(isinstance(v, str) and v.strip() for v in renames.values()):
        raise SchemeError(f"{source}, key scheme.labels: expected the council's word for each rating, e.g. {{Blue: Exceeding target}}.")
    unknown_labels = sorted(set(renames) - set(scheme.labels) - set(STATUS_LABELS.values()))
    if unknown_labels:
        raise SchemeError(
            f"{source}, key scheme.labels.{unknown_labels[0]}: not a rating of the {scheme.name} scheme; "
            f"its ratings are {', '.join(scheme.labels)}."
        )
    words = {rating: rating for rating in (*scheme.labels, *STATUS_LABELS.values(), NOT_RATED)}
    words.update({str(k): str(v).strip() for k, v in renames.items()})
    seen: dict[str, str] = {}
    for rating, word in words.items():
        if word.casefold() in seen:
            raise SchemeError(
                f"{source}, key scheme.labels.{rating}: {word!r} is already the word for {seen[word.casefold()]}; "
                "each rating needs a word of its own, or counts and keys would merge them."
            )
        seen[word.casefold()] = rating
    fields = {f.name for f in dataclasses.fields(scheme.settings)}
    unknown = sorted(set(options) - fields)
    if unknown:
        raise SchemeError(
            f"{source}, key scheme.{unknown[0]}: not a setting of the {scheme.name} scheme; "
            f"its settings are {', '.join(sorted(fields | {'labels'}))}."
        )
    try:
        settings = scheme.settings(**options)
    except (TypeError, ValueError) as error:
        first = str(error).split()[0] if str(error) else ""
        key = f"scheme.{first}" if first in fields else "scheme"
        raise SchemeError(f"{source}, key {key}: {error}") from None
    return SchemeConfig(scheme, settings, tuple((str(k), str(v).strip()) for k, v in renames.items()))


def round_margin(values: np.ndarray, places: int = 9) -> np.ndarray:
    """Round to `places` decimals so float noise cannot cross a boundary; huge and infinite
    values (far from any boundary) are left as they are rather than overflowing."""
    values = np.asarray(values, dtype=float)
    with np.errstate(over="ignore", invalid="ignore"):
        rounded = np.round(values, places)
    return np.where(np.isinf(rounded) & np.isfinite(values), values, rounded)


def direction_sign(direction: pd.Series) -> np.ndarray:
    """+1 where higher is better, -1 where lower is better, NaN where there is no preferred direction:
    multiplied by a difference, it makes "better" positive whatever the indicator's direction."""
    return np.select([direction.eq("higher"), direction.eq("lower")], [1.0, -1.0], np.nan)


def require_columns(kpis: pd.DataFrame, columns: tuple[str, ...], scheme: str) -> None:
    """Say plainly which as-at columns a scheme needs and which are missing (build_kpis gives them all)."""
    missing = [c for c in columns if c not in kpis]
    if missing:
        raise SchemeError(f"The {scheme} scheme needs the columns {', '.join(columns)}; missing: {', '.join(missing)}.")


def labelled(codes: np.ndarray, names: tuple[str, ...] | list[str]) -> pd.Categorical:
    """Labels from integer codes as a categorical: far cheaper than a million strings."""
    return pd.Categorical.from_codes(np.asarray(codes, dtype=np.int16), categories=list(names))


def rate(kpis: pd.DataFrame, config: SchemeConfig | dict | str | None = None) -> pd.DataFrame:
    """Rate as-at KPIs with a scheme: adds `rating` (and any columns the scheme adds).

    Indicators whose status is not `target` get their status as their rating (unless the scheme
    rates them itself, as dtcg does key trackers). Ratings are categoricals: vectorised over
    any number of rows.
    """
    if not isinstance(config, SchemeConfig):
        config = scheme_config(config)
    result = config.scheme.function(kpis, config.settings)
    if isinstance(result, pd.Series):
        result = result.to_frame("rating")
    rated = kpis.copy(deep=False)
    for column in result.columns:
        rated[column] = result[column]
    categories = list(dict.fromkeys([*config.scheme.labels, *STATUS_LABELS.values(), NOT_RATED]))
    rating = rated["rating"]
    if isinstance(rating.dtype, pd.CategoricalDtype):  # recode the few categories, not every row
        scheme_codes = rating.cat.set_categories(categories).cat.codes.to_numpy()
    else:
        scheme_codes = pd.Categorical(rating, categories=categories).codes
    status = rated["status"]
    status_codes = np.select(
        [status.eq(key).to_numpy(dtype=bool, na_value=False) for key in STATUS_LABELS],
        [categories.index(label) for label in STATUS_LABELS.values()],
        -1,
    )
    by_status = (config.scheme.status_rated(rated) if config.scheme.status_rated else rated["status"].ne("target")).to_numpy(dtype=bool)
    codes = np.where(by_status & (status_codes >= 0), status_codes, scheme_codes)
    codes = np.where(codes < 0, categories.index(NOT_RATED), codes)
    rated["rating"] = labelled(codes, [config.label(c) for c in categories])
    return rated
