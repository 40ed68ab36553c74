"""The audit log's signed checkpoints, public: anyone may keep copies and check the log
against them later (`verify_audit_chain --checkpoints`)."""

from django.conf import settings
from django.views.generic import ListView

from . import audit_signing
from .selectors_audit import audit_checkpoints, checkpoint_as_dict


class AuditCheckpointListView(ListView):
    template_name = "core/audit_checkpoints.html"
    context_object_name = "checkpoints"
    paginate_by = 50

    def get_queryset(self):
        return audit_checkpoints()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["rows"] = [checkpoint_as_dict(c) for c in context["checkpoints"]]
        context["public_keys"] = sorted(audit_signing.trusted_public_keys().items())
        context["issuer"] = settings.AUDIT_CHECKPOINT_ISSUER
        return context
