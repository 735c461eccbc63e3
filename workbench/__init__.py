"""Feedback workbench: customer feedback from four platforms, in one local store, explored in the
terminal and in Jupyter.

`import workbench` loads nothing else; the notebook API is there on first use:

    from workbench import open_workbench, demo, Filter

`workbench.demo` is also the module of the built-in demo (`workbench.demo.start_demo`); calling
it, `demo()`, opens a notebook Workbench on that demo, whichever way it was imported.
"""

from __future__ import annotations

import importlib
import sys
from types import ModuleType
from typing import Any

__version__ = "0.1.0"

_NOTEBOOK = ("open_workbench", "Workbench", "Filter", "Chart", "SyncResult")
"""Names re-exported from `workbench.notebook` on first use."""


class _DemoModule(ModuleType):
    """`workbench.demo`, callable: `demo(...)` is `workbench.notebook.demo(...)`."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        from workbench.notebook import demo

        return demo(*args, **kwargs)


class _Package(ModuleType):
    """The package, noticing when its `demo` submodule is loaded to make it callable."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "demo" and type(value) is ModuleType:
            value.__class__ = _DemoModule
        super().__setattr__(name, value)


def __getattr__(name: str) -> Any:
    if name == "demo":
        return importlib.import_module("workbench.demo")
    if name in _NOTEBOOK:
        return getattr(importlib.import_module("workbench.notebook"), name)
    raise AttributeError(f"module 'workbench' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), "demo", *_NOTEBOOK})


sys.modules[__name__].__class__ = _Package
