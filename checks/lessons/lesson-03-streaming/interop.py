# The seed's stream client (000 Level 2, feature 2), unchanged but for the URL argument.
import asyncio
import sys

import websockets


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


asyncio.run(stream_client(sys.argv[1]))
