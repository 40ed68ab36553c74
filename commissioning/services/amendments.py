"""Amending a published tender: a later deadline, a corrected description, a revised value.

Only a tender open for bids is amended (a draft is simply edited; a closed tender is past
changing). Each amendment records every changed field before and after, and the officer's
rationale; it is audited, published in OCDS (`tender.amendments` and a `tenderAmendment`
release), and every provider that has shown interest (asked a question, or has a live bid) is
told by email, after commit. The deadline checks use the database's clock.
"""

from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import formats, timezone

from core.dbclock import db_now
from core.errors import DomainError, IllegalTransition
from core.services import audit_record, outbox_enqueue

from ..choices import BidStatus, TenderStatus
from ..models import Bid, Clarification, Tender, TenderAmendment
from .tenders import lock_tender

AMENDABLE_FIELDS = (
    "submission_deadline",
    "clarification_deadline",
    "description",
    "estimated_value",
)
RATIONALE_MAX = 2000
ESTIMATED_VALUE_MAX = Decimal("999999999999.99")  # max_digits=14, decimal_places=2

LABELS = {
    "submission_deadline": "Submission deadline",
    "clarification_deadline": "Clarification deadline",
    "description": "Description",
    "estimated_value": "Estimated value",
}


def _json(value):
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return value


def describe(field: str, value) -> str:
    """A changed value as people read it, for pages and emails."""
    if value in (None, ""):
        return "not set"
    if field.endswith("_deadline"):
        moment = datetime.fromisoformat(value) if isinstance(value, str) else value
        local = timezone.localtime(moment)
        return (
            f"{formats.date_format(local, 'g:iA').lower()} on {formats.date_format(local, 'j F Y')}"
        )
    if field == "estimated_value":
        return f"£{Decimal(str(value)):,.2f}"
    return str(value)


def amendment_problems(tender: Tender, changes: dict, *, now=None) -> dict[str, list[str]]:
    """What is wrong with `changes` to `tender`, by field, in the officer's words."""
    now = now or db_now()
    problems: dict[str, list[str]] = {}

    def problem(field, message):
        problems.setdefault(field, []).append(message)

    submission = changes.get("submission_deadline", tender.submission_deadline)
    clarification = changes.get("clarification_deadline", tender.clarification_deadline)
    if "submission_deadline" in changes:
        if submission is None:
            problem("submission_deadline", "Enter the submission deadline")
        elif submission <= now:
            problem("submission_deadline", "The submission deadline must be in the future")
        elif tender.submission_deadline and submission < tender.submission_deadline:
            problem(
                "submission_deadline",
                "The submission deadline can only be moved later: providers may have planned "
                "around it",
            )
    if "clarification_deadline" in changes:
        if clarification is None:
            problem("clarification_deadline", "Enter the clarification deadline")
        elif clarification <= now:
            problem("clarification_deadline", "The clarification deadline must be in the future")
    if (
        clarification is not None
        and submission is not None
        and clarification >= submission
        and "clarification_deadline" not in problems
    ):
        problem(
            "clarification_deadline", "Clarifications must close before the submission deadline"
        )
    if "description" in changes and not (changes["description"] or "").strip():
        problem("description", "Enter the description")
    if "estimated_value" in changes:
        value = changes["estimated_value"]
        if value is None:
            problem("estimated_value", "Enter the estimated value")
        elif value < 0 or value > ESTIMATED_VALUE_MAX:
            problem("estimated_value", "Enter an estimated value from £0 to £999,999,999,999.99")
    return problems


@transaction.atomic
def tender_amend(*, tender: Tender, actor, rationale: str, **changes) -> TenderAmendment:
    """Amends a published tender. `changes` are any of AMENDABLE_FIELDS; unchanged values are
    ignored, and at least one value must change."""
    unknown = set(changes) - set(AMENDABLE_FIELDS)
    if unknown:
        raise DomainError(
            "These details cannot be amended.",
            field_errors={name: ["This cannot be amended"] for name in sorted(unknown)},
        )
    tender = lock_tender(tender, actor=actor)
    if tender.status != TenderStatus.PUBLISHED:
        raise IllegalTransition(
            "Only a tender open for bids can be amended: this one is "
            f"{tender.get_status_display().lower()}."
        )
    rationale = (rationale or "").strip()
    if "description" in changes and changes["description"] is not None:
        changes["description"] = changes["description"].strip()
    if "estimated_value" in changes and changes["estimated_value"] is not None:
        changes["estimated_value"] = Decimal(str(changes["estimated_value"])).quantize(
            Decimal("0.01")
        )
    changed = {name: value for name, value in changes.items() if getattr(tender, name) != value}
    problems = amendment_problems(tender, changed)
    if not rationale:
        problems.setdefault("rationale", []).append("Give the reason for the amendment")
    elif len(rationale) > RATIONALE_MAX:
        problems.setdefault("rationale", []).append(
            f"The reason must be {RATIONALE_MAX} characters or fewer"
        )
    if not changed and not problems:
        raise DomainError(
            "Change at least one detail to amend the tender.",
            field_errors={"changes": ["Change at least one detail"]},
        )
    if problems:
        raise DomainError("This amendment cannot be made.", field_errors=problems)

    record = {
        name: {"before": _json(getattr(tender, name)), "after": _json(value)}
        for name, value in changed.items()
    }
    for name, value in changed.items():
        setattr(tender, name, value)
    tender.save()
    amendment = TenderAmendment.objects.create(
        tender=tender, rationale=rationale, changes=record, amended_by=actor, amended_at=db_now()
    )
    audit_record(
        actor=actor,
        action="tender.amended",
        target=tender,
        before={name: change["before"] for name, change in record.items()},
        after={**{name: change["after"] for name, change in record.items()}, "reason": rationale},
    )
    _notify_interested(tender, amendment)
    return amendment


def interested_emails(tender: Tender) -> list[str]:
    """Who has shown interest in the tender: the people who asked questions or submitted a
    live bid (the tender has no separate "register interest" step)."""
    asked = Clarification.objects.filter(tender=tender).values_list("asked_by__email", flat=True)
    bid = Bid.objects.filter(tender=tender, status=BidStatus.SUBMITTED).values_list(
        "submitted_by__email", flat=True
    )
    return sorted({email for email in [*asked, *bid] if email})


def _notify_interested(tender: Tender, amendment: TenderAmendment) -> None:
    address = settings.SITE_URL + reverse("tenders:detail", args=[tender.pk])
    lines = "\n".join(
        f"- {LABELS[name]}: {describe(name, change['before'])} → {describe(name, change['after'])}"
        for name, change in amendment.changes.items()
    )
    for email in interested_emails(tender):
        outbox_enqueue(
            to=email,
            subject=f"Tender amended: {tender.title}",
            body=(
                f"{tender.reference} {tender.title} has been amended.\n\n{lines}\n\n"
                f"Reason: {amendment.rationale}\n\nRead the tender: {address}\n"
            ),
        )


def amendments_of(tender: Tender):
    return TenderAmendment.objects.filter(tender=tender).select_related("amended_by")
