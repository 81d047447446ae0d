"""The public API is exactly what `reporting.__all__` says, and every name in it resolves."""

import inspect

import reporting


def test_every_name_in_all_resolves():
    for name in reporting.__all__:
        assert getattr(reporting, name) is not None, name


def test_all_lists_every_public_name_the_package_defines():
    defined = {n for n, v in vars(reporting).items() if not n.startswith("_") and not inspect.ismodule(v)}
    lazy = set(reporting._LAZY)
    assert defined | lazy == set(reporting.__all__) - {"__version__"}


def test_all_is_sorted_and_unique():
    assert list(reporting.__all__) == sorted(set(reporting.__all__))
