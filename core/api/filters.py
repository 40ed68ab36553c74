from datetime import UTC

import django_filters
from django_filters.fields import IsoDateTimeField
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions
from rest_framework.filters import OrderingFilter


class StrictOrderingFilter(OrderingFilter):
    """`?ordering=` with a field the list cannot be ordered by is a 400 naming the choices,
    not silently the default order (an integrator would page through the wrong order)."""

    def get_ordering(self, request, queryset, view):
        params = request.query_params.get(self.ordering_param)
        if params:
            fields = [param.strip() for param in params.split(",") if param.strip()]
            allowed = {
                name for name, _label in self.get_valid_fields(queryset, view, {"request": request})
            }
            unknown = [f for f in fields if f.lstrip("-") not in allowed]
            if unknown:
                choices = ", ".join(sorted(allowed)) or "none"
                raise exceptions.ValidationError(
                    {
                        self.ordering_param: [
                            f"Cannot order by {', '.join(unknown)}. Choose from: {choices}."
                        ]
                    }
                )
        return super().get_ordering(request, queryset, view)


class _UtcIsoDateTimeField(IsoDateTimeField):
    def clean(self, value):
        moment = super().clean(value)
        # PostgreSQL refuses offsets beyond ±15:59 (Python allows ±23:59): in UTC any is fine.
        return moment.astimezone(UTC) if moment is not None else None


@extend_schema_field(OpenApiTypes.DATETIME)
class IsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    """An ISO 8601 date-time filter (`updated_since=2026-11-23T09:00:00Z`) that accepts any
    offset Python does, where django-filter's own lets PostgreSQL fail on some (a 500)."""

    field_class = _UtcIsoDateTimeField
