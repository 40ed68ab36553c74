"""What the API shows of providers: the facts their public page shows, never contact details
(except to the provider's own users) nor exclusions (except to officers and staff)."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from commissioning.api.serializers_tenders import OptionalUrlField
from core.api.serializers import StrictInputMixin
from core.permissions import is_platform_staff

from ..models import ProviderIdentifier, ProviderOrganisation
from ..permissions import sees_exclusions
from ..services import EDITABLE_FIELDS


class IdentifierSerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="value", help_text="The number on the register")
    org_id = serializers.CharField(help_text="org-id.guide form: scheme, hyphen, number")

    class Meta:
        model = ProviderIdentifier
        fields = ["scheme", "id", "org_id"]
        read_only_fields = fields


class CategorySerializer(serializers.Serializer):
    code = serializers.CharField()
    description = serializers.CharField()


class ExclusionFlagSerializer(serializers.Serializer):
    excluded = serializers.BooleanField()
    until = serializers.DateField(allow_null=True)


class PendingChangeSerializer(serializers.Serializer):
    kind = serializers.CharField(allow_null=True)
    legal_form = serializers.CharField(allow_null=True)
    size_band = serializers.CharField(allow_null=True)
    requested_at = serializers.DateTimeField()


class ProviderSerializer(serializers.ModelSerializer):
    verified = serializers.BooleanField(source="is_verified", read_only=True)
    website = OptionalUrlField()
    identifiers = IdentifierSerializer(many=True, read_only=True)
    categories = CategorySerializer(many=True, read_only=True)
    address = serializers.SerializerMethodField()
    postcode = serializers.SerializerMethodField()
    exclusion = serializers.SerializerMethodField()
    pending_change = serializers.SerializerMethodField()

    class Meta:
        model = ProviderOrganisation
        fields = [
            "id",
            "name",
            "kind",
            "legal_form",
            "size_band",
            "verified",
            "verification_status",
            "regions",
            "identifiers",
            "categories",
            "capability_statement",
            "website",
            "address",
            "postcode",
            "exclusion",
            "pending_change",
            "updated_at",
        ]
        read_only_fields = fields

    def _viewer(self):
        request = self.context.get("request")
        return getattr(request, "user", None)

    def _is_own(self, provider) -> bool:
        user = self._viewer()
        return bool(
            user and (is_platform_staff(user) or getattr(user, "provider_id", None) == provider.pk)
        )

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_address(self, provider):
        """Shown only to the provider's own users (and staff)."""
        return provider.address if self._is_own(provider) else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_postcode(self, provider):
        return provider.postcode if self._is_own(provider) else None

    @extend_schema_field(PendingChangeSerializer(allow_null=True))
    def get_pending_change(self, provider):
        """A change the provider made to its kind, legal form or size band that waits for
        platform staff to check it (null fields are not changing); shown only to the
        provider's own users and staff. Until staff approve it the provider must qualify for
        a reserved lot both as recorded and as changed."""
        if not self._is_own(provider):
            return None
        prefetched = getattr(provider, "pending_changes", None)
        if prefetched is None:
            from ..selectors import pending_details_change

            change = pending_details_change(provider)
        else:
            change = prefetched[0] if prefetched else None
        if change is None:
            return None
        return {
            "kind": change.kind or None,
            "legal_form": change.legal_form or None,
            "size_band": change.size_band or None,
            "requested_at": change.requested_at,
        }

    @extend_schema_field(ExclusionFlagSerializer(allow_null=True))
    def get_exclusion(self, provider):
        """Whether an exclusion is in force: shown only to officers and platform staff."""
        user = self._viewer()
        if user is None or not sees_exclusions(user):
            return None
        return {
            "excluded": bool(getattr(provider, "is_excluded", False)),
            "until": getattr(provider, "excluded_until", None),
        }


class ProviderUpdateSerializer(StrictInputMixin, serializers.ModelSerializer):
    """The details a provider's admin may change, as on the provider's edit page."""

    class Meta:
        model = ProviderOrganisation
        fields = list(EDITABLE_FIELDS)
        extra_kwargs = {"name": {"validators": []}}
