"""The data contract: the indicator catalogue and observations, read and validated."""

from .catalogue import load_catalogue
from .dataset import Dataset, load_dataset
from .observations import load_observations

__all__ = ["Dataset", "load_catalogue", "load_dataset", "load_observations"]
