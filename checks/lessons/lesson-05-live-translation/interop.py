# The seed's translation client (000 Level 4), fixed: it stops at the explicit "done" frame
# instead of waiting for a close that never comes, and sends a second request on the same connection.
import asyncio
import json
import sys

import websockets


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


asyncio.run(translate_client(sys.argv[1]))
