"""Every error a user can cause, as one tree with one root.

    VozzoctlError                  one line for the user, a hint, exit code 1
    ├── UsageError                 a flag or argument that cannot work
    ├── ManifestError              the manifests are invalid (carries every diagnostic of the set)
    ├── LockfileError              the lockfile cannot be read or used
    │   ├── LockHeldError          another apply holds the lock
    │   └── LockfileMismatchError  written for another API URL
    ├── PlanError                  the plan cannot be made or is unsafe
    │   └── StalePlanError         a saved plan no longer matches what it read
    └── ApiError                   the Vozzo API refused or failed (status, when there was one)
        ├── AuthError              401: the key was rejected
        ├── ForbiddenError         403: the key may not write
        ├── NotFoundError          404: an agent or a campaign that is not there
        ├── RequestRejectedError   400 / 422: the API's field messages
        ├── RateLimitedError       429 after the retries ran out
        ├── ServerError            5xx after the retries ran out
        ├── TransportError         no answer: connection refused, timeouts after the retries
        ├── UnexpectedAnswerError  an answer that decides absence, not fully understood
        └── AmbiguousCreateError   a create whose outcome is unknown: it may have made a campaign

One handler in the CLI turns any of these into `error: <message>` plus `hint: <hint>` on stderr
and exit code 1; a traceback is shown only with `-v`. Messages never hold the API key or a full
phone number: callers mask before they raise.
"""

from __future__ import annotations


class VozzoctlError(Exception):
    """The root of every error a user can cause; anything else is a bug."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class UsageError(VozzoctlError):
    """A flag or argument that cannot work."""


class ManifestError(VozzoctlError):
    """The manifests are invalid; `diagnostics` holds every problem of the whole set."""

    def __init__(self, message: str, diagnostics: tuple[object, ...] = (), **kw: str) -> None:
        super().__init__(message, hint=kw.get("hint"))
        self.diagnostics = diagnostics


class LockfileError(VozzoctlError):
    """The lockfile cannot be read or used."""


class LockHeldError(LockfileError):
    """Another apply holds the lock on this lockfile."""


class LockfileMismatchError(LockfileError):
    """The lockfile was written for another API URL."""


class PlanError(VozzoctlError):
    """The plan cannot be made, or it is unsafe to apply."""


class StalePlanError(PlanError):
    """A saved plan no longer matches the manifests, the lockfile or the live state it read."""


class ApiError(VozzoctlError):
    """The Vozzo API refused a request or could not be reached."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        hint: str | None = None,
        method: str | None = None,
        path: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.status = status
        self.method = method
        self.path = path


class AuthError(ApiError):
    """401: the key was rejected."""


class ForbiddenError(ApiError):
    """403: the key may read but not write."""


class NotFoundError(ApiError):
    """404: an agent or a campaign that is not there."""


class RequestRejectedError(ApiError):
    """400 or 422: the request was refused; `fields` holds the API's messages by field."""

    def __init__(
        self,
        message: str,
        *,
        fields: dict[str, list[str]] | None = None,
        status: int | None = None,
        hint: str | None = None,
        method: str | None = None,
        path: str | None = None,
    ) -> None:
        super().__init__(message, status=status, hint=hint, method=method, path=path)
        self.fields = fields or {}


class RateLimitedError(ApiError):
    """429 after every retry was spent."""


class ServerError(ApiError):
    """5xx after every retry was spent."""


class TransportError(ApiError):
    """No answer at all: refused connection, DNS, or timeouts after the retries."""


class UnexpectedAnswerError(ApiError):
    """An answer that decides whether a campaign exists, shaped unlike the docs or disagreeing
    with another read: the run stops before its first write (never "no campaigns")."""


class AmbiguousCreateError(ApiError):
    """A create was sent and its outcome is unknown: the campaign may or may not exist.

    Never sent again in the same run; a later plan looks for it by name and count, and sends it
    again only when neither finds it and `--pending-wait` has passed since the attempt.
    """

    def __init__(self, campaign_name: str, cause: str) -> None:
        super().__init__(
            f"creating campaign {campaign_name!r}: {cause}; it may or may not have been created",
            hint="run the same command again: vozzoctl looks for the campaign by name before "
            "it creates anything",
        )
        self.campaign_name = campaign_name
        self.cause = cause
