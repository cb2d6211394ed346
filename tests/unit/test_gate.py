"""The slot gate of an adaptive limit (resizable, first come first served) and the client-wide pause."""

from __future__ import annotations

import asyncio

import pytest

from aiobizstim._gate import GatePausedError, SlotGate


async def _settle() -> None:
    """Let every ready task run until none is (the gate hands slots over through futures)."""
    for _ in range(5):
        await asyncio.sleep(0)


async def _holders(
    gate: SlotGate, count: int, order: list[int], release: asyncio.Event
) -> list[asyncio.Task[None]]:
    async def hold(i: int) -> None:
        async with gate:
            order.append(i)
            await release.wait()

    tasks = [asyncio.create_task(hold(i)) for i in range(count)]
    await _settle()
    return tasks


async def test_admits_up_to_the_limit_then_in_arrival_order() -> None:
    gate, order, release = SlotGate(2), list[int](), asyncio.Event()
    tasks = await _holders(gate, 5, order, release)
    assert (order, gate.held, gate.waiting) == ([0, 1], 2, 3)
    release.set()
    await asyncio.gather(*tasks)
    assert order == [0, 1, 2, 3, 4]
    assert (gate.held, gate.waiting) == (0, 0)


async def test_raising_the_limit_admits_waiters_at_once() -> None:
    gate, order, release = SlotGate(1), list[int](), asyncio.Event()
    tasks = await _holders(gate, 4, order, release)
    assert order == [0]
    gate.limit = 3
    await _settle()
    assert order == [0, 1, 2]
    release.set()
    await asyncio.gather(*tasks)


async def test_lowering_the_limit_takes_no_slot_back_and_admits_nobody_until_below_it() -> None:
    gate = SlotGate(3)
    for _ in range(3):
        await gate.acquire()
    waiter = asyncio.create_task(gate.acquire())
    gate.limit = 1
    gate.release()
    gate.release()
    await _settle()
    assert (gate.held, waiter.done()) == (1, False)  # 1 held, limit 1: still full
    gate.release()
    await waiter
    assert gate.held == 1


async def test_a_cancelled_waiter_leaves_and_a_slot_handed_to_it_passes_on() -> None:
    gate = SlotGate(1)
    await gate.acquire()
    first = asyncio.create_task(gate.acquire())
    second = asyncio.create_task(gate.acquire())
    await _settle()
    gate.release()  # hands the slot to ``first`` ...
    first.cancel()  # ... which is cancelled before it runs: the slot must go to ``second``
    await asyncio.gather(first, return_exceptions=True)
    await second
    assert (gate.held, gate.waiting) == (1, 0)
    third = asyncio.create_task(gate.acquire())
    await _settle()
    third.cancel()
    await asyncio.gather(third, return_exceptions=True)
    assert (gate.held, gate.waiting) == (1, 0)


async def test_pause_holds_newcomers_until_the_deadline() -> None:
    loop = asyncio.get_running_loop()
    gate = SlotGate(4)
    await gate.wait_open()  # open: returns at once
    deadline = loop.time() + 0.05
    gate.pause_until(deadline)
    gate.pause_until(deadline - 0.04)  # an earlier end does not shorten it
    assert gate.resume_at == deadline
    opened = asyncio.create_task(gate.wait_open())
    await _settle()
    assert not opened.done()
    await opened
    assert loop.time() >= deadline


async def test_a_later_pause_extends_the_one_running() -> None:
    loop = asyncio.get_running_loop()
    gate = SlotGate(1)
    gate.pause_until(loop.time() + 0.02)
    later = loop.time() + 0.06
    gate.pause_until(later)
    await gate.wait_open()
    assert loop.time() >= later


@pytest.mark.parametrize("limit", [1, 3])
async def test_never_more_holders_than_the_limit_under_churn(limit: int) -> None:
    gate, peak, now = SlotGate(limit), [0], [0]

    async def work() -> None:
        async with gate:
            now[0] += 1
            peak[0] = max(peak[0], now[0])
            await asyncio.sleep(0)
            now[0] -= 1

    await asyncio.gather(*(work() for _ in range(50)))
    assert peak[0] == limit


async def test_a_pause_sends_the_queued_waiters_back_to_wait_it_out() -> None:
    loop = asyncio.get_running_loop()
    gate = SlotGate(1)
    await gate.acquire()
    queued = asyncio.create_task(gate.acquire())
    await _settle()
    deadline = loop.time() + 0.05
    gate.pause_until(deadline)
    with pytest.raises(GatePausedError):  # at once: the pause is not spent in the queue (nor its timeout)
        await queued
    assert gate.waiting == 0
    gate.release()
    assert gate.held == 0
    with pytest.raises(GatePausedError):  # while paused, nobody queues
        await gate.acquire()
    await gate.wait_open()
    assert loop.time() >= deadline
    await gate.acquire()
    assert gate.held == 1


async def test_a_slot_handed_over_just_before_a_pause_goes_back() -> None:
    """The slot reached a waiter, but a pause began before the waiter ran: it must not go out in the pause."""
    loop = asyncio.get_running_loop()
    gate = SlotGate(1)
    await gate.acquire()
    queued = asyncio.create_task(gate.acquire())
    await _settle()
    gate.release()  # hands the slot to ``queued``, which has not run yet
    gate.pause_until(loop.time() + 10)  # e.g. a 429 handled in the same turn of the loop
    with pytest.raises(GatePausedError):
        await queued
    assert (gate.held, gate.waiting) == (0, 0)
    gate.resume_now()


async def test_resume_now_ends_a_pause_for_its_waiters() -> None:
    loop = asyncio.get_running_loop()
    gate = SlotGate(1)
    gate.pause_until(loop.time() + 60)
    opened = asyncio.create_task(gate.wait_open())
    await _settle()
    assert not opened.done()
    gate.resume_now()
    await opened
    assert not gate.paused
    assert gate.resume_at <= loop.time()
    gate.pause_until(loop.time() + 60)  # a new pause after it is a pause again
    again = asyncio.create_task(gate.wait_open())
    await _settle()
    assert not again.done()
    gate.resume_now()
    await again
