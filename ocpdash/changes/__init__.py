"""Change management: approval policies, approvals bound to a frozen plan, maintenance windows,
change freezes, and the start of scheduled upgrades (see the state machine in upgrades/models.py)."""
