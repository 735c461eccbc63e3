"""The Wootric API (v1, OAuth) as the sandbox serves it: routes, data, parameters, writes."""
