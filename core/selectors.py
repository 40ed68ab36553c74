"""Platform-wide reads: the health report and the audit chain check."""

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from .models import Heartbeat

# The audit chain check lives in selectors_audit; imported here where callers look for it.
from .selectors_audit import ChainCheck, audit_chain_check  # noqa: F401


def health_report() -> tuple[bool, dict]:
    """Checks the database, the broker and the heartbeat's age. Returns (healthy, report)."""
    report: dict = {}
    healthy = True

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
    except Exception as error:  # any failure here is what the probe must report
        healthy = False
        report["database"] = {"ok": False, "error": str(error)[:200]}

    report["broker"] = _broker_status()
    healthy = healthy and report["broker"]["ok"]

    if report["database"]["ok"]:
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
        healthy = healthy and report["heartbeat"]["ok"]
    else:
        report["heartbeat"] = {"ok": False, "error": "database unavailable"}
    return healthy, report


def _broker_status() -> dict:
    from civicmarkets.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return {"ok": True, "transport": conn.transport_cls}
    except Exception as error:  # an unreachable broker raises many kinds of error
        return {"ok": False, "error": str(error)[:200]}


def dashboard_for(user) -> dict:
    """The figures and lists each role's dashboard shows, with the queries they need."""
    from accounts.models import User
    from providers.choices import VerificationStatus
    from providers.models import ProviderOrganisation

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
            "healthy": healthy,
            "health": report,
        }
    return {}
