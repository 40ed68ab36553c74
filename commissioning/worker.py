"""What a Celery worker checks before it starts (connected in civicmarkets/celery.py)."""

import logging
import sys

from django.db import DatabaseError, connections

from .sealing import master_key_problem

logger = logging.getLogger(__name__)


def check_bid_master_key() -> None:
    """Exits the worker (status 1, the reason on stderr) when BID_MASTER_KEY is missing,
    malformed or cannot unwrap the tenders' keys. A database it cannot reach yet (not
    migrated, still starting) is no reason to refuse: the worker starts, says so, and every
    job that opens a bid still fails clearly on a wrong key."""
    try:
        problem = master_key_problem()
    except DatabaseError:
        logger.warning(
            "The worker could not check BID_MASTER_KEY against the tenders' keys: the "
            "database did not answer. Starting anyway.",
            exc_info=True,
        )
        return
    finally:
        # The check's connection must not be inherited by forked pool processes.
        connections.close_all()
    if problem is not None:
        sys.stderr.write(f"The Celery worker will not start. {problem.detail}\n")
        sys.stderr.flush()
        raise SystemExit(1)
