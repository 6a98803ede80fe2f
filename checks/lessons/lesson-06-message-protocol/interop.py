# A Python client speaking lesson 06's envelope protocol, offering its subprotocol.
import asyncio
import json
import sys

import websockets


async def main(url):
    async with websockets.connect(url, subprotocols=["workbook.v1"]) as ws:
        print("subprotocol:", ws.subprotocol)
        await ws.send(json.dumps({"type": "add", "version": 1, "request_id": "py-1", "payload": {"a": 2, "b": 3}}))
        reply = json.loads(await ws.recv())
        print(reply["request_id"], reply["payload"])
        await ws.send("hello")  # a bare string: answered with an error, the connection stays
        error = json.loads(await ws.recv())
        print(error["type"], error["payload"]["code"], error["request_id"])
        await ws.send(b"\x00\x01")  # binary frames are not part of the protocol
        print(json.loads(await ws.recv())["payload"]["code"])
        await ws.send(json.dumps({"type": "echo", "version": 1, "request_id": "py-2", "payload": {"text": "还在"}}))
        print(json.loads(await ws.recv())["request_id"])


asyncio.run(main(sys.argv[1]))
