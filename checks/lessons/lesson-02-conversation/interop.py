# The Python tutorial's conversation client (000 Level 2, feature 1), unchanged but for the URL argument.
import asyncio
import sys

try:
    import websockets
except ImportError:
    sys.exit("This client needs Python's websockets package: sudo apt-get install python3-websockets (Debian/Ubuntu) or pip install websockets")


async def echo_client(url):
    async with websockets.connect(url) as websocket:
        for i in range(3):
            message = f"Message {i+1}"
            await websocket.send(message)
            response = await websocket.recv()
            print(f"Server replied: {response}")


# Usage: python3 checks/lessons/lesson-02-conversation/interop.py [url]   (default: the lesson server's own address)
if len(sys.argv) > 2 or (len(sys.argv) == 2 and sys.argv[1] in ("-h", "--help")):
    print(f"usage: python3 {sys.argv[0]} [ws://127.0.0.1:8765]  (start the lesson's server first: npx tsx lessons/lesson-02-conversation/server.ts)")
    sys.exit(0 if len(sys.argv) == 2 else 2)
asyncio.run(echo_client(sys.argv[1] if len(sys.argv) == 2 else "ws://127.0.0.1:8765"))
