"""The desired state: what the manifests ask for, per key, in the API's terms, fingerprinted."""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from vozzoctl.model import Recipient, Settings


def settings_fingerprint(s: Settings) -> str:
    """SHA-256 of the settings as canonical JSON; equal settings give equal fingerprints.

    The text is `json.dumps(doc, sort_keys=True, separators=(",", ":"))` of the settings under
    their API names, written out directly: it is in every lockfile, so it may never change
    (tests/manifest/test_desired.py holds it to json.dumps), and encoding a dict through
    `json` cost half of building a key."""
    end = s.end_date
    return _sha(
        f'{{"agent_uuid":{_ascii(s.agent_uuid)},'
        f'"allow_weekends":{"true" if s.allow_weekends else "false"},'
        f'"campaign_name":{_ascii(s.campaign_name)},'
        f'"end_date":{_ascii(end.isoformat()) if end else "null"},'
        f'"end_hour":{int(s.end_hour)},'
        f'"max_retry":{int(s.max_retry)},'
        f'"max_retry_per_day":{int(s.max_retry_per_day)},'
        f'"start_date":{_ascii(s.start_date.isoformat())},'
        f'"start_hour":{int(s.start_hour)},'
        f'"state":{_ascii(s.state.value)}}}'
    )


_ascii: Callable[[str], str] = json.encoder.encode_basestring_ascii


# The recipients' digest goes into the lockfile, which lives in git, beside the manifests. How
# strong it must be depends on where the numbers stand:
# - Written literally in a manifest (spec.recipients, no `${VAR}` in its file or its Defaults):
#   the numbers are in the repository already, next to the lockfile, so no digest can give away
#   more. A SHA-256 salted with the key is enough to notice change, and costs microseconds.
# - Read from recipient_files (which a team may keep out of git), through `${VAR}`, or from the
#   live account (adoption): a plain SHA-256 of one recipient would be that number to anyone
#   who hashes the ~10^10 numbers of a country (minutes on a laptop). So the SHA-256 of the list
#   is stretched with scrypt, salted with the key: trying every number of one country then costs
#   about a CPU-year per key (2.5 ms a try), and no table built once serves every lockfile. A
#   list of several recipients is out of reach either way.
_SCRYPT = {"n": 2**10, "r": 8, "p": 1, "dklen": 32}


def recipients_fingerprint(recipients: Sequence[Recipient], key: str, *, published: bool) -> str:
    """The digest of a key's recipients in canonical order (by phone): file order does not
    count. Salted with the key; stretched unless every number is `published`, i.e. written
    literally in the manifests (see above)."""
    ordered = sorted(recipients, key=_phone) if not _is_sorted(recipients) else recipients
    plain = _sha("".join(f"{r.phone}\t{r.language}\t{r.metadata}\n" for r in ordered))
    if published:
        return _sha(f"vozzoctl/recipients/literal/{key}\n{plain}")
    return _stretch(plain, key)


@functools.lru_cache(maxsize=65_536)  # a plan computes every key's first, on threads
def _stretch(plain: str, key: str) -> str:
    salt = f"vozzoctl/recipients/v2/{key}".encode()
    return hashlib.scrypt(plain.encode(), salt=salt, **_SCRYPT).hex()


def _phone(r: Recipient) -> str:
    return r.phone


def _is_sorted(recipients: Sequence[Recipient]) -> bool:
    return all(recipients[i].phone < recipients[i + 1].phone for i in range(len(recipients) - 1))


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class DesiredCampaign:
    """One key of the manifests: settings, recipients sorted by phone, and their fingerprints."""

    key: str
    settings: Settings
    recipients: tuple[Recipient, ...]
    labels: tuple[tuple[str, str], ...] = ()
    source: str = ""  # file:line of the document, for messages
    settings_sha: str = field(default="", compare=False)
    # Declared but never to be sent: on a do-not-call list, or outside legal calling hours with
    # --exclude-noncompliant. Kept (in memory only) so a plan can say which live batches still
    # hold them.
    suppressed: frozenset[str] = field(default=frozenset(), compare=False, repr=False)
    excluded: frozenset[str] = field(default=frozenset(), compare=False, repr=False)
    # Every number is written literally in the manifests: its digest need not be stretched.
    published: bool = field(default=False, compare=False)

    @classmethod
    def build(
        cls,
        key: str,
        settings: Settings,
        recipients: Sequence[Recipient],
        labels: dict[str, str] | None = None,
        source: str = "",
        *,
        suppressed: frozenset[str] = frozenset(),
        excluded: frozenset[str] = frozenset(),
        published: bool = False,
    ) -> DesiredCampaign:
        ordered = tuple(sorted(recipients, key=_phone))
        return cls(
            key=key,
            settings=settings,
            recipients=ordered,
            labels=tuple(sorted((labels or {}).items())),
            source=source,
            settings_sha=settings_fingerprint(settings),
            suppressed=suppressed,
            excluded=excluded,
            published=published,
        )

    @functools.cached_property
    def recipients_sha(self) -> str:
        """Computed when first asked for: it may be stretched (milliseconds a key), and
        `validate` never needs it."""
        return recipients_fingerprint(self.recipients, self.key, published=self.published)

    def fingerprint(self, recipients: Sequence[Recipient]) -> str:
        """The digest of some of this key's recipients (a batch), or of recipients read live:
        as strong as this key's own unless every recipient, number, language and metadata
        alike, is one the manifests publish (a live call's metadata may be anyone's)."""
        published = self.published and (
            recipients is self.recipients or self._published.issuperset(recipients)
        )
        return recipients_fingerprint(recipients, self.key, published=published)

    @functools.cached_property
    def _published(self) -> frozenset[Recipient]:
        return frozenset(self.recipients)

    @property
    def withheld(self) -> frozenset[str]:
        return self.suppressed | self.excluded

    def matches(self, selector: dict[str, str]) -> bool:
        labels = dict(self.labels)
        return all(labels.get(k) == v for k, v in selector.items())


@dataclass(frozen=True)
class DesiredState:
    """Every campaign the manifests declare, sorted by key."""

    campaigns: tuple[DesiredCampaign, ...] = ()

    def __iter__(self) -> Iterator[DesiredCampaign]:
        return iter(self.campaigns)

    def __len__(self) -> int:
        return len(self.campaigns)

    def get(self, key: str) -> DesiredCampaign | None:
        return self._by_key.get(key)

    @functools.cached_property
    def _by_key(self) -> dict[str, DesiredCampaign]:
        return {c.key: c for c in self.campaigns}

    @property
    def recipient_count(self) -> int:
        return sum(len(c.recipients) for c in self.campaigns)
