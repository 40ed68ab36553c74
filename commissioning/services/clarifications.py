"""Providers' questions about a tender, and the officer's answers published to everyone.

A question is asked before the tender's clarification deadline, judged by the database's
clock. Who asked is recorded for the officer and the audit log, and shown to nobody else:
every provider must get the same information, without learning who else is bidding.
"""

from django.db import transaction
from django.utils import formats, timezone

from core.dbclock import db_now
from core.errors import DomainError, NotPermitted
from core.services import audit_record

from ..choices import TenderStatus
from ..models import Clarification, Tender
from ..permissions import ASK, public_tender_policy
from .tenders import lock_tender

QUESTION_MAX = 4000
ANSWER_MAX = 8000


def _refuse(field: str, message: str):
    raise DomainError(message, field_errors={field: [message]})


def _when(moment) -> str:
    local = timezone.localtime(moment)
    return f"{formats.date_format(local, 'g:iA').lower()} on {formats.date_format(local, 'j F Y')}"


def questions_open(tender: Tender, *, now=None) -> bool:
    """Whether providers may still ask about `tender`, by the database's clock."""
    now = now or db_now()
    return (
        tender.status == TenderStatus.PUBLISHED
        and tender.clarification_deadline is not None
        and now < tender.clarification_deadline
    )


@transaction.atomic
def clarification_ask(*, tender: Tender, actor, question: str) -> Clarification:
    # Locked so the tender cannot close or be cancelled between the check and the insert.
    tender = Tender.objects.select_for_update(of=("self",), no_key=True).get(pk=tender.pk)
    if not public_tender_policy.visible_to(actor).filter(pk=tender.pk).exists():
        raise DomainError("This tender is not published.")
    if not public_tender_policy.can(actor, tender, ASK):
        raise NotPermitted(public_tender_policy.refusals[ASK])
    now = db_now()
    if tender.status != TenderStatus.PUBLISHED:
        _refuse(
            "question",
            f"This tender is {tender.get_status_display().lower()}: questions can no longer "
            "be asked",
        )
    if tender.clarification_deadline is None:
        _refuse("question", "This tender does not take questions")
    if not questions_open(tender, now=now):
        _refuse(
            "question",
            f"The deadline for questions was {_when(tender.clarification_deadline)}: "
            "questions can no longer be asked",
        )
    question = (question or "").strip()
    if not question:
        _refuse("question", "Enter your question")
    if len(question) > QUESTION_MAX:
        _refuse("question", f"Your question must be {QUESTION_MAX:,} characters or fewer")
    clarification = Clarification.objects.create(
        tender=tender, asked_by_provider_id=actor.provider_id, asked_by=actor, question=question
    )
    audit_record(
        actor=actor,
        action="clarification.asked",
        target=clarification,
        after={"tender": tender.pk, "provider": actor.provider_id},
    )
    return clarification


@transaction.atomic
def clarification_answer(
    *, clarification: Clarification, actor, answer: str, publish: bool = True
) -> Clarification:
    answer = (answer or "").strip()
    if not answer:
        _refuse("answer", "Enter your answer")
    if len(answer) > ANSWER_MAX:
        _refuse("answer", f"Your answer must be {ANSWER_MAX:,} characters or fewer")
    # The tender first, as every tender service locks it, so the two never deadlock.
    tender = lock_tender(clarification.tender, actor=actor)
    clarification = Clarification.objects.select_for_update(of=("self",), no_key=True).get(
        pk=clarification.pk
    )
    if clarification.tender_id != tender.pk:
        raise DomainError("This question is about another tender.")
    if clarification.published_at is not None:
        raise DomainError(
            "This answer is already published: every provider has seen it, so it cannot be changed."
        )
    if tender.status != TenderStatus.PUBLISHED:
        raise DomainError(
            f"This tender is {tender.get_status_display().lower()}: answers can be published "
            "only while it is open for bids."
        )
    before = {"answer": clarification.answer, "published": False}
    clarification.answer = answer
    clarification.answered_by = actor
    if publish:
        clarification.published_at = db_now()
    clarification.save(update_fields=["answer", "answered_by", "published_at"])
    audit_record(
        actor=actor,
        action="clarification.published" if publish else "clarification.answered",
        target=clarification,
        before=before,
        after={"answer": answer, "published": publish},
    )
    return clarification
