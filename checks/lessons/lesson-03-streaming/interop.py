# The Python tutorial's stream client (000 Level 2, feature 2), unchanged but for the URL argument.
import asyncio
import sys

try:
    import websockets
except ImportError:
    sys.exit("This client needs Python's websockets package: sudo apt-get install python3-websockets (Debian/Ubuntu) or pip install websockets")


async def stream_client(url):
    async with websockets.connect(url) as websocket:
        print("Receiving stream:")
        while True:
            try:
                chunk = await websocket.recv()
                print(chunk, end="", flush=True)
            except websockets.ConnectionClosed:
                break
    print()


# Usage: python3 checks/lessons/lesson-03-streaming/interop.py [url]   (default: the lesson server's own address)
if len(sys.argv) > 2 or (len(sys.argv) == 2 and sys.argv[1] in ("-h", "--help")):
    print(f"usage: python3 {sys.argv[0]} [ws://127.0.0.1:8765]  (start the lesson's server first: npx tsx lessons/lesson-03-streaming/server.ts)")
    sys.exit(0 if len(sys.argv) == 2 else 2)
asyncio.run(stream_client(sys.argv[1] if len(sys.argv) == 2 else "ws://127.0.0.1:8765"))
