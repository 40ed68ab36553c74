"""Making the contract for an awarded lot, once its standstill period is over.

The contract's value is the winning bid's opened price, its extension options are the
tender's, and its consortium partners are those the winning bid named in its sealed
contents. Whether the standstill is over is judged by the database's clock.
"""

from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import transaction

from core.dbclock import db_now
from core.errors import DomainError, NotPermitted
from core.inputs import date_problem, single_line_problem
from core.permissions import Action, is_platform_staff
from core.services import audit_record

from .. import sealing
from ..choices import AwardStatus, ReportingFrequency, TenderStatus
from ..models import Award, Contract, Kpi
from ..selectors_evaluation import moment
from ..selectors_kpis import add_months
from .awards import advance_tender
from .tenders import lock_tender


def _refuse(field: str, message: str):
    raise DomainError(message, field_errors={field: [message]})


def _checked_kpis(kpis) -> list[dict]:
    """Each KPI as the model wants it; problems are reported per KPI, numbered from 1."""
    checked, problems = [], []
    for number, kpi in enumerate(kpis, start=1):
        name = str(kpi.get("name") or "").strip()
        unit = str(kpi.get("unit") or "").strip()
        frequency = kpi.get("reporting_frequency") or ReportingFrequency.QUARTERLY
        try:
            target = Decimal(str(kpi.get("target")))
            if not target.is_finite():
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            target = None
        if not name:
            problems.append(f"KPI {number}: enter its name")
        elif len(name) > 200:
            problems.append(f"KPI {number}: its name must be 200 characters or fewer")
        elif problem := single_line_problem(name):
            problems.append(f"KPI {number}: {problem[0].lower()}{problem[1:]} in its name")
        if target is None:
            problems.append(f"KPI {number}: enter its target as a number")
        elif abs(target) >= Decimal("1e10"):
            problems.append(f"KPI {number}: its target must be less than 10,000,000,000")
        if not unit:
            problems.append(f"KPI {number}: enter the unit its target is measured in")
        elif len(unit) > 50:
            problems.append(f"KPI {number}: its unit must be 50 characters or fewer")
        if frequency not in ReportingFrequency.values:
            problems.append(f"KPI {number}: choose how often it is reported")
        if not isinstance(kpi.get("higher_is_better", True), bool):
            problems.append(f"KPI {number}: say whether a higher figure is better")
        checked.append(
            {
                "name": name,
                "target": target,
                "unit": unit,
                "higher_is_better": kpi.get("higher_is_better", True),
                "reporting_frequency": frequency,
            }
        )
    if problems:
        raise DomainError(problems[0], field_errors={"kpis": problems})
    return checked


