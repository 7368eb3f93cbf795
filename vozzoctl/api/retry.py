"""When to try a request again, and how long to wait first.

Full-jitter exponential backoff (a uniform draw from 0 to base·2^n, capped), a server's
`Retry-After` honoured as given, and two caps: the number of attempts and the total time spent
waiting between them. Sleep and randomness are injected so tests run instantly and repeatably.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

RETRY_STATUSES = frozenset({429, 502, 503, 504})


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_attempts: int = 5  # attempts in all, the first included
    base_delay: float = 0.5  # seconds; the n-th retry waits up to base·2^(n-1)
    max_delay: float = 30.0  # cap of one backoff draw
    max_total_wait: float = 60.0  # cap of all waits of one request together
    retry_statuses: frozenset[int] = field(default=RETRY_STATUSES)

    def backoff(self, retry: int, rng: random.Random) -> float:
        """The wait before the `retry`-th retry (1-based), with full jitter."""
        ceiling = min(self.max_delay, self.base_delay * 2 ** (retry - 1))
        return rng.uniform(0.0, ceiling)


NO_RETRY = RetryPolicy(max_attempts=1)


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a `Retry-After` header: a number of seconds or an HTTP date."""
    if value is None:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())
