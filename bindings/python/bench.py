"""Throughput of call events into Python.

The embedded simulator blasts the specification's answered-call Detail record over loopback
into one link, and a plain ``for event in link`` loop takes every event (``--touch`` also
reads a field of each). Everything runs in this process, the simulator included, so the
figure is a floor for what a link achieves against a real IP Office.

    python bindings/python/bench.py [--events 1000000] [--touch]

Build the extension in release mode first (``pip install ./bindings/python`` or
``maturin develop --release``): a debug build is several times slower.
"""

from __future__ import annotations

import argparse
import time

import devlink3

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000, help="events to send (default 1000000)")
    parser.add_argument("--queue", type=int, default=65_536, help="the link's queue capacity (default 65536)")
    parser.add_argument("--touch", action="store_true", help="read party_a.state of every event")
    args = parser.parse_args()

    with devlink3.Simulator() as sim, sim.connect(queue_capacity=args.queue) as link:
        link.wait_operational(timeout=10)
        while link.next_event(timeout=0) is not None:
            pass  # the link states so far (the first call subscribes the link)
        # The simulator blasts only to subscribed connections: wait until it has seen ours.
        if not sim.wait_subscribed(1, timeout=10):
            raise SystemExit("the link did not subscribe within 10 s")

        received = missed = 0
        start = time.perf_counter()
        sim.blast(args.events, sim.ANSWERED_CALL)
        for event in link:
            if type(event) is devlink3.Detail:
                received += 1
                if args.touch:
                    event.party_a.state
            elif type(event) is devlink3.Missed:
                missed += event.count
            if received + missed >= args.events:
                break
        elapsed = time.perf_counter() - start

    what = "reading a field of each" if args.touch else "iteration only"
    print(f"events:     {received} received, {missed} missed (dropped for a slow consumer), {args.events} sent")
    print(f"elapsed:    {elapsed:.3f} s")
    print(f"throughput: {received / elapsed:,.0f} events/s received in Python ({what})")


if __name__ == "__main__":
    main()
