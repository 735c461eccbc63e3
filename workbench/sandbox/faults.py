"""Faults the sandbox can inject, so that clients are tested against a bad day, not a good one.

A spec is a comma-separated list, e.g. `latency=20ms,500=0.05,429=0.02,drop=0.01,expire=0.01,
truncate=0.01,seed=3`:

- `latency`: added before every answer (`20ms`, `0.5s`, or plain seconds);
- `500`: share of requests answered 500;
- `429`: share of requests that start a 429 storm (every request answers 429 for a second);
- `429bare`: the same storms answered without `X-Rate-Limit-*` headers (a proxy's 429);
- `drop`: share of requests whose connection is cut mid-answer;
- `expire`: share of requests whose bearer token expires just before it is checked;
- `truncate`: share of 200 answers whose JSON body is cut short;
- `seed`: the random seed, so a faulty run can be repeated.

Paths under `/_sandbox/` (the control endpoints) are never faulted; the middleware that
injects them is `fault_injector.FaultInjector`.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

_KEYS = {
    "latency": "latency",
    "500": "error",
    "429": "storm",
    "429bare": "bare_storm",
    "drop": "drop",
}


class FaultSpecError(ValueError):
    """A fault spec that cannot be read; the message names the part that is wrong."""


@dataclass
class FaultSpec:
    latency: float = 0.0
    error: float = 0.0
    storm: float = 0.0
    bare_storm: float = 0.0
    drop: float = 0.0
    expire: float = 0.0
    truncate: float = 0.0
    seed: int = 0

    @property
    def active(self) -> bool:
        return any(getattr(self, f.name) for f in fields(self) if f.name != "seed")

    @classmethod
    def parse(cls, text: str | None) -> FaultSpec:
        spec = cls()
        if not text or not text.strip():
            return spec
        for part in text.split(","):
            part = part.strip()
            if not part:
                continue
            key, sep, value = part.partition("=")
            key = key.strip().lower()
            if not sep:
                raise FaultSpecError(f"fault {part!r} has no value; write it as {part}=VALUE")
            name = _KEYS.get(key, key)
            if name not in {f.name for f in fields(cls)}:
                known = "latency, 500, 429, 429bare, drop, expire, truncate, seed"
                raise FaultSpecError(f"unknown fault {key!r}; known faults: {known}")
            value = value.strip().lower()
            try:
                if name == "seed":
                    setattr(spec, name, int(value))
                elif name == "latency":
                    setattr(spec, name, _seconds(value))
                else:
                    share = float(value)
                    if not 0.0 <= share <= 1.0:
                        raise ValueError
                    setattr(spec, name, share)
            except ValueError:
                expected = (
                    "a duration such as 20ms or 0.5s"
                    if name == "latency"
                    else "an integer"
                    if name == "seed"
                    else "a share between 0 and 1"
                )
                raise FaultSpecError(
                    f"fault {key!r} has value {value!r}; expected {expected}"
                ) from None
        return spec

    def describe(self) -> str:
        parts = []
        if self.latency:
            parts.append(f"latency={self.latency * 1000:g}ms")
        for name, key in (
            ("error", "500"),
            ("storm", "429"),
            ("bare_storm", "429bare"),
            ("drop", "drop"),
        ):
            if getattr(self, name):
                parts.append(f"{key}={getattr(self, name):g}")
        for name in ("expire", "truncate"):
            if getattr(self, name):
                parts.append(f"{name}={getattr(self, name):g}")
        return ",".join(parts) or "none"


def _seconds(value: str) -> float:
    if value.endswith("ms"):
        return float(value[:-2]) / 1000
    if value.endswith("s"):
        return float(value[:-1])
    return float(value)
