"""The order in which discovered jobs are started.

The REACH vendor guide asks vendors to give every job equal priority whatever the customer. The
rule, so that one customer's 500 tasks never starve another customer's single task:

1. Group the jobs by customer partner.
2. Within a partner, oldest first (``createdAt``, then task id as a tie-break).
3. Interleave the partners round-robin: the oldest job of every partner, then the second of every
   partner, and so on. Partners take turns in the order of their oldest waiting job, so the
   customer who has waited longest goes first in each round.

Jobs that cannot wait go first: a live event starts at a fixed time whatever the queue, so its
task (``urgent``) is ordered by the same rule but ahead of every file job; a live task provisioned
after its event has ended can no longer be served at all.

The result is deterministic for the same input.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from datetime import datetime
from itertools import zip_longest
from typing import TypeVar

__all__ = ["fair_order"]

T = TypeVar("T")


def fair_order(
    jobs: Iterable[T],
    *,
    partner: Callable[[T], Hashable],
    created_at: Callable[[T], datetime | int | float],
    task_id: Callable[[T], int],
    urgent: Callable[[T], bool] | None = None,
) -> list[T]:
    """Jobs interleaved by partner, oldest first within each partner (see module docstring).

    Args:
        jobs: The jobs to order.
        partner: The customer partner of a job.
        created_at: When a job was ordered.
        task_id: The job's task id (tie-break).
        urgent: True for a job with a fixed start time; such jobs come first, in the same fair order.

    Example:
        >>> jobs = [("A", 1, 1), ("A", 2, 2), ("A", 3, 3), ("B", 9, 4)]
        >>> [j[2] for j in fair_order(jobs, partner=lambda j: j[0],
        ...                              created_at=lambda j: j[1], task_id=lambda j: j[2])]
        [1, 4, 2, 3]
    """
    if urgent is not None:
        items = list(jobs)
        now = [job for job in items if urgent(job)]
        later = [job for job in items if not urgent(job)]
        return [
            *fair_order(now, partner=partner, created_at=created_at, task_id=task_id),
            *fair_order(later, partner=partner, created_at=created_at, task_id=task_id),
        ]
    queues: dict[Hashable, list[T]] = {}
    for job in jobs:
        queues.setdefault(partner(job), []).append(job)
    ordered_queues: list[Sequence[T]] = []
    for queue in queues.values():
        queue.sort(key=lambda j: (created_at(j), task_id(j)))
        ordered_queues.append(queue)
    ordered_queues.sort(key=lambda q: (created_at(q[0]), task_id(q[0])))
    result: list[T] = []
    for round_ in zip_longest(*ordered_queues):
        result.extend(job for job in round_ if job is not None)
    return result
