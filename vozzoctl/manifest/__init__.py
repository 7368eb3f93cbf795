"""Reading and checking what users declare: YAML manifests, CSV recipients, Defaults.

Pure: no network, no httpx, no click. `load_desired_state(paths)` is the entry point.
"""

from __future__ import annotations

from vozzoctl.manifest.desired import DesiredCampaign, DesiredState
from vozzoctl.manifest.diagnostics import Diagnostic, Severity
from vozzoctl.manifest.loader import LoadResult, load_desired_state

__all__ = [
    "DesiredCampaign",
    "DesiredState",
    "Diagnostic",
    "LoadResult",
    "Severity",
    "load_desired_state",
]
