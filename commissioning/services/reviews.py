"""Contract reviews: the daily job prepares each due review, an officer signs it off.

The RAG rating of a review:
- red: a KPI missed in its two latest periods up to the review's end, the contract at
  escalation level 2 (performance notice) or above, or an upheld safeguarding complaint
  responded to in the period;
- amber: otherwise, any KPI missed or near missed in the period, any return missing (its
  period ended in the review period and its due date has passed with no return), or any
  complaint upheld in the period;
- green: none of these.
"""

from datetime import date, timedelta

from cryptography.fernet import InvalidToken
from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from core.dbclock import db_now
from core.errors import DomainError, NotPermitted
from core.jobs import job_run
from core.services import audit_record

from .. import sealing
from ..choices import CriterionKind
from ..models import (
    Contract,
    ContractReview,
    EvaluationCriterion,
    Kpi,
    KpiRating,
    KpiResult,
    ReviewRating,
)
from ..permissions import SIGN_OFF, contract_review_policy
from ..selectors_kpis import LIVE_STATUSES, add_months, kpi_periods, return_due_on

JOB_NAME = "contract_reviews"
RED_ESCALATION_LEVEL = 2


def contract_reviews_create_due(*, chunk_size: int = 500, on_chunk=None) -> int:
    """The daily job: prepares the review of every live contract whose next review date has
    come, and moves that date on by the contract's review frequency.

    Due contracts are found through the index on next_review_on. Each chunk is one
    transaction with the same few queries however many contracts it holds, the escalation
    check of its contracts with a missed KPI or an upheld complaint in the period included
    (one set-based evaluation per chunk); rows another worker holds are skipped, and the
    one-review-per-period constraint makes a repeated run harmless. Returns how many
    contracts were reviewed.

    A contract whose winning bid BID_MASTER_KEY cannot open is left untouched and still due
    (its review records the bid's social value commitments); the rest are reviewed, then the
    run fails naming those contracts, so staff see why on the jobs page and a later run, with
    the key put right, reviews them."""
    reviewed = 0
    stranded: dict[int, str] = {}
    with job_run(JOB_NAME) as run:
        while True:
            with transaction.atomic():
                today = timezone.localdate(db_now())
                contracts = list(
                    Contract.objects.select_for_update(skip_locked=True, of=("self",), no_key=True)
                    .filter(status__in=LIVE_STATUSES, next_review_on__lte=today)
                    .exclude(pk__in=list(stranded))
                    .select_related("award__bid__tender__sealing_key")
                    .order_by("next_review_on", "id")[:chunk_size]
                )
                done = _review_chunk(contracts, today, stranded) if contracts else 0
            if done:
                run.add(done)
                reviewed += done
                if on_chunk:
                    on_chunk(done)
            # Until nothing is due: a contract several reviews behind (the job was stopped
            # for a while) gets one review per pass, each in its own chunk.
            if not contracts:
                break
        if stranded:
            raise sealing.key_cannot_open(
                f"the winning bids of {sealing.listed(stranded.values())}",
                consequence="Those contracts were not reviewed: they stay due, and the next "
                "run reviews them once the key is right.",
            )
    return reviewed


def _review_chunk(contracts: list[Contract], today: date, stranded: dict[int, str]) -> int:
    """Reviews the chunk's contracts, except those whose winning bid the master key cannot
    open (added to `stranded`, untouched). Returns how many were reviewed."""
    social_value, unopened = _social_value_committed(contracts)
    for contract in contracts:
        if contract.pk in unopened:
            stranded[contract.pk] = contract.reference
    contracts = [c for c in contracts if c.pk not in unopened]
    if not contracts:
        return 0
    ids = [c.pk for c in contracts]
    last_ends = dict(
        ContractReview.objects.filter(contract_id__in=ids)
        .values("contract_id")
        .annotate(last_end=Max("period_end"))
        .values_list("contract_id", "last_end")
    )
    windows = {
        c.pk: (
            last_ends[c.pk] + timedelta(days=1) if c.pk in last_ends else c.start_date,
            c.next_review_on,
        )
        for c in contracts
    }
    kpis_by_contract, results_by_kpi = _kpis_and_results(ids, windows)
    complaints_by_contract = _complaints(ids, windows)
    fired = _escalation_triggers(
        contracts, windows, kpis_by_contract, results_by_kpi, complaints_by_contract
    )

    reviews = []
    for contract in contracts:
        start, end = windows[contract.pk]
        figures = _review_figures(
            contract=contract,
            start=start,
            end=end,
            today=today,
            kpis=kpis_by_contract.get(contract.pk, []),
            results_by_kpi=results_by_kpi,
            complaints=complaints_by_contract.get(contract.pk, []),
        )
        reviews.append(
            ContractReview(
                contract=contract,
                period_start=start,
                period_end=end,
                due_on=end,
                escalation_triggers_fired=fired.get(contract.pk, 0),
                social_value_committed=social_value.get(contract.pk, ""),
                **figures,
            )
        )
        contract.next_review_on = add_months(end, max(contract.review_frequency_months, 1))
    ContractReview.objects.bulk_create(reviews, ignore_conflicts=True)
    Contract.objects.bulk_update(contracts, ["next_review_on"])
    return len(contracts)


