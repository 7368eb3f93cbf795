"""vozzoctl: campaigns-as-code for the Vozzo voice-AI platform."""

from __future__ import annotations

__version__ = "0.1.0"
