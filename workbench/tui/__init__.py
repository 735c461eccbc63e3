"""The terminal app: `workbench` (no arguments) and `workbench demo` start it.

A face only: it reads the store through `workbench.data`, computes through
`workbench.analysis`, and shows. Nothing below it imports it.
"""

from __future__ import annotations

from workbench.tui.app import WorkbenchApp

__all__ = ["WorkbenchApp"]
