# The Python tutorial's echo client (000 Level 1), unchanged but for the URL argument.
import asyncio
import sys

try:
    import websockets
except ImportError:
    sys.exit("This client needs Python's websockets package: sudo apt-get install python3-websockets (Debian/Ubuntu) or pip install websockets")


async def echo_client(url):
    async with websockets.connect(url) as websocket:
        message = "Hello WebSocket!"
        await websocket.send(message)
        response = await websocket.recv()
        print(f"Received: {response}")
        # Beyond the Python tutorial: Chinese, emoji and an empty message survive the trip.
        for text in ["你好，世界 👋🏽", ""]:
            await websocket.send(text)
            print(f"Received: {await websocket.recv()}")


# Usage: python3 checks/lessons/lesson-01-echo/interop.py [url]   (default: the lesson server's own address)
if len(sys.argv) > 2 or (len(sys.argv) == 2 and sys.argv[1] in ("-h", "--help")):
    print(f"usage: python3 {sys.argv[0]} [ws://127.0.0.1:8765]  (start the lesson's server first: npx tsx lessons/lesson-01-echo/server.ts)")
    sys.exit(0 if len(sys.argv) == 2 else 2)
asyncio.run(echo_client(sys.argv[1] if len(sys.argv) == 2 else "ws://127.0.0.1:8765"))
