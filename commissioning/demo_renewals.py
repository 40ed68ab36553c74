"""Demo renewal decisions: the running contracts are moved on in time (their dates only, on
the demo's own rows) so the renewals job has decisions to open, chase, escalate and expire,
and a few are decided through the service, as an officer would.

Call seed() after the tendering, accountability and KPI demos; a second call does nothing.
"""

from datetime import timedelta

from dateutil.relativedelta import relativedelta
from django.utils import timezone

from accounts.choices import COMMISSIONER_ROLES
from accounts.models import User
from core.tasks import run_recorded_if_busy

from .models import Contract, RenewalDecision, RenewalRecommendation
from .services import renewals
from .services.tenders import tenders_close_due


def _officer_for(contract):
    return (
        User.objects.filter(
            commissioner_id=contract.commissioner_id, role__in=COMMISSIONER_ROLES, is_active=True
        )
        .order_by("role", "pk")
        .first()
    )


def _move_dates(contract, *, end_date) -> None:
    # As if time had passed: the contract started long enough ago to end on end_date.
    Contract.objects.filter(pk=contract.pk).update(
        start_date=min(contract.start_date, end_date - timedelta(days=700)), end_date=end_date
    )


def seed() -> int:
    """Returns the number of renewal decisions made (0 when the demo already has them)."""
    if RenewalDecision.objects.exists():
        return 0
    today = timezone.localdate()
    running = list(
        Contract.objects.filter(status__in=renewals.RUNNING).order_by("start_date", "pk")
    )
    if len(running) < 4:
        return 0
    overdue, extended, reprocured, expired, *others = running

    # Inside their notice point: decisions open at the next run.
    for contract in (overdue, extended, reprocured, *others):
        _move_dates(contract, end_date=today + relativedelta(months=5))
    # The demo's extension needs an option left to use.
    Contract.objects.filter(pk=extended.pk, extension_options_remaining=[]).update(
        extension_options_remaining=[12]
    )
    # Past its end with no extension: the job expires it.
    _move_dates(expired, end_date=today - timedelta(days=3))

    renewals.contract_renewals_run()

    # One decision nobody took in time: opened six weeks ago, due ten days ago. The next run
    # escalates it to the managers.
    RenewalDecision.objects.filter(contract=overdue).update(
        opened_on=today - timedelta(days=42), due_on=today - timedelta(days=10)
    )
    for contract, decision in (
        (extended, RenewalRecommendation.EXTEND),
        (reprocured, RenewalRecommendation.REPROCURE),
    ):
        renewal = RenewalDecision.objects.get(contract=contract)
        renewals.renewal_decide(
            renewal=renewal,
            actor=_officer_for(contract),
            decision=decision,
            reason=""
            if decision == renewal.recommendation
            else "The demo's officer weighed the performance record differently.",
        )
    renewals.contract_renewals_run()
    # A little history for the jobs page: the tender closer's run is kept only if it closed any.
    run_recorded_if_busy("close_due_tenders", tenders_close_due)
    return RenewalDecision.objects.count()
