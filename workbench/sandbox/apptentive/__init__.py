"""The Apptentive API as the sandbox serves it: routes and data."""
