"""Demo data for contract management: KPI returns over the running contracts' past periods
(some late, some missed, some missing), then the reviews job, so the review pages show a
green, an amber and a red review, some signed off.

Idempotent: once any review exists it does nothing. Call after demo_tendering and the
accountability demo (the reviews count their complaints and escalation levels)."""

from datetime import datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from accounts.models import User

from .models import Contract, ContractReview, KpiResult
from .selectors_kpis import add_months, kpi_periods, return_due_on
from .services.kpis import kpi_rating_for
from .services.reviews import contract_reviews_create_due, review_sign_off

# Per running contract (by title before the lot's name): per KPI name, the figure returned
# for each ended period, oldest first; None leaves the return missing; a trailing "late"
# submits it a week after its due date.
RETURNS = {
    "Domiciliary care in South Northshire": {
        "Visits delivered on time": ["81", ("84", "late")],
        "Complaints upheld": ["3", None],
    },
    "Peer support for new parents": {
        "Visits delivered on time": ["92"],
        "Complaints upheld": [None],
    },
    "Youth clubs on two estates": {
        "Visits delivered on time": ["97", ("96", "late"), "98"],
        "Complaints upheld": ["1", "0", "2"],
    },
}
# The parish's small contract is reviewed monthly, so its first review is already due.
MONTHLY_REVIEWS = ("Village lunch club",)
SIGNED_OFF = ("Domiciliary care in South Northshire", "Youth clubs on two estates")


def _at(day, hour=10):
    return timezone.make_aware(datetime.combine(day, time(hour)))


def seed() -> int:
    """Returns how many reviews it prepared."""
    if ContractReview.objects.exists():
        return 0
    today = timezone.localdate()
    contracts = {
        c.title.split(":")[0]: c
        for c in Contract.objects.select_related("provider", "commissioner").prefetch_related(
            "kpis"
        )
    }
    for title in MONTHLY_REVIEWS:
        if title in contracts:
            contract = contracts[title]
            Contract.objects.filter(pk=contract.pk).update(
                review_frequency_months=1, next_review_on=add_months(contract.start_date, 1)
            )
    for contract in Contract.objects.filter(next_review_on__isnull=True):
        # Contracts made before contract management had no review date.
        contract.next_review_on = add_months(contract.start_date, contract.review_frequency_months)
        contract.save(update_fields=["next_review_on"])

    for title, by_kpi in RETURNS.items():
        contract = contracts.get(title)
        if contract is None:
            continue
        submitter = User.objects.filter(provider_id=contract.provider_id).order_by("id").first()
        for kpi in contract.kpis.all():
            periods = kpi_periods(kpi, contract, ended_before=today)
            for (start, end), figure in zip(periods, by_kpi.get(kpi.name, []), strict=False):
                if figure is None:
                    continue
                value, late = (figure[0], True) if isinstance(figure, tuple) else (figure, False)
                due_on = return_due_on(end)
                submitted_on = due_on + timedelta(days=7) if late else due_on - timedelta(days=3)
                KpiResult.objects.get_or_create(
                    kpi=kpi,
                    period_start=start,
                    defaults={
                        "period_end": end,
                        "value": Decimal(value),
                        "rating": kpi_rating_for(
                            value=Decimal(value),
                            target=kpi.target,
                            higher_is_better=kpi.higher_is_better,
                        ),
                        "due_on": due_on,
                        "submitted_by": submitter,
                        "submitted_at": _at(min(submitted_on, today - timedelta(days=1))),
                    },
                )

    prepared = contract_reviews_create_due()

    for title in SIGNED_OFF:
        contract = contracts.get(title)
        if contract is None:
            continue
        officer = User.objects.filter(commissioner_id=contract.commissioner_id).order_by("id")[0]
        review = contract.reviews.order_by("period_start").first()
        if review is not None:
            review_sign_off(
                review=review,
                actor=officer,
                comments="Discussed at the quarterly contract meeting; actions agreed.",
                social_value_delivered="Local recruitment as committed; two apprentices started.",
            )
    return prepared
