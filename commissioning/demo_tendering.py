"""Demo tenders at every stage of their life, across the demo commissioners, with bids from
providers of all three kinds. Built through the services, so every record is one the platform
could have made; where a stage needs time to pass (deadlines, standstill), the demo moves the
dates into the past first, as if the time had gone by.

Idempotent: a tender whose title already exists for its commissioner is left as it is.
"""

from datetime import date, timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import User

from .choices import CriterionKind, LotReservation, Procedure
from .models import Award, CpvCode, Tender
from .selectors_evaluation import lot_ranking
from .services import awards, bids, clarifications, contracts, evaluation
from .services import tenders as tender_services


def _in(days: float):
    return timezone.now() + timedelta(days=days)


def _pass_deadline(tender: Tender, *, days_ago: float = 1) -> None:
    """As if the submission deadline went by `days_ago` days ago."""
    deadline = _in(-days_ago)
    Tender.objects.filter(pk=tender.pk).update(
        submission_deadline=deadline,
        clarification_deadline=deadline - timedelta(days=7),
        published_at=deadline - timedelta(days=30),
    )


def _draft(
    officer,
    *,
    title,
    description,
    cpv,
    region,
    procedure=Procedure.OPEN,
    value="200000",
    lots=(("Whole service", "200000", LotReservation.NONE),),
    panel=(),
    weights=(40, 50, 10),
    deadline_days=30,
):
    tender = tender_services.tender_create_draft(
        actor=officer,
        title=title,
        description=description,
        main_cpv=CpvCode.objects.get(pk=cpv),
        region=region,
        procedure=procedure,
        estimated_value=Decimal(value),
        contract_term_months=24,
        extension_option_months=[12, 12],
        clarification_deadline=_in(deadline_days - 7),
        submission_deadline=_in(deadline_days),
    )
    for lot_title, lot_value, reservation in lots:
        tender_services.lot_add(
            tender=tender,
            actor=officer,
            title=lot_title,
            estimated_value=Decimal(lot_value),
            reservation=reservation,
        )
    price, quality, social_value = weights
    tender_services.criterion_add(
        tender=tender, actor=officer, kind=CriterionKind.PRICE, title="Price", weight=price
    )
    tender_services.criterion_add(
        tender=tender,
        actor=officer,
        kind=CriterionKind.QUALITY,
        title="Quality and safety of the service",
        weight=quality,
        guidance="How you will deliver, staff, safeguard and improve the service.",
    )
    tender_services.criterion_add(
        tender=tender,
        actor=officer,
        kind=CriterionKind.SOCIAL_VALUE,
        title="Social value in the community",
        weight=social_value,
        guidance="Local jobs, volunteering and environmental commitments, with measures.",
    )
    for member in panel or (officer,):
        tender_services.panel_member_add(tender=tender, actor=officer, member=member)
    spec = SimpleUploadedFile(
        "specification.pdf",
        b"%PDF-1.7\n% CivicMarkets demo specification\n",
        content_type="application/pdf",
    )
    tender_services.tender_document_add(
        tender=tender, actor=officer, title="Specification", uploaded_file=spec
    )
    return tender


def _bid(tender, lot_number, bidder, price, quality_text):
    lot = tender.lots.get(number=lot_number)
    answers = {
        str(c.pk): f"{quality_text} ({c.title.lower()})"
        for c in tender.criteria.exclude(kind=CriterionKind.PRICE)
    }
    return bids.bid_submit(
        lot=lot, actor=bidder, price=Decimal(price), answers=answers, partners=[], documents=[]
    )


def _evaluate(tender, panel, moderator, scores):
    """Every panel member declares no conflict and scores; the moderator agrees the scores.
    `scores` maps a bid to its (quality, social value) score out of 5."""
    for member in panel:
        evaluation.conflict_declare(tender=tender, actor=member, has_conflict=False)
    scored = tender.criteria.exclude(kind=CriterionKind.PRICE)
    for bid, (quality, social_value) in scores.items():
        for criterion in scored:
            value = quality if criterion.kind == CriterionKind.QUALITY else social_value
            for member in panel:
                evaluation.score_record(
                    bid=bid,
                    criterion=criterion,
                    actor=member,
                    score=value,
                    justification="Evidence matched the requirement.",
                )
            evaluation.moderation_record(
                bid=bid,
                criterion=criterion,
                actor=moderator,
                score=value,
                rationale="Panel agreed.",
            )


def _award_all(tender, officer):
    for lot in tender.lots.all():
        awards.award_make(lot=lot, actor=officer, bid=lot_ranking(lot).top.bid)


