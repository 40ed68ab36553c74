"""The step of a provider's registration that happens in the admin's mailbox."""

import re

from playwright.sync_api import expect

from core.models import OutboxMessage


def finish_registering(journey, email: str) -> None:
    """ "Check your email", then the link emailed to the new admin, then "Finish registering"."""
    page = journey.page
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    journey.check()
    body = OutboxMessage.objects.filter(to=email).latest("id").body
    page.goto(re.search(r"https?://[^/\s]+(/providers/register/confirm/\S+/)", body).group(1))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Finish registering your organisation"
    )
    journey.check()
    page.get_by_role("button", name="Finish registering").click()
