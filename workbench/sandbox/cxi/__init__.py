"""The CXI (Wootric InMoment) API as the sandbox serves it: routes, data, CSV uploads."""
