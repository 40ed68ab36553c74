"""State machines are declared as data and refuse illegal moves in the users' words."""

import pytest

from core.errors import IllegalTransition
from core.statemachine import StateMachine
from providers.choices import VerificationStatus as S
from tests.factories import ProviderFactory

VERIFICATION = StateMachine(
    field="verification_status",
    transitions={S.UNVERIFIED: {S.VERIFIED, S.REJECTED}, S.REJECTED: {S.UNVERIFIED}},
)


def test_allowed_move_sets_the_new_state_and_returns_the_old():
    provider = ProviderFactory.build(verification_status=S.UNVERIFIED)
    assert VERIFICATION.move(provider, S.VERIFIED) == S.UNVERIFIED
    assert provider.verification_status == S.VERIFIED


def test_illegal_move_is_refused_with_a_clear_message():
    provider = ProviderFactory.build(verification_status=S.VERIFIED)
    with pytest.raises(IllegalTransition) as refused:
        VERIFICATION.move(provider, S.REJECTED)
    assert refused.value.message == (
        "This provider is verified and cannot become verification refused."
    )
    assert provider.verification_status == S.VERIFIED
