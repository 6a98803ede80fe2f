# A Python client stays connected through several heartbeats: websockets answers pings itself.
import asyncio
import sys

try:
    import websockets
except ImportError:
    sys.exit("This client needs Python's websockets package: sudo apt-get install python3-websockets (Debian/Ubuntu) or pip install websockets")


async def main(url):
    async with websockets.connect(url) as ws:
        print(await ws.recv())
        await asyncio.sleep(1.0)  # several heartbeat intervals (the test runs the server at 150 ms)
        await ws.send("still here")
        print(await ws.recv())


# Usage: python3 checks/lessons/lesson-07-heartbeat-reconnect/interop.py [url]   (default: the lesson server's own address)
if len(sys.argv) > 2 or (len(sys.argv) == 2 and sys.argv[1] in ("-h", "--help")):
    print(f"usage: python3 {sys.argv[0]} [ws://127.0.0.1:8765]  (start the lesson's server first: npx tsx lessons/lesson-07-heartbeat-reconnect/server.ts)")
    sys.exit(0 if len(sys.argv) == 2 else 2)
asyncio.run(main(sys.argv[1] if len(sys.argv) == 2 else "ws://127.0.0.1:8765"))
