# The Python tutorial's two-client chat demo (003, 综合小案例), with its race fixed: both clients join the
# room before either speaks, so each receives both messages.
import asyncio
import json
import sys

try:
    import websockets
except ImportError:
    sys.exit("This client needs Python's websockets package: sudo apt-get install python3-websockets (Debian/Ubuntu) or pip install websockets")


async def main(url):
    async with websockets.connect(url) as c1, websockets.connect(url) as c2:
        await asyncio.sleep(0.2)  # let the server register both before anyone speaks
        await c1.send("c1: hi")
        await c2.send("c2: hi")
        for name, ws in (("c1", c1), ("c2", c2)):
            received = sorted([json.loads(await ws.recv())["message"] for _ in range(2)])
            print(name, "recv", received)


# Usage: python3 checks/lessons/lesson-08-broadcast/interop.py [url]   (default: the lesson server's own address)
if len(sys.argv) > 2 or (len(sys.argv) == 2 and sys.argv[1] in ("-h", "--help")):
    print(f"usage: python3 {sys.argv[0]} [ws://127.0.0.1:8765]  (start the lesson's server first: npx tsx lessons/lesson-08-broadcast/server.ts)")
    sys.exit(0 if len(sys.argv) == 2 else 2)
asyncio.run(main(sys.argv[1] if len(sys.argv) == 2 else "ws://127.0.0.1:8765"))
