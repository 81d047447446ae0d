"""Rating schemes: a registry of plain, vectorised functions, one module per council's key."""

from . import dtcg, ragb  # noqa: F401  (registers the schemes)
from .change import change_in_performance
from .registry import SchemeConfig, available_schemes, get_scheme, rate, register_scheme, scheme_config

__all__ = [
    "SchemeConfig",
    "available_schemes",
    "change_in_performance",
    "get_scheme",
    "rate",
    "register_scheme",
    "scheme_config",
]
