"""The package's folders show the pipeline, and a stage imports only from the stages before it."""

from __future__ import annotations

import re

from support import PROJECT

SOURCE = PROJECT / "src" / "reporting"
# The stages in the order data moves through them; a module may import only from its own stage or earlier ones.
ORDER = {"errors": 0, "quarters": 0, "logs": 0, "gcpause": 0, "data": 1, "measures": 2, "params": 3, "document": 4, "publish": 5,
         "commentary": 6, "run": 7, "early": 8, "batch": 8, "cli": 9, "command": 10}
RELATIVE = re.compile(r"^\s*from (\.+)([\w.]*) import ([\w, ]+)", re.MULTILINE)


def test_every_module_belongs_to_a_stage():
    top = {p.stem if p.is_file() else p.name for p in SOURCE.iterdir() if p.suffix == ".py" or (p / "__init__.py").exists()}
    assert top - {"__init__"} <= set(ORDER), top - set(ORDER)


def test_no_stage_imports_from_a_later_one():
    backwards = []
    for path in SOURCE.rglob("*.py"):
        parts = list(path.relative_to(SOURCE).with_suffix("").parts)
        package = parts[:-1]
        stage = parts[0]
        if stage == "__init__":
            continue
        for match in RELATIVE.finditer(path.read_text(encoding="utf-8")):
            dots = len(match[1])
            base = package[: len(package) - (dots - 1)] if dots > 1 else package
            target = ".".join([*base, match[2]] if match[2] else base) or match[3].split(",")[0].strip()
            if ORDER.get(target.split(".")[0], -1) > ORDER[stage]:
                backwards.append(f"{path.relative_to(SOURCE)} imports {target}")
    assert backwards == []