def _kpis_and_results(ids, windows):
    kpis = list(Kpi.objects.filter(contract_id__in=ids).order_by("id"))
    latest_end = max(end for _, end in windows.values())
    results = KpiResult.objects.filter(
        kpi__contract_id__in=ids, period_end__lte=latest_end
    ).order_by("period_start")
    kpis_by_contract: dict[int, list[Kpi]] = {}
    for kpi in kpis:
        kpis_by_contract.setdefault(kpi.contract_id, []).append(kpi)
    results_by_kpi: dict[int, list[KpiResult]] = {}
    for result in results.only("kpi_id", "period_start", "period_end", "rating"):
        results_by_kpi.setdefault(result.kpi_id, []).append(result)
    return kpis_by_contract, results_by_kpi


def _complaints(ids, windows):
    from accountability.models import Complaint

    earliest = min(start for start, _ in windows.values())
    complaints: dict[int, list] = {}
    rows = Complaint.objects.filter(contract_id__in=ids, received_at__date__gte=earliest).values(
        "contract_id", "received_at", "responded_at", "outcome", "category"
    )
    for row in rows:
        complaints.setdefault(row["contract_id"], []).append(row)
    return complaints


def _within(moment, start: date, end: date) -> bool:
    return moment is not None and start <= timezone.localdate(moment) <= end


def _review_figures(*, contract, start, end, today, kpis, results_by_kpi, complaints) -> dict:
    from accountability.choices import UPHELD_OUTCOMES, ComplaintCategory

    counts = {KpiRating.MET: 0, KpiRating.NEAR_MISS: 0, KpiRating.MISSED: 0}
    missing = 0
    missed_twice = False
    for kpi in kpis:
        kpi.contract = contract
        results = results_by_kpi.get(kpi.pk, [])
        for result in results:
            if start <= result.period_end <= end:
                counts[result.rating] += 1
        submitted = {r.period_start for r in results}
        for period_start, period_end in kpi_periods(kpi, contract, ended_before=end + timedelta(1)):
            if start <= period_end <= end and period_start not in submitted:
                missing += return_due_on(period_end) < today
        up_to_end = [r for r in results if r.period_end <= end][-2:]
        if len(up_to_end) == 2 and all(r.rating == KpiRating.MISSED for r in up_to_end):
            missed_twice = True
    received = sum(_within(c["received_at"], start, end) for c in complaints)
    upheld = [
        c
        for c in complaints
        if c["outcome"] in UPHELD_OUTCOMES and _within(c["responded_at"], start, end)
    ]
    safeguarding = any(c["category"] == ComplaintCategory.SAFEGUARDING for c in upheld)
    if missed_twice or contract.escalation_level >= RED_ESCALATION_LEVEL or safeguarding:
        rating = ReviewRating.RED
    elif counts[KpiRating.MISSED] or counts[KpiRating.NEAR_MISS] or missing or upheld:
        rating = ReviewRating.AMBER
    else:
        rating = ReviewRating.GREEN
    return {
        "kpis_met": counts[KpiRating.MET],
        "kpis_near_miss": counts[KpiRating.NEAR_MISS],
        "kpis_missed": counts[KpiRating.MISSED],
        "kpi_returns_missing": missing,
        "complaints_received": received,
        "complaints_upheld": len(upheld),
        "rating": rating,
    }


