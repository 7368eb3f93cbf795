"""Which batch of a key holds each declared number, and how the manifest's recipients differ
from what the batches hold: added, removed, changed. Read from the scheduled calls the engine
read (`batches.items_needed`); without them nothing is known, and nothing differs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from vozzoctl.manifest.desired import DesiredCampaign
from vozzoctl.model import Recipient
from vozzoctl.pii import mask_phone
from vozzoctl.plan.live import BatchLike, ItemLike, LiveState

# Calls that are done, or happening now: never placed again by a replace.
FINISHED_CALLS = frozenset({"COMPLETED", "FAILED", "IN_PROGRESS"})


@dataclass(frozen=True)
class Holdings:
    """The key's declared recipients against what its batches hold."""

    known: bool  # every batch's calls were read
    held: dict[str, tuple[BatchLike, ItemLike]] = field(default_factory=dict)  # by number
    added: tuple[Recipient, ...] = ()  # declared, held by no batch
    removed: tuple[str, ...] = ()  # held by a live batch, no longer declared
    changed: tuple[str, ...] = ()  # held by a live batch with another language or metadata
    warnings: tuple[str, ...] = ()  # changed where the holder is finished: nothing is sent

    def holder(self, phone: str) -> BatchLike:
        return self.held[phone][0]

    def unheld(self, d: DesiredCampaign) -> int:
        return sum(1 for r in d.recipients if r.phone not in self.held)

    def keep(self, d: DesiredCampaign) -> list[Recipient]:
        """The recipients a replace puts in its new campaign: all but those whose call is
        finished or under way."""
        return [
            r
            for r in d.recipients
            if r.phone not in self.held
            or (self.held[r.phone][1].status or "").upper() not in FINISHED_CALLS
        ]


_UNKNOWN = Holdings(known=False)  # most keys of most plans: their calls are not read


def compare(d: DesiredCampaign, batches: Sequence[BatchLike], live: LiveState) -> Holdings:
    """`batches` in batch order; their calls must all be in `live.items` to know anything."""
    if not all(b.campaign_id in live.items for b in batches):
        return _UNKNOWN
    held: dict[str, tuple[BatchLike, ItemLike]] = {}
    for b in batches:
        for item in live.items[b.campaign_id]:
            # A replace sends a number again in a later batch once the old one is ended:
            # the live holder is the one that counts (for removals, changes, finished calls).
            got = held.get(item.to_phone_number)
            if got is None or (got[0].state.final and not b.state.final):
                held[item.to_phone_number] = (b, item)
    added: list[Recipient] = []
    changed: list[str] = []
    warnings: list[str] = []
    for r in d.recipients:
        got = held.get(r.phone)
        if got is None:
            added.append(r)
        elif not matches(got[1], r):
            if got[0].state.final:
                warnings.append(
                    f"{mask_phone(r.phone)} changed in the manifest, but its campaign "
                    f"{got[0].name} is {got[0].state.value}: nothing is sent"
                )
            else:
                changed.append(r.phone)
    wanted = {r.phone for r in d.recipients}
    removed = [p for p, (b, _) in held.items() if p not in wanted and not b.state.final]
    return Holdings(True, held, tuple(added), tuple(removed), tuple(changed), tuple(warnings))


def as_recipient(item: ItemLike) -> Recipient:
    return Recipient(item.to_phone_number, (item.agent_language or "EN").upper(), item.metadata)


def matches(item: ItemLike, r: Recipient) -> bool:
    if item.agent_language is not None and item.agent_language.upper() != r.language:
        return False
    return item.metadata == r.metadata
