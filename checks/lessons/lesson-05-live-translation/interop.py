# The Python tutorial's translation client (000 Level 4), fixed: it stops at the explicit "done" frame
# instead of waiting for a close that never comes, and sends a second request on the same connection.
import asyncio
import json
import sys

try:
    import websockets
except ImportError:
    sys.exit("This client needs Python's websockets package: sudo apt-get install python3-websockets (Debian/Ubuntu) or pip install websockets")


async def translate(websocket, text):
    await websocket.send(text)
    words = []
    while True:
        frame = json.loads(await websocket.recv())
        if frame["type"] == "chunk":
            words.append(frame["text"])
        elif frame["type"] == "done":
            return " ".join(words)
        else:
            raise RuntimeError(f"unexpected frame {frame}")


async def translate_client(url):
    async with websockets.connect(url) as websocket:
        print(await translate(websocket, "Hello world this is a test"))
        print(await translate(websocket, "this is a WebSocket"))
    print("Translation complete!")


# Usage: python3 checks/lessons/lesson-05-live-translation/interop.py [url]   (default: the lesson server's own address)
if len(sys.argv) > 2 or (len(sys.argv) == 2 and sys.argv[1] in ("-h", "--help")):
    print(f"usage: python3 {sys.argv[0]} [ws://127.0.0.1:8765]  (start the lesson's server first: npx tsx lessons/lesson-05-live-translation/server.ts)")
    sys.exit(0 if len(sys.argv) == 2 else 2)
asyncio.run(translate_client(sys.argv[1] if len(sys.argv) == 2 else "ws://127.0.0.1:8765"))
