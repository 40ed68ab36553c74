"""Every change to commissioning records, one module per sub-domain:

organisations (commissioner details), tenders (drafting, publishing, the state machine),
clarifications, bids (sealed), evaluation (panel, scores, moderation), awards (and standstill),
contracts. Views, the API and tasks call these functions and nothing else writes.
"""
