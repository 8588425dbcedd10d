"""asyncio: `async for` and `await link.next()` without blocking the event loop."""

from __future__ import annotations

import asyncio
import threading

import pytest

import devlink3

from conftest import CALL_LOST, subscribed


def test_async_for_receives_records_while_the_loop_stays_responsive(devlink3_sim: devlink3.Simulator) -> None:
    async def main() -> list:
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.01)
                ticks += 1

        ticking = asyncio.create_task(ticker())
        seen = []
        injected = False
        with devlink3_sim.connect() as link:
            async for event in link:
                seen.append(type(event).__name__)
                if isinstance(event, devlink3.LinkState) and event.name == "operational" and not injected:
                    injected = True
                    await asyncio.sleep(0.2)  # waiting for nothing must not stall the loop
                    subscribed(devlink3_sim).inject_delta3(CALL_LOST)
                if isinstance(event, devlink3.CallLost):
                    break
        ticking.cancel()
        assert ticks >= 10
        return seen

    # connecting, operational (reported again if the subscription came after it), the record
    seen = asyncio.run(main())
    assert seen[-1] == "CallLost" and set(seen[:-1]) == {"LinkState"} and 2 <= len(seen) - 1 <= 3, seen


def test_await_next_and_cancellation_loses_nothing(devlink3_sim: devlink3.Simulator) -> None:
    async def main() -> None:
        with devlink3_sim.connect() as link:
            while not (isinstance(e := await link.next(), devlink3.LinkState) and e.name == "operational"):
                pass
            subscribed(devlink3_sim)
            # A subscription after the first operational state reports it again: take it.
            while True:
                try:
                    await asyncio.wait_for(link.next(), timeout=0.3)
                except asyncio.TimeoutError:
                    break
            with pytest.raises(asyncio.TimeoutError):
                await asyncio.wait_for(link.next(), timeout=0.05)
            subscribed(devlink3_sim).inject_delta3(CALL_LOST)
            event = await asyncio.wait_for(link.next(), timeout=10)
            assert isinstance(event, devlink3.CallLost)

    asyncio.run(main())


def test_close_ends_async_iteration(devlink3_sim: devlink3.Simulator) -> None:
    async def main() -> int:
        count = 0
        link = devlink3_sim.connect()
        asyncio.get_running_loop().call_later(0.3, link.close)
        async for _ in link:
            count += 1
        with pytest.raises(devlink3.LinkClosed):
            await link.next()
        return count

    assert asyncio.run(main()) >= 1  # at least the "connecting" state


def test_wrong_password_raises_from_await() -> None:
    async def main() -> None:
        with devlink3.Simulator() as sim, devlink3.connect(sim.target, "devlink3", "wrong") as link:
            with pytest.raises(devlink3.AuthenticationFailed):
                async for _ in link:
                    pass

    asyncio.run(main())


def test_waits_run_on_library_threads_not_the_loop_default_executor(devlink3_link: devlink3.Link) -> None:
    async def main() -> None:
        names = set()
        original = devlink3_link._fill

        def spy(timeout: float) -> None:
            names.add(threading.current_thread().name)
            original(timeout)

        while devlink3_link.next_event(timeout=0) is not None:
            pass  # the link states
        devlink3_link._fill = spy  # type: ignore[method-assign]
        try:
            await asyncio.wait_for(devlink3_link.next(), timeout=0.3)
        except asyncio.TimeoutError:
            pass
        assert names and all(name.startswith("devlink3-async") for name in names), names

    asyncio.run(main())
