"""The platform's lock order: one order for row locks, so two transactions never wait for
each other in a circle (a deadlock).

A transaction that locks rows of several kinds locks them in this order, earlier first:

1. Organisations: ProviderOrganisation, CommissionerOrganisation.
2. People and their keys: User, ApiKey, Invitation, ProviderExclusion, WebhookEndpoint.
3. Tendering: Tender, then Lot, Award, PanelMember, Clarification, Bid, Score,
   ModeratedScore. Every tendering service locks the tender first (`lock_tender`), so work on
   one tender queues on that row.
4. Contracts: Complaint or Kpi, then Contract, then EscalationPolicy, EscalationProposal,
   EscalationStep, RenewalDecision, ContractReview. (Handling a complaint or a KPI return
   re-evaluates the contract's escalation triggers, which locks the contract.)
5. Queues: OutboxMessage, WebhookDelivery: claimed with `skip_locked=True`, never waited on.

Several rows of one kind are locked in primary-key order (`order_by("pk")` before
`select_for_update`). Jobs that sweep many rows use `skip_locked=True` and never wait.

How rows are locked: `select_for_update(of=("self",), no_key=True)`.

- `of=("self",)`: only the rows of the queryset's own model. Without it, `select_related`
  locks every joined row too (a bid's provider, a contract's commissioner), which is how a
  bid change and a complaint about the same provider once deadlocked. A test checks every
  `select_for_update` in the code says `of=` (tests/core/test_lock_order.py).
- `no_key=True` (FOR NO KEY UPDATE): enough to serialise changes to the row, and it does not
  block the FOR KEY SHARE lock PostgreSQL takes on a row when another transaction inserts a
  row referring to it (a complaint about a contract whose provider an admin is editing). A
  service that deletes the row it locked takes FOR UPDATE instead (leave out `no_key`).

The audit log takes no lock in business transactions: entries are written unchained and a
sealer chains them afterwards under a lock only sealers take (core/services_audit.py).
"""
