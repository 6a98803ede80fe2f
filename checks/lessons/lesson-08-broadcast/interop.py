# The seed's two-client chat demo (003, 综合小案例), with its race fixed: both clients join the
# room before either speaks, so each receives both messages.
import asyncio
import json
import sys

import websockets


async def main(url):
    async with websockets.connect(url) as c1, websockets.connect(url) as c2:
        await asyncio.sleep(0.2)  # let the server register both before anyone speaks
        await c1.send("c1: hi")
        await c2.send("c2: hi")
        for name, ws in (("c1", c1), ("c2", c2)):
            received = sorted([json.loads(await ws.recv())["message"] for _ in range(2)])
            print(name, "recv", received)


asyncio.run(main(sys.argv[1]))
