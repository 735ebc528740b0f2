"""Fair order: one customer's backlog never starves another customer's single job."""

from __future__ import annotations

import random
from dataclasses import dataclass

from hypothesis import given
from hypothesis import strategies as st

from reachflow.fairness import fair_order


@dataclass(frozen=True)
class J:
    partner: int
    created: int
    id: int


def order(jobs: list[J]) -> list[J]:
    return fair_order(jobs, partner=lambda j: j.partner, created_at=lambda j: j.created, task_id=lambda j: j.id)


def test_big_backlog_does_not_starve_a_single_job() -> None:
    big = [J(100, created=i, id=i) for i in range(1, 501)]  # customer 100: 500 old tasks
    single = J(200, created=10_000, id=9_999)  # customer 200: one task, newest of all
    ordered = order([*big, single])
    # The lone task of customer 200 goes second: right after customer 100's oldest.
    assert ordered.index(single) == 1
    assert ordered[0] == big[0]


def test_interleaves_partners_oldest_first_within_each() -> None:
    jobs = [J(1, 5, 1), J(1, 1, 2), J(2, 3, 3), J(3, 2, 4), J(2, 4, 5), J(1, 9, 6)]
    ordered = [j.id for j in order(jobs)]
    # Round 1: partners in order of their oldest job (1@1, 3@2, 2@3); round 2: 1@5, 2@4; round 3: 1@9
    assert ordered == [2, 4, 3, 1, 5, 6]


def test_ties_are_broken_by_task_id() -> None:
    jobs = [J(1, 0, 8), J(1, 0, 3), J(2, 0, 5)]
    assert [j.id for j in order(jobs)] == [3, 5, 8]


def test_deterministic_whatever_the_input_order() -> None:
    jobs = [J(p, c, i) for i, (p, c) in enumerate([(1, 3), (2, 1), (1, 1), (3, 7), (2, 2)])]
    shuffled = jobs[:]
    random.Random(4).shuffle(shuffled)
    assert order(jobs) == order(shuffled)


@given(st.lists(st.tuples(st.integers(1, 5), st.integers(0, 50)), max_size=60))
def test_invariants(raw: list[tuple[int, int]]) -> None:
    jobs = [J(p, c, i) for i, (p, c) in enumerate(raw)]
    ordered = order(jobs)
    assert sorted(ordered, key=lambda j: j.id) == sorted(jobs, key=lambda j: j.id)
    # Within a partner: oldest first.
    for partner in {j.partner for j in jobs}:
        mine = [(j.created, j.id) for j in ordered if j.partner == partner]
        assert mine == sorted(mine)
    # Any prefix of length k*P (P partners with work left) holds at most one more job of any
    # partner than of any other partner that still had jobs: round-robin.
    counts: dict[int, int] = {}
    remaining = {p: sum(1 for j in jobs if j.partner == p) for p in {j.partner for j in jobs}}
    for job in ordered:
        counts[job.partner] = counts.get(job.partner, 0) + 1
        for other, total in remaining.items():
            if counts.get(other, 0) < total:  # other still has work waiting
                assert counts[job.partner] <= counts.get(other, 0) + 1


def test_urgent_jobs_go_first_in_the_same_fair_order() -> None:
    # A live event starts at a fixed time: its task goes ahead of older file jobs, and two urgent
    # tasks keep the fair order among themselves.
    jobs = [J(1, 0, 1), J(1, 1, 2), J(2, 2, 3), J(2, 9, 40), J(1, 8, 41)]

    def urgent(job: J) -> bool:
        return job.id >= 40

    ordered = fair_order(
        jobs, partner=lambda j: j.partner, created_at=lambda j: j.created, task_id=lambda j: j.id, urgent=urgent
    )
    assert [j.id for j in ordered] == [41, 40, 1, 3, 2]
    assert fair_order(
        jobs,
        partner=lambda j: j.partner,
        created_at=lambda j: j.created,
        task_id=lambda j: j.id,
        urgent=lambda j: False,
    ) == order(jobs)
