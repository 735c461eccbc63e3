"""Feedback workbench: customer feedback from four platforms, in one local store, explored in the
terminal and in Jupyter."""

__version__ = "0.1.0"
