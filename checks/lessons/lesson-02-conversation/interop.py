# The seed's conversation client (000 Level 2, feature 1), unchanged but for the URL argument.
import asyncio
import sys

import websockets


async def echo_client(url):
    async with websockets.connect(url) as websocket:
        for i in range(3):
            message = f"Message {i+1}"
            await websocket.send(message)
            response = await websocket.recv()
            print(f"Server replied: {response}")


asyncio.run(echo_client(sys.argv[1]))
