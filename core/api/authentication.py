from rest_framework import authentication, exceptions

from accounts.services import ApiKeyRefused, api_key_authenticate


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer cm_<prefix>_<secret>`. The request then acts as the key's user,
    narrowed to the key's scopes (see permissions.ScopedAccess); request.auth is the key."""

    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1").split()
        if not header or header[0].lower() != self.keyword.lower():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                "Send the key as `Authorization: Bearer <key>`, with no spaces in the key."
            )
        try:
            api_key = api_key_authenticate(header[1])
        except ApiKeyRefused as refusal:
            raise exceptions.AuthenticationFailed(str(refusal)) from None
        return api_key.user, api_key

    def authenticate_header(self, request):
        # Makes unauthenticated requests answer 401 with a challenge, not 403.
        return f'{self.keyword} realm="api"'
