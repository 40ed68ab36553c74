from django.conf import settings

from accounts.navigation import navigation_for


def service(request):
    """What every page's layout needs: the service name and the signed-in user's navigation."""
    return {
        "service_name": settings.SERVICE_NAME,
        "navigation": navigation_for(request.user, request.path),
    }
