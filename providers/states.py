"""The providers' state machines, declared once as data (models.py holds only the fields)."""

from core.statemachine import StateMachine

from .choices import VerificationStatus

# A refused provider may be verified later, once it has put its details right. A verified
# provider is never un-verified: staff stop a provider bidding with an exclusion instead,
# which has dates and a recorded reason.
VERIFICATION_STATES = StateMachine(
    field="verification_status",
    transitions={
        VerificationStatus.UNVERIFIED: {VerificationStatus.VERIFIED, VerificationStatus.REJECTED},
        VerificationStatus.REJECTED: {VerificationStatus.VERIFIED},
    },
)
