from rest_framework import serializers


class StrictInputMixin:
    """Refuses fields the serializer does not know (a typo must not be silently ignored) and
    read-only fields sent as if they could be written."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            writable = {name for name, field in self.fields.items() if not field.read_only}
            unknown = sorted(set(data) - writable)
            if unknown:
                raise serializers.ValidationError(
                    {name: ["This field is not known or cannot be written."] for name in unknown}
                )
        return super().to_internal_value(data)


class StrictSerializer(StrictInputMixin, serializers.Serializer):
    """For input that is not a model: an action's parameters (reason, decision, ...)."""


class ErrorSerializer(serializers.Serializer):
    """The body of every error response (documented in the schema)."""

    detail = serializers.CharField()
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))
