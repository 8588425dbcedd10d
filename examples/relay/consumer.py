"""Follow a devlink3 relay's stream from where this consumer left off (a durable consumer).

    pip install nats-py
    python examples/relay/consumer.py nats://127.0.0.1:4222 [SITE] [--once]

Each message is the document `devlink3 tail` prints (or a call event: see the README).
Acknowledged after handling: a restarted consumer goes on with the first it had not
acknowledged. --once: handle what is there and stop (for tests).
"""

import asyncio
import json
import sys

import nats
from nats.errors import TimeoutError as NatsTimeout


async def main(url: str, site: str, once: bool) -> None:
    nc = await nats.connect(url)
    js = nc.jetstream()
    sub = await js.pull_subscribe(f"devlink3.{site}.>", durable=f"example-{site.replace('*', 'all')}", stream="DEVLINK3")
    while True:
        try:
            messages = await sub.fetch(100, timeout=1)
        except NatsTimeout:
            if once:
                break
            continue
        for message in messages:
            event = json.loads(message.data)
            print(message.subject, event.get("type") or event.get("event"), flush=True)
            await message.ack()
    await nc.close()


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    asyncio.run(main(args[0], args[1] if len(args) > 1 else "*", "--once" in sys.argv))
