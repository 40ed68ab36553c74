"""Commissioning pages, one module per area: organisations, tendering (officers' tender
management), public (the public tender pages), clarifications, bids, evaluation (scores,
moderation, awards, standstill), contracts."""
