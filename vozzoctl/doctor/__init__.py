"""`vozzoctl doctor`: read-only first contact with an account (see `checks` and `record`)."""

from __future__ import annotations

from vozzoctl.doctor.checks import Report, Result, examine

__all__ = ["Report", "Result", "examine"]
