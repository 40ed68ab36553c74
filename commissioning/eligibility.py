"""Who may bid for a reserved lot: judged when a bid is made and changed, and again when the
tender closes, by the same rule.

A provider qualifies on the facts staff verified (kind, legal form, size band). While a
change it made to them waits for staff (providers.ProviderDetailsChange), it must qualify on
both what was verified and what it told us: telling us it has grown stops its bids for small
providers at once, and telling us it has shrunk opens those lots only once staff agree.
"""

from dataclasses import dataclass

from providers.choices import LegalForm, ProviderKind, SizeBand

from .choices import LotReservation

# The fact each reservation looks at, and the values that qualify.
RESERVED_FOR = {
    LotReservation.VCSE: ("kind", {ProviderKind.THIRD_SECTOR, ProviderKind.COMMUNITY}),
    LotReservation.SMALL: ("size_band", {SizeBand.MICRO, SizeBand.SMALL}),
    LotReservation.MUTUAL: (
        "legal_form",
        {LegalForm.PUBLIC_SERVICE_MUTUAL, LegalForm.COOPERATIVE},
    ),
}
_LABELS = {"kind": ProviderKind, "legal_form": LegalForm, "size_band": SizeBand}


@dataclass(frozen=True)
class Mismatch:
    reserved_for: str  # "reserved for small and micro providers"
    described: str  # "medium (50 to 249 staff)", "a private company"
    told_us: bool  # the failing fact is the provider's change waiting for staff
    waiting_would_qualify: str = ""  # the provider's waiting change, were it approved


def _describe(field: str, value: str) -> str:
    label = _LABELS[field](value).label.lower()
    return label if field == "size_band" else f"a {label}"


def reservation_mismatch(*, provider, lot, pending=None) -> Mismatch | None:
    """Why `provider` does not qualify for `lot`'s reservation, or None if it does.
    `pending` is the provider's change waiting for staff, if any."""
    rule = RESERVED_FOR.get(lot.reservation)
    if rule is None:
        return None
    field, qualifying = rule
    reserved_for = lot.get_reservation_display()
    reserved_for = reserved_for[0].lower() + reserved_for[1:]
    recorded = getattr(provider, field)
    told = getattr(pending, field, "") if pending is not None else ""
    if recorded not in qualifying:
        waiting = _describe(field, told) if told in qualifying else ""
        return Mismatch(reserved_for, _describe(field, recorded), False, waiting)
    if told and told not in qualifying:
        return Mismatch(reserved_for, _describe(field, told), True)
    return None


def reservation_refusal(*, provider, lot, pending=None) -> str | None:
    """The bidder's reason they may not bid for `lot`, in their words; None if they may."""
    mismatch = reservation_mismatch(provider=provider, lot=lot, pending=pending)
    if mismatch is None:
        return None
    if mismatch.told_us:
        return (
            f"This lot is {mismatch.reserved_for}, and your organisation told us it is now "
            f"{mismatch.described}."
        )
    message = (
        f"This lot is {mismatch.reserved_for}, and your organisation is recorded as "
        f"{mismatch.described}."
    )
    if mismatch.waiting_would_qualify:
        return (
            f"{message} Your change to {mismatch.waiting_would_qualify} is waiting for platform "
            "staff to check it."
        )
    return f"{message} If that is wrong, change your organisation's details."


def closing_refusal(*, provider, lot, pending=None) -> str | None:
    """Why a bid on `lot` no longer qualifies when the tender closes, for the panel and the
    bidder alike; None if it does."""
    mismatch = reservation_mismatch(provider=provider, lot=lot, pending=pending)
    if mismatch is None:
        return None
    if mismatch.told_us:
        facts = f"{provider.name} had told us it is now {mismatch.described}"
    else:
        facts = f"{provider.name} was recorded as {mismatch.described}"
    return (
        f"Lot {lot.number} is {mismatch.reserved_for}. When the tender closed, {facts}, so "
        "the bid is not eligible and is not scored."
    )
