"""The six panes, one per tab: Accounts, End users, Responses, Tags, Surveys, Dashboard.

Each pane only shows what the app hands it and posts messages for what a person asks; the app
owns the state and the workers.
"""