@transaction.atomic
def contract_create(
    *,
    award: Award,
    actor,
    start_date: date,
    end_date: date,
    notice_period_days: int,
    kpis=(),
) -> Contract:
    """Makes the contract for an awarded lot after its standstill; the award becomes
    contracted, and the tender too once every awarded lot has its contract."""
    tender = lock_tender(award.lot.tender, actor=actor, action=Action.CHANGE)
    award = (
        Award.objects.select_for_update(of=("self",), no_key=True)
        .select_related("lot")
        .get(pk=award.pk)
    )
    lot = award.lot
    if award.status == AwardStatus.CONTRACTED:
        raise DomainError(f"The contract for lot {lot.number} has already been made.")
    if award.status == AwardStatus.NOT_AWARDED:
        raise DomainError(f"Lot {lot.number} was not awarded, so it has no contract to make.")
    if tender.status not in (TenderStatus.EVALUATION, TenderStatus.AWARDED):
        raise DomainError(
            f"This tender is {tender.get_status_display().lower()}, so no contract can be made."
        )
    if db_now() < award.standstill_ends_at:
        raise DomainError(
            f"The standstill period for lot {lot.number} ends at "
            f"{moment(award.standstill_ends_at)}: you can make the contract after that."
        )
    if not isinstance(start_date, date):
        _refuse("start_date", "Enter the date the contract starts")
    if not isinstance(end_date, date):
        _refuse("end_date", "Enter the date the contract ends")
    for field, day in (("start_date", start_date), ("end_date", end_date)):
        if problem := date_problem(day):
            _refuse(field, problem)
    if end_date <= start_date:
        _refuse("end_date", "The contract must end after it starts")
    if (
        isinstance(notice_period_days, bool)
        or not isinstance(notice_period_days, int)
        or not 0 <= notice_period_days <= 32767
    ):
        _refuse("notice_period_days", "Enter the notice period as a whole number of days")
    checked_kpis = _checked_kpis(list(kpis))

    bid = award.bid
    bid.tender = tender
    contents = sealing.open_bid_contents(bid)
    contract = Contract.objects.create(
        commissioner_id=tender.commissioner_id,
        provider_id=bid.provider_id,
        tender=tender,
        lot=lot,
        award=award,
        title=f"{tender.title}: {lot.title}"[:300],
        value=bid.opened_price,
        start_date=start_date,
        end_date=end_date,
        extension_options_remaining=list(tender.extension_option_months),
        notice_period_days=notice_period_days,
        next_review_on=add_months(start_date, Contract().review_frequency_months),
        partners=list(contents.get("partners") or []),
        created_by=actor,
    )
    Kpi.objects.bulk_create(Kpi(contract=contract, **kpi) for kpi in checked_kpis)
    award.status = AwardStatus.CONTRACTED
    award.save(update_fields=["status"])
    audit_record(
        actor=actor,
        action="contract.created",
        target=contract,
        after={
            "lot": lot.number,
            "provider": bid.provider_id,
            "value": str(contract.value),
            "start_date": start_date.isoformat(),
            "end_date": end_date.isoformat(),
            "kpis": [kpi["name"] for kpi in checked_kpis],
        },
    )
    advance_tender(tender, actor=actor)
    return contract


# --- corrections by platform staff ----------------------------------------------------------

# Contract.value has 14 digits, 2 of them pence.
MAX_CONTRACT_VALUE = Decimal("999999999999.99")


def contract_value_check(value) -> Decimal:
    """The value as money, or DomainError saying what is wrong with it. Writes nothing."""
    try:
        money = Decimal(str(value).replace(",", "").replace("£", "").strip())
        if not money.is_finite():
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        _refuse("value", "Enter the contract's value in pounds, like 230000 or 230000.50")
    if money <= 0:
        _refuse("value", "The contract's value must be more than £0")
    if money > MAX_CONTRACT_VALUE:
        _refuse("value", "The contract's value must be less than £1,000,000,000,000")
    if money != money.quantize(Decimal("0.01")):
        _refuse("value", "Enter the value in pounds and pence, with at most 2 decimal places")
    return money.quantize(Decimal("0.01"))


@transaction.atomic
def contract_value_correct(*, contract: Contract, actor, value, reason: str) -> Contract:
    """Corrects a contract's recorded value (for example a typing error in a variation),
    with the reason kept in the audit log beside the values before and after.

    Only platform staff correct values: commissioners' own changes to a contract go through
    renewals and extensions, which have their own rules."""
    if not is_platform_staff(actor):
        raise NotPermitted("Only platform staff can correct a contract's value.")
    reason = (reason or "").strip()
    if not reason:
        _refuse("reason", "Enter why the value is being corrected")
    value = contract_value_check(value)
    contract = Contract.objects.select_for_update(of=("self",)).get(pk=contract.pk)
    if contract.value == value:
        _refuse("value", f"The contract's value is already £{value:,}")
    before = contract.value
    contract.value = value
    contract.save(update_fields=["value", "updated_at"])
    audit_record(
        actor=actor,
        action="contract.value_corrected",
        target=contract,
        before={"value": str(before)},
        after={"value": str(value), "reason": reason},
    )
    return contract
