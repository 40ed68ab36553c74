"""Platform staff's correction pages (core.views_staff): each a question page, a check page
and a confirmation, under /staff/."""

from accounts.views_staff import PersonEraseFlow, PersonRoleFlow
from commissioning.views.staff import ContractValueFlow
from providers.views_staff import ProviderDetailsFlow

from .views_staff import flow_urls

app_name = "staff"

FLOWS = [ContractValueFlow(), PersonRoleFlow(), PersonEraseFlow(), ProviderDetailsFlow()]

urlpatterns = [url for flow in FLOWS for url in flow_urls(flow)]
