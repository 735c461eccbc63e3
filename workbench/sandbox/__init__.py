"""A faithful local stand-in for the four APIs, with a deterministic synthetic dataset.

It imports nothing from the rest of the workbench: the demo and the tests drive the real clients
against it over real HTTP.
"""

from workbench.sandbox.app import Sandbox
from workbench.sandbox.faults import FaultSpec, FaultSpecError
from workbench.sandbox.serve import ServedSandbox
from workbench.sandbox.world import SandboxConfig, SandboxConfigError, World

__all__ = [
    "FaultSpec",
    "FaultSpecError",
    "Sandbox",
    "SandboxConfig",
    "SandboxConfigError",
    "ServedSandbox",
    "World",
]
