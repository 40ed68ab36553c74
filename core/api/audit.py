"""The audit log's signed checkpoints and the keys that verify them, public (no key needed):
anyone may keep copies and later hold the log against them."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from core import audit_signing
from core.permissions import audit_checkpoint_policy
from core.selectors_audit import checkpoint_as_dict

from .conditional import ConditionalGetMixin
from .views import PolicyViewSet


class AuditCheckpointSerializer(serializers.Serializer):
    issuer = serializers.CharField(help_text="The installation that signed it (its address).")
    position = serializers.IntegerField(help_text="How many entries the chain had.")
    entry_hash = serializers.CharField(help_text="The keyed hash of the chain's last entry.")
    created_at = serializers.CharField(
        help_text="When it was signed: ISO 8601 in UTC, exactly the text the signature covers."
    )
    key_id = serializers.CharField(help_text="Which public key verifies the signature.")
    signature = serializers.CharField(
        help_text="Ed25519 signature (base64) over the JSON object of issuer, position, "
        "entry_hash and created_at, keys sorted, no spaces, UTF-8."
    )

    def to_representation(self, instance):
        return checkpoint_as_dict(instance)


class AuditCheckpointViewSet(mixins.ListModelMixin, PolicyViewSet):
    """Signed checkpoints of the audit log's chain, newest first. Keep copies: an operator
    checks the log against them with `verify_audit_chain --checkpoints FILE_OR_URL`."""

    policy = audit_checkpoint_policy
    serializer_class = AuditCheckpointSerializer
    ordering = ("-position",)
    filter_backends = []
    anonymous_actions = ("list",)
    required_scopes = {"list": None}


class AuditCheckpointKeySerializer(serializers.Serializer):
    key_id = serializers.CharField()
    algorithm = serializers.CharField()
    public_key = serializers.CharField(help_text="The raw 32-byte Ed25519 public key, base64.")


class AuditCheckpointKeysView(ConditionalGetMixin, APIView):
    """The public keys that verify the audit log's checkpoints."""

    anonymous_actions = ("get",)
    required_scopes: dict = {}

    @extend_schema(responses=AuditCheckpointKeySerializer(many=True))
    def get(self, request):
        keys = sorted(audit_signing.trusted_public_keys().items())
        return Response(
            [{"key_id": k, "algorithm": "Ed25519", "public_key": text} for k, text in keys]
        )
