"""Providers' KPI returns: one figure per KPI and reporting period, rated against the target.

The rating rule, with the target T and the figure V:
- met: V is on the right side of T or equal to it (V >= T when higher is better, V <= T
  when lower is better);
- near miss: otherwise, when V is within 5% of T (|V - T| <= 5% of |T|);
- missed: anything further away.
"""

from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils import timezone

from core.dbclock import db_now
from core.errors import DomainError, NotPermitted
from core.services import audit_record

from ..models import Kpi, KpiRating, KpiResult
from ..permissions import SUBMIT_RETURN, kpi_return_policy
from ..selectors_kpis import return_row

NEAR_MISS_SHARE = Decimal("0.05")


def kpi_rating_for(*, value: Decimal, target: Decimal, higher_is_better: bool) -> str:
    on_right_side = value >= target if higher_is_better else value <= target
    if on_right_side:
        return KpiRating.MET
    if abs(value - target) <= abs(target) * NEAR_MISS_SHARE:
        return KpiRating.NEAR_MISS
    return KpiRating.MISSED


def _refuse(field: str, message: str):
    raise DomainError(message, field_errors={field: [message]})


@transaction.atomic
def kpi_return_submit(*, kpi: Kpi, actor, period_start: date, value) -> KpiResult:
    """Records the provider's figure for one ended period, once; late after its due date.
    Then checks the escalation triggers, so a second consecutive miss proposes a step."""
    kpi = (
        Kpi.objects.select_for_update(of=("self",), no_key=True)
        .select_related("contract")
        .get(pk=kpi.pk)
    )
    if not kpi_return_policy.can(actor, kpi, SUBMIT_RETURN):
        raise NotPermitted(kpi_return_policy.refusals[SUBMIT_RETURN])
    try:
        value = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        _refuse("value", "Enter the figure as a number, like 92.5")
    if not value.is_finite() or abs(value) >= Decimal("1e10"):
        _refuse("value", "Enter the figure as a number, like 92.5")
    now = db_now()
    today = timezone.localdate(now)
    row = return_row(kpi=kpi, period_start=period_start, today=today)
    if row is None:
        _refuse(
            "period_start",
            "You can only submit a return for a reporting period of this contract that has ended",
        )
    rating = kpi_rating_for(
        value=value.quantize(Decimal("0.01")),
        target=kpi.target,
        higher_is_better=kpi.higher_is_better,
    )
    try:
        with transaction.atomic():
            result = KpiResult.objects.create(
                kpi=kpi,
                period_start=row.period_start,
                period_end=row.period_end,
                value=value.quantize(Decimal("0.01")),
                rating=rating,
                due_on=row.due_on,
                submitted_by=actor,
                submitted_at=now,
            )
    except IntegrityError:
        _refuse(
            "value",
            f"A return for {kpi.name} for the period starting {period_start:%-d %B %Y} has "
            "already been submitted",
        )
    is_late = today > row.due_on
    audit_record(
        actor=actor,
        action="kpi.return_submitted",
        target=kpi.contract,
        after={
            "kpi": kpi.pk,
            "period_start": row.period_start.isoformat(),
            "value": str(result.value),
            "rating": rating,
            "is_late": is_late,
        },
    )
    # Imported here: accountability depends on commissioning, not the other way round.
    from accountability.services.escalation import evaluate_triggers

    evaluate_triggers(contract=kpi.contract)
    return result