def _end_standstill(tender):
    Award.objects.filter(lot__tender=tender).update(standstill_ends_at=_in(-1))


def _contract_all(tender, officer, start: date):
    for award in Award.objects.filter(lot__tender=tender, status="standstill"):
        contracts.contract_create(
            award=award,
            actor=officer,
            start_date=start,
            end_date=start + timedelta(days=730),
            notice_period_days=90,
            kpis=[
                {
                    "name": "Visits delivered on time",
                    "target": Decimal("95"),
                    "unit": "%",
                    "higher_is_better": True,
                    "reporting_frequency": "quarterly",
                },
                {
                    "name": "Complaints upheld",
                    "target": Decimal("2"),
                    "unit": "per quarter",
                    "higher_is_better": False,
                    "reporting_frequency": "quarterly",
                },
            ],
        )


def seed(*, commissioners, providers) -> int:
    users = {u.email: u for u in User.objects.all()}
    nsh_officer = users["officer@northshire.example"]
    nsh_manager = users["manager@northshire.example"]
    icb_officer = users["officer@riverside-icb.example"]
    parish_clerk = users["clerk@ashbyparva.example"]
    carewell = users["admin@carewell.example"]
    mind = users["admin@northshiremind.example"]
    neighbours = users["admin@goodneighbours.example"]
    existing = set(Tender.objects.values_list("commissioner_id", "title"))
    made = 0

    def wanted(officer, title):
        return (officer.commissioner_id, title) not in existing

    title = "Home care reablement service"
    if wanted(nsh_officer, title):
        tender_services.tender_create_draft(
            actor=nsh_officer,
            title=title,
            main_cpv=CpvCode.objects.get(pk="85312400-3"),
            description="Short-term support at home after a hospital stay.",
            region="UKD",
            procedure=Procedure.LIGHT_TOUCH,
            estimated_value=Decimal("950000"),
            contract_term_months=36,
            extension_option_months=[12],
        )
        made += 1

    title = "Community befriending for older people"
    if wanted(nsh_officer, title):
        tender = _draft(
            nsh_officer,
            title=title,
            cpv="85312000-9",
            region="UKD",
            description="Weekly visits and calls for older people who live alone, in two areas.",
            lots=(
                ("North Northshire", "90000", LotReservation.VCSE),
                ("South Northshire", "90000", LotReservation.NONE),
            ),
            panel=(nsh_officer, nsh_manager),
            value="180000",
            deadline_days=26,
        )
        tender_services.tender_publish(tender=tender, actor=nsh_officer)
        question = clarifications.clarification_ask(
            tender=tender,
            actor=neighbours,
            question="Can volunteers' travel expenses be included in the price?",
        )
        clarifications.clarification_answer(
            clarification=question,
            actor=nsh_officer,
            answer="Yes. Include volunteers' expenses in your price and show them separately "
            "in your answer on social value.",
        )
        clarifications.clarification_ask(
            tender=tender,
            actor=carewell,
            question="Is TUPE expected to apply to the current befriending staff?",
        )
        _bid(tender, 1, mind, "86000", "Peer volunteers trained in safeguarding")
        _bid(tender, 2, carewell, "79500", "Paid befrienders with weekly supervision")
        made += 1

    title = "Mental health crisis café"
    if wanted(icb_officer, title):
        tender = _draft(
            icb_officer,
            title=title,
            cpv="85323000-9",
            region="UKE",
            procedure=Procedure.LIGHT_TOUCH,
            value="120000",
            description="An evening crisis café run with people who have lived experience.",
            lots=(("Hull crisis café", "120000", LotReservation.VCSE),),
            deadline_days=12,
        )
        tender_services.tender_publish(tender=tender, actor=icb_officer)
        # Closing soon: as if it was published ten days ago.
        Tender.objects.filter(pk=tender.pk).update(
            published_at=_in(-10), clarification_deadline=_in(1), submission_deadline=_in(2)
        )
        _bid(tender, 1, mind, "118000", "A peer-led café open four evenings a week")
        made += 1

    title = "School holiday activities and food"
    if wanted(nsh_officer, title):
        tender = _draft(
            nsh_officer,
            title=title,
            cpv="92000000-1",
            region="UKD",
            value="60000",
            description="Holiday clubs with a healthy meal for children on free school meals.",
            lots=(("Summer holidays", "60000", LotReservation.NONE),),
        )
        tender_services.tender_publish(tender=tender, actor=nsh_officer)
        _bid(tender, 1, mind, "58000", "Clubs in six schools with local caterers")
        _bid(tender, 1, neighbours, "41000", "Volunteer-run clubs in village halls")
        _pass_deadline(tender, days_ago=0.2)
        tender_services.tender_close(tender=tender, actor=None)
        made += 1

    title = "Carers' support service"
    if wanted(icb_officer, title):
        tender = _draft(
            icb_officer,
            title=title,
            cpv="85312300-2",
            region="UKE",
            value="300000",
            description="Advice, breaks and peer support for unpaid carers.",
        )
        tender_services.tender_publish(tender=tender, actor=icb_officer)
        _bid(tender, 1, carewell, "280000", "A carers' hub with a helpline")
        _bid(tender, 1, mind, "265000", "Carers' groups in every town")
        _pass_deadline(tender, days_ago=5)
        tender_services.tender_close(tender=tender, actor=None)
        tender_services.tender_start_evaluation(tender=tender, actor=icb_officer)
        evaluation.conflict_declare(tender=tender, actor=icb_officer, has_conflict=False)
        made += 1

    title = "Community transport pilot"
    if wanted(nsh_officer, title):
        tender = _draft(
            nsh_officer,
            title=title,
            cpv="60130000-8",
            region="UKD",
            value="150000",
            description="Door-to-door minibus trips to appointments for rural residents.",
            panel=(nsh_officer, nsh_manager),
        )
        tender_services.tender_publish(tender=tender, actor=nsh_officer)
        first = _bid(tender, 1, carewell, "149000", "Accessible minibuses with trained drivers")
        second = _bid(tender, 1, neighbours, "96000", "Volunteer drivers and a booking line")
        _pass_deadline(tender, days_ago=14)
        tender_services.tender_close(tender=tender, actor=None)
        tender_services.tender_start_evaluation(tender=tender, actor=nsh_officer)
        _evaluate(tender, (nsh_officer, nsh_manager), nsh_manager, {first: (4, 2), second: (4, 5)})
        _award_all(tender, nsh_officer)
        made += 1

    # Contracts already running, for the accountability pages: (officer, title, CPV, region,
    # winner, price, scores, days since the contract started).
    running = [
        (
            nsh_officer,
            "Grounds maintenance for community centres",
            "77310000-6",
            "UKD",
            carewell,
            "230000",
            (4, 3),
            30,
        ),
        (parish_clerk, "Village lunch club", "85312100-0", "UKF", neighbours, "16500", (5, 5), 60),
        (
            nsh_officer,
            "Domiciliary care in South Northshire",
            "85312400-3",
            "UKD",
            carewell,
            "610000",
            (3, 2),
            200,
        ),
        (
            icb_officer,
            "Peer support for new parents",
            "85312300-2",
            "UKE",
            mind,
            "88000",
            (4, 4),
            120,
        ),
        (
            nsh_officer,
            "Youth clubs on two estates",
            "85311300-5",
            "UKD",
            mind,
            "72000",
            (4, 3),
            300,
        ),
    ]
    for officer, title, cpv, region, winner_user, price, scores, started in running:
        if not wanted(officer, title):
            continue
        tender = _draft(
            officer,
            title=title,
            cpv=cpv,
            region=region,
            value=str(int(Decimal(price) * 2)),
            procedure=Procedure.LIGHT_TOUCH,
            deadline_days=15,
            description=f"{title}: the service as described in the specification.",
        )
        tender_services.tender_publish(tender=tender, actor=officer)
        winner = _bid(tender, 1, winner_user, price, "A proven local service")
        _pass_deadline(tender, days_ago=started + 40)
        tender_services.tender_close(tender=tender, actor=None)
        tender_services.tender_start_evaluation(tender=tender, actor=officer)
        _evaluate(tender, (officer,), officer, {winner: scores})
        _award_all(tender, officer)
        _end_standstill(tender)
        _contract_all(tender, officer, start=timezone.localdate() - timedelta(days=started))
        made += 1

    title = "Digital inclusion training"
    if wanted(icb_officer, title):
        tender = _draft(
            icb_officer,
            title=title,
            cpv="80500000-9",
            region="UKE",
            value="45000",
            description="Helping patients use online appointments and prescriptions.",
        )
        tender_services.tender_publish(tender=tender, actor=icb_officer)
        tender_services.tender_cancel(
            tender=tender,
            actor=icb_officer,
            reason="The service will be delivered by the national digital programme instead.",
        )
        made += 1

    return made
