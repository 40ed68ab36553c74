"""Platform-wide reads: the health report and the audit chain check."""

import logging

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from .models import Heartbeat

# The audit chain check lives in selectors_audit; imported here where callers look for it.
from .selectors_audit import ChainCheck, audit_chain_check  # noqa: F401

logger = logging.getLogger(__name__)


def health_report() -> tuple[bool, dict]:
    """Checks the database, the broker, the heartbeat's age and the bid master key. Returns
    (healthy, report); the report names the checks that failed in "failed".

    /healthz shows the report to anyone, so a failure is told in fixed words of our own: the
    exception's text (hostnames, ports, DSNs, driver messages) goes to the server's log."""
    report: dict = {}

    try:
        # Within HEALTHZ_DATABASE_TIMEOUT_MS: a database blocked by a transaction holding
        # locks must make the probe answer 503 promptly, not hang with it.
        with transaction.atomic(), connection.cursor() as cursor:
            timeout = str(settings.HEALTHZ_DATABASE_TIMEOUT_MS)
            cursor.execute(
                "SELECT set_config('lock_timeout', %s, true), "
                "set_config('statement_timeout', %s, true)",
                [timeout, timeout],
            )
            beat = Heartbeat.objects.filter(name="celery-beat").first()
        report["database"] = {"ok": True}
    except Exception:  # any failure here is what the probe must report
        logger.warning("health check: the database did not answer", exc_info=True)
        report["database"] = {"ok": False, "error": "the database did not answer"}
    database_ok = report["database"]["ok"]

    report["broker"] = _broker_status()

    if database_ok:
        if beat is None:
            report["heartbeat"] = {"ok": False, "error": "the heartbeat task has never run"}
        else:
            age = (timezone.now() - beat.last_run_at).total_seconds()
            fresh = age <= settings.HEARTBEAT_MAX_AGE_SECONDS
            report["heartbeat"] = {
                "ok": fresh,
                "age_seconds": round(age, 1),
                "max_age_seconds": settings.HEARTBEAT_MAX_AGE_SECONDS,
                "last_run_at": beat.last_run_at.isoformat(),
            }
    else:
        report["heartbeat"] = {"ok": False, "error": "database unavailable"}

    report["bid_key"] = _bid_key_status(database_ok)

    failed = [name for name, check in report.items() if not check["ok"]]
    report["failed"] = failed
    return not failed, report


def _broker_status() -> dict:
    from civicmarkets.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return {"ok": True, "transport": conn.transport_cls}
    except Exception:  # an unreachable broker raises many kinds of error
        logger.warning("health check: the broker did not answer", exc_info=True)
        return {"ok": False, "error": "the broker did not answer"}


def _bid_key_status(database_ok: bool) -> dict:
    """Whether BID_MASTER_KEY can open the tenders' keys (commissioning.sealing). With the
    database down, only the key's form can be checked."""
    from commissioning.sealing import master_key_problem

    try:
        problem = master_key_problem(check_tenders=database_ok)
    except Exception:  # the database failing between checks, most likely
        logger.warning("health check: the bid master key could not be checked", exc_info=True)
        return {"ok": False, "error": "the bid master key could not be checked"}
    if problem is not None:
        logger.error("health check: %s", problem.detail)
        return {"ok": False, "error": problem.summary}
    if not database_ok:
        return {"ok": False, "error": "database unavailable"}
    return {"ok": True}


def dashboard_for(user) -> dict:
    """The figures and lists each role's dashboard shows, with the queries they need."""
    from accounts.models import User
    from providers.choices import VerificationStatus
    from providers.models import ProviderDetailsChange, ProviderOrganisation

    if user.is_commissioner_user:
        from commissioning.selectors_tendering import officer_tender_counts

        return {
            "organisation": user.commissioner,
            "team_size": User.objects.filter(
                commissioner_id=user.commissioner_id, is_active=True
            ).count(),
            "tender_counts": officer_tender_counts(user=user),
        }
    if user.is_provider_user:
        return {
            "organisation": user.provider,
            "team_size": User.objects.filter(provider_id=user.provider_id, is_active=True).count(),
        }
    if user.is_staff:
        healthy, report = health_report()
        return {
            "providers_awaiting_verification": ProviderOrganisation.objects.filter(
                verification_status=VerificationStatus.UNVERIFIED
            ).count(),
            "provider_changes_waiting": ProviderDetailsChange.objects.filter(
                status=ProviderDetailsChange.Status.PENDING
            ).count(),
            "healthy": healthy,
            "health": report,
        }
    return {}
