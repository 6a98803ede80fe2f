# The seed's "correct client" (000 Level 3) against lesson 04's greeter: await every recv().
import asyncio
import sys

import websockets


async def correct_client(url):
    async with websockets.connect(url) as websocket:
        print(f"Greeting: {await websocket.recv()}")
        await websocket.send("Hello WebSocket!")
        print(f"Received: {await websocket.recv()}")


asyncio.run(correct_client(sys.argv[1]))
