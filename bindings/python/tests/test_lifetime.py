"""Threads, many links, interpreter exit and Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from typing import Dict, List

import devlink3

from conftest import CALL_LOST, eventually, wait_for, subscribed


def count(directory: str) -> int:
    return len(os.listdir(directory))


def test_a_hundred_open_close_cycles_leak_nothing(devlink3_sim: devlink3.Simulator) -> None:
    with devlink3_sim.connect() as warm_up:
        warm_up.wait_operational(timeout=10)
    threads, fds = threading.active_count(), count("/proc/self/fd")
    native_threads = count("/proc/self/task")
    for i in range(100):
        with devlink3_sim.connect() as link:
            if i % 10 == 0:
                link.wait_operational(timeout=10)
                link.on_delta3(lambda event: None)
    eventually(lambda: devlink3_sim.stats().connections_active == 0, "every connection closed")
    assert threading.active_count() == threads
    assert count("/proc/self/fd") <= fds + 4
    assert count("/proc/self/task") <= native_threads + 2


def test_several_threads_reading_several_links() -> None:
    per_link = 500
    with devlink3.Simulator(max_connections=4) as sim:
        links = [sim.connect() for _ in range(4)]
        for link in links:
            link.wait_operational(timeout=10)
        received: Dict[int, int] = {}
        errors: List[BaseException] = []

        def read(index: int, link: devlink3.Link) -> None:
            try:
                n = 0
                while n < per_link:
                    event = link.next_event(timeout=10)
                    assert event is not None, "events stopped"
                    if isinstance(event, devlink3.CallLost):
                        assert event.end_id == "c0a82a0300000413"
                        n += 1
                received[index] = n
            except BaseException as error:  # reported to the main thread
                errors.append(error)

        # One thread per link, all at once.
        readers = [threading.Thread(target=read, args=(i, links[i % 4])) for i in range(4)]
        for reader in readers:
            reader.start()
        subscribed(sim, 4)  # each reader's first wait subscribes its link
        sim.blast(per_link, CALL_LOST)
        for reader in readers:
            reader.join(timeout=30)
        for link in links:
            link.close()
        assert not errors, errors
        assert received == {i: per_link for i in range(4)}


def test_two_threads_share_one_link_without_losing_or_duplicating(devlink3_sim: devlink3.Simulator) -> None:
    total = 2000
    with devlink3_sim.connect(queue_capacity=total + 10) as link:
        link.wait_operational(timeout=10)
        counters: List[int] = []
        lock = threading.Lock()

        def read() -> None:
            seen = []
            while True:
                event = link.next_event(timeout=1)
                if event is None:
                    break
                if isinstance(event, devlink3.CallLost):
                    seen.append(event.origin.counter)
            with lock:
                counters.extend(seen)

        readers = [threading.Thread(target=read) for _ in range(2)]
        for reader in readers:
            reader.start()
        subscribed(devlink3_sim)
        devlink3_sim.blast(total, CALL_LOST)
        for reader in readers:
            reader.join(timeout=30)
        assert len(counters) == total and len(set(counters)) == total


def run_python(code: str, timeout: float = 20) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=timeout
    )


def test_interpreter_exit_with_links_open_does_not_hang() -> None:
    result = run_python(
        """
        import threading, devlink3
        sim = devlink3.Simulator(rate=200)
        busy = sim.connect()
        busy.on_delta3(lambda event: None)          # callbacks running at exit
        reading = sim.connect()
        def read():
            for _ in reading:                        # a daemon thread blocked in iteration
                pass
        threading.Thread(target=read, daemon=True).start()
        idle = sim.connect()                          # and one nobody reads
        busy.wait_operational(timeout=10)
        print("exiting")
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "exiting"


def test_ctrl_c_interrupts_a_blocked_iteration() -> None:
    code = textwrap.dedent(
        """
        import devlink3
        sim = devlink3.Simulator()
        link = sim.connect()
        link.wait_operational(timeout=10)
        print("ready", flush=True)
        try:
            for event in link:
                pass
        except KeyboardInterrupt:
            print("interrupted", flush=True)
        """
    )
    process = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "ready"
    time.sleep(0.3)  # blocked in the iteration by now
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=10)
    assert out.strip() == "interrupted", err
    assert process.returncode == 0


def test_the_link_of_a_dropped_object_is_closed(devlink3_sim: devlink3.Simulator) -> None:
    link = devlink3_sim.connect()
    link.wait_operational(timeout=10)
    del link
    eventually(lambda: devlink3_sim.stats().connections_active == 0, "the connection closed")


def test_events_keep_flowing_to_a_reader_while_another_thread_works(devlink3_sim: devlink3.Simulator) -> None:
    """Waits release the GIL: a CPU-bound thread does not stop the reader, and vice versa."""
    stop = threading.Event()
    spins = 0

    def spin() -> None:
        nonlocal spins
        while not stop.is_set():
            spins += 1

    spinner = threading.Thread(target=spin)
    spinner.start()
    try:
        with devlink3_sim.connect() as link:
            link.wait_operational(timeout=10)
            link.subscribe()
            before = spins
            subscribed(devlink3_sim).inject_delta3(CALL_LOST)
            wait_for(link, devlink3.CallLost)
            assert link.next_event(timeout=0.2) is None
            assert spins > before
    finally:
        stop.set()
        spinner.join()
