from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..models import ApiKey, User


class OrganisationRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    identifier = serializers.CharField()


class MeSerializer(serializers.ModelSerializer):
    organisation_kind = serializers.SerializerMethodField()
    organisation = serializers.SerializerMethodField()
    scopes = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["email", "full_name", "role", "organisation_kind", "organisation", "scopes"]

    def get_organisation_kind(self, user) -> str | None:
        if user.commissioner_id:
            return "commissioner"
        if user.provider_id:
            return "provider"
        return None

    @extend_schema_field(OrganisationRefSerializer(allow_null=True))
    def get_organisation(self, user):
        organisation = user.organisation
        if organisation is None:
            return None
        if user.provider_id:
            # A provider's org-id identifiers are rows of their own; the first is its main one.
            primary = organisation.primary_identifier
            identifier = primary.org_id if primary else ""
        else:
            identifier = organisation.identifier
        return {"id": organisation.pk, "name": organisation.name, "identifier": identifier}

    def get_scopes(self, user) -> list[str] | None:
        api_key = self.context.get("api_key")
        return list(api_key.scopes) if api_key else None


class ApiKeySerializer(serializers.ModelSerializer):
    owner = serializers.EmailField(source="user.email", read_only=True)

    class Meta:
        model = ApiKey
        fields = [
            "id",
            "name",
            "prefix",
            "owner",
            "scopes",
            "created_at",
            "expires_at",
            "revoked_at",
            "last_used_at",
        ]
        read_only_fields = fields