def _escalation_triggers(contracts, windows, kpis_by_contract, results_by_kpi, complaints):
    """Runs the escalation triggers of the chunk's contracts with evidence in the period (a
    missed KPI or an upheld complaint, found in the rows already loaded), all at once: the
    check's queries do not grow with the number of such contracts, and a chunk of contracts
    performing well makes none. The chunk's row locks make the check race-free. Returns
    proposals made per contract."""
    from accountability.choices import UPHELD_OUTCOMES
    from accountability.services.escalation import evaluate_triggers_for_contracts

    with_evidence = []
    for contract in contracts:
        start, end = windows[contract.pk]
        missed = any(
            r.rating == KpiRating.MISSED and start <= r.period_end <= end
            for kpi in kpis_by_contract.get(contract.pk, [])
            for r in results_by_kpi.get(kpi.pk, [])
        )
        upheld = any(c["outcome"] in UPHELD_OUTCOMES for c in complaints.get(contract.pk, []))
        if missed or upheld:
            with_evidence.append(contract)
    if not with_evidence:
        return {}
    proposals = evaluate_triggers_for_contracts(with_evidence)
    return {pk: len(made) for pk, made in proposals.items()}


def _social_value_committed(contracts) -> tuple[dict[int, str], set[int]]:
    """The winning bid's answers to the social value criteria, opened from its sealed
    contents (the bid, its tender and key come with the chunk's one query); and the
    contracts whose bid the master key cannot open."""
    tender_ids = {c.tender_id for c in contracts}
    criteria: dict[int, list] = {}
    for criterion in EvaluationCriterion.objects.filter(
        tender_id__in=tender_ids, kind=CriterionKind.SOCIAL_VALUE
    ).order_by("id"):
        criteria.setdefault(criterion.tender_id, []).append(criterion)
    committed = {}
    unopened: set[int] = set()
    for contract in contracts:
        bid = contract.award.bid if contract.award_id else None
        if bid is None or not bid.sealed_contents or contract.tender_id not in criteria:
            continue
        try:
            answers = sealing.open_bid_contents(bid).get("answers") or {}
        except sealing.BidKeyUnusable:
            unopened.add(contract.pk)
            continue
        except (sealing.BidsStillSealed, InvalidToken, ObjectDoesNotExist, ValueError):
            # A bid that cannot be opened (made before sealing existed) leaves it blank.
            answers = {}
        committed[contract.pk] = "\n\n".join(
            answers[str(c.pk)] for c in criteria[contract.tender_id] if answers.get(str(c.pk))
        )
    return committed, unopened


@transaction.atomic
def review_sign_off(
    *, review: ContractReview, actor, comments: str, social_value_delivered: str
) -> ContractReview:
    """An officer of the commissioner records their conclusions; a review is signed once."""
    review = (
        ContractReview.objects.select_for_update(of=("self",), no_key=True)
        .select_related("contract")
        .get(pk=review.pk)
    )
    if not contract_review_policy.can(actor, review, SIGN_OFF):
        raise NotPermitted(contract_review_policy.refusals[SIGN_OFF])
    if review.signed_off_at is not None:
        raise DomainError("This review has already been signed off.")
    comments = (comments or "").strip()
    social_value_delivered = (social_value_delivered or "").strip()
    problems = {}
    if not comments:
        problems["comments"] = ["Enter your conclusions from the review"]
    if not social_value_delivered:
        problems["social_value_delivered"] = [
            "Enter the social value delivered in the period, or “None” if there was none"
        ]
    if problems:
        raise DomainError("Check the sign-off.", field_errors=problems)
    review.comments = comments
    review.social_value_delivered = social_value_delivered
    review.signed_off_by = actor
    review.signed_off_at = db_now()
    review.save(
        update_fields=["comments", "social_value_delivered", "signed_off_by", "signed_off_at"]
    )
    audit_record(
        actor=actor,
        action="contract_review.signed_off",
        target=review.contract,
        after={
            "review": review.pk,
            "period_start": review.period_start.isoformat(),
            "period_end": review.period_end.isoformat(),
            "rating": review.rating,
        },
    )
    return review
