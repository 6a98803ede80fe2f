# The seed's echo client (000 Level 1), unchanged but for the URL argument.
import asyncio
import sys

import websockets


async def echo_client(url):
    async with websockets.connect(url) as websocket:
        message = "Hello WebSocket!"
        await websocket.send(message)
        response = await websocket.recv()
        print(f"Received: {response}")
        # Beyond the seed: Chinese, emoji and an empty message survive the trip.
        for text in ["你好，世界 👋🏽", ""]:
            await websocket.send(text)
            print(f"Received: {await websocket.recv()}")


asyncio.run(echo_client(sys.argv[1]))
