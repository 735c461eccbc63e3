"""Widgets shared by the panes: the table, the filter bar, charts, metric cards, sync progress."""
