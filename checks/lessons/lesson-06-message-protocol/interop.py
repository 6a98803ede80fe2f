# A Python client speaking lesson 06's envelope protocol, offering its subprotocol.
import asyncio
import json
import sys

try:
    import websockets
except ImportError:
    sys.exit("This client needs Python's websockets package: sudo apt-get install python3-websockets (Debian/Ubuntu) or pip install websockets")


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


# Usage: python3 checks/lessons/lesson-06-message-protocol/interop.py [url]   (default: the lesson server's own address)
if len(sys.argv) > 2 or (len(sys.argv) == 2 and sys.argv[1] in ("-h", "--help")):
    print(f"usage: python3 {sys.argv[0]} [ws://127.0.0.1:8765]  (start the lesson's server first: npx tsx lessons/lesson-06-message-protocol/server.ts)")
    sys.exit(0 if len(sys.argv) == 2 else 2)
asyncio.run(main(sys.argv[1] if len(sys.argv) == 2 else "ws://127.0.0.1:8765"))
