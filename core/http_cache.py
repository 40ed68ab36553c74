"""Pages with private data are never stored by browsers or shared caches.

A page rendered for a signed-in person (their dashboard, their bids, their name in the header)
or from a visitor's session (the answers of a complaint in progress) must not be kept by a
proxy, a CDN, or the browser's disk cache, where the next user of a shared computer, or anyone
behind the same caching proxy, could read it with the back button. Such responses get
`Cache-Control: private, no-store`. Pages behind a secret link (complaint tracking,
invitations) say so themselves with `never_cache`, which includes the same.

Public pages for anonymous visitors keep whatever the view chose, and stay cacheable."""

from django.utils.cache import patch_cache_control


def _shows_private_data(request) -> bool:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return True
    session = getattr(request, "session", None)
    # Only a session the page read from can have put anything of it on the page (and having
    # been read, its contents are at hand).
    return session is not None and session.accessed and bool(session.keys())


class PrivatePagesNotStoredMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        cache_control = response.get("Cache-Control", "")
        # A view that already marked its response private chose how it may be kept (the API's
        # ETags revalidate with "private, no-cache"); everything else is not stored at all.
        if "private" not in cache_control and _shows_private_data(request):
            patch_cache_control(response, private=True, no_store=True)
        return response
