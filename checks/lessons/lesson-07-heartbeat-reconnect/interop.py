# A Python client stays connected through several heartbeats: websockets answers pings itself.
import asyncio
import sys

import websockets


async def main(url):
    async with websockets.connect(url) as ws:
        print(await ws.recv())
        await asyncio.sleep(1.0)  # several heartbeat intervals (the test runs the server at 150 ms)
        await ws.send("still here")
        print(await ws.recv())


asyncio.run(main(sys.argv[1]))
