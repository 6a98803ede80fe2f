# The Python tutorial's "correct client" (000 Level 3) against lesson 04's greeter: await every recv().
import asyncio
import sys

try:
    import websockets
except ImportError:
    sys.exit("This client needs Python's websockets package: sudo apt-get install python3-websockets (Debian/Ubuntu) or pip install websockets")


async def correct_client(url):
    async with websockets.connect(url) as websocket:
        print(f"Greeting: {await websocket.recv()}")
        await websocket.send("Hello WebSocket!")
        print(f"Received: {await websocket.recv()}")


# Usage: python3 checks/lessons/lesson-04-async-pitfalls/interop.py [url]   (default: the lesson server's own address)
if len(sys.argv) > 2 or (len(sys.argv) == 2 and sys.argv[1] in ("-h", "--help")):
    print(f"usage: python3 {sys.argv[0]} [ws://127.0.0.1:8765]  (start the lesson's server first: npx tsx lessons/lesson-04-async-pitfalls/greeter-server.ts)")
    sys.exit(0 if len(sys.argv) == 2 else 2)
asyncio.run(correct_client(sys.argv[1] if len(sys.argv) == 2 else "ws://127.0.0.1:8765"))
