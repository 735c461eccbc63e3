"""The write side: an action on the rows a filter selected, as a plan of API calls, then run.

A face (CLI, TUI, notebook) selects rows with the analysis layer's filter and hands them to a
platform module here (`wootric`, `cxi`, `apptentive`, `crowdskout`), which builds a `Plan`:
which account, which endpoint, how many calls, which rows and what changes. The face shows the
plan and, once the person confirms, `run.run_plan` sends it: each call journaled before it is
sent, so a run killed half-way is finished by running it again without doing any row twice; the
store updated for the rows that changed; one record appended to the audit log.
"""
