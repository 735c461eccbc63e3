"""The Crowdskout API as the sandbox serves it: routes, data, OAuth and profile edits."""
