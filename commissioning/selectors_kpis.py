"""Reads for contract management: KPI reporting periods, the returns providers owe, and the
reviews officers sign off.

A KPI's reporting periods run back to back from the contract's start date, one month, three
months or a year long (Kpi.reporting_frequency), each ending the day before the next starts.
A return is due KPI_RETURN_DUE_WORKING_DAYS working days after its period ends. A period that
ended with no return is "due" until its due date and "missing" after it; a return submitted
after its due date is "late".
"""

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db.models import Prefetch

from core.workingdays import add_working_days

from .choices import ContractStatus, ReportingFrequency
from .models import Contract, ContractReview, Kpi, KpiResult

FREQUENCY_MONTHS = {
    ReportingFrequency.MONTHLY: 1,
    ReportingFrequency.QUARTERLY: 3,
    ReportingFrequency.ANNUALLY: 12,
}
LIVE_STATUSES = (ContractStatus.ACTIVE, ContractStatus.EXTENDED)


def add_months(day: date, months: int) -> date:
    """The same day `months` later; the 31st becomes the last day of a shorter month."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def return_due_on(period_end: date) -> date:
    return add_working_days(period_end, settings.KPI_RETURN_DUE_WORKING_DAYS)


def kpi_periods(kpi: Kpi, contract: Contract, *, ended_before: date) -> list[tuple[date, date]]:
    """The KPI's reporting periods that ended before `ended_before`, oldest first. Always
    counted from the contract's start, so the 31st stays the month's end, not drifting."""
    months = FREQUENCY_MONTHS[kpi.reporting_frequency]
    periods = []
    number = 0
    while True:
        start = add_months(contract.start_date, months * number)
        end = add_months(contract.start_date, months * (number + 1)) - timedelta(days=1)
        if end >= ended_before or start >= contract.end_date:
            return periods
        periods.append((start, end))
        number += 1


@dataclass
class ReturnRow:
    kpi: Kpi
    period_start: date
    period_end: date
    due_on: date
    result: KpiResult | None
    today: date

    @property
    def status(self) -> str:
        if self.result is not None:
            return "late" if self.is_late else "submitted"
        return "missing" if self.today > self.due_on else "due"

    @property
    def is_late(self) -> bool:
        return (
            self.result is not None
            and self.result.due_on is not None
            and self.result.submitted_at.date() > self.result.due_on
        )

    @property
    def status_label(self) -> str:
        return {"late": "Late", "submitted": "Submitted", "missing": "Missing", "due": "Due"}[
            self.status
        ]


def _rows_for(kpi: Kpi, today: date) -> list[ReturnRow]:
    results = {r.period_start: r for r in kpi.results.all()}
    return [
        ReturnRow(
            kpi=kpi,
            period_start=start,
            period_end=end,
            due_on=return_due_on(end),
            result=results.get(start),
            today=today,
        )
        for start, end in kpi_periods(kpi, kpi.contract, ended_before=today)
    ]


def _kpis_with_results(kpis):
    return kpis.select_related("contract", "contract__commissioner").prefetch_related(
        Prefetch("results", queryset=KpiResult.objects.order_by("period_start"))
    )


def provider_returns(*, provider_id: int, today: date) -> dict:
    """The provider's returns owed on its live contracts: those to submit (due or missing)
    first, most overdue first, then what was submitted. Two queries, however many rows."""
    kpis = _kpis_with_results(
        Kpi.objects.filter(contract__provider_id=provider_id, contract__status__in=LIVE_STATUSES)
    ).order_by("contract__title", "contract_id", "id")
    rows = [row for kpi in kpis for row in _rows_for(kpi, today)]
    to_submit = sorted((r for r in rows if r.result is None), key=lambda r: (r.due_on, r.kpi.pk))
    submitted = sorted(
        (r for r in rows if r.result is not None),
        key=lambda r: (r.period_start, r.kpi.pk),
        reverse=True,
    )
    return {"to_submit": to_submit, "submitted": submitted}


def return_row(*, kpi: Kpi, period_start: date, today: date) -> ReturnRow | None:
    for row in _rows_for(kpi, today):
        if row.period_start == period_start:
            return row
    return None


def contract_kpis(*, contract: Contract, today: date) -> list[dict]:
    """Each KPI of the contract with a row per ended period: result, rating, late, missing."""
    kpis = _kpis_with_results(Kpi.objects.filter(contract_id=contract.pk)).order_by("id")
    return [{"kpi": kpi, "rows": list(reversed(_rows_for(kpi, today)))} for kpi in kpis]


def reviews_awaiting_sign_off(*, commissioner_id: int | None):
    reviews = ContractReview.objects.filter(signed_off_at__isnull=True).select_related(
        "contract", "contract__provider"
    )
    if commissioner_id is not None:
        reviews = reviews.filter(contract__commissioner_id=commissioner_id)
    return reviews.order_by("due_on", "id")
