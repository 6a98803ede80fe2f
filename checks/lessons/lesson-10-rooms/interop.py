# The Python tutorial's exercise "只给指定房间广播" (room_id -> clients) from the client side: three
# clients say hello with names and join rooms; a line said in one room reaches that room's members
# only (alice, in lobby alone, never hears games), and a client that closes leaves every room it was in.
import asyncio
import json
import sys

try:
    import websockets
except ImportError:
    sys.exit("This client needs Python's websockets package: sudo apt-get install python3-websockets (Debian/Ubuntu) or pip install websockets")


async def hello(url, name, rooms):
    ws = await websockets.connect(url)
    await ws.send(json.dumps({"type": "hello", "name": name}))
    assert json.loads(await ws.recv())["type"] == "welcome"
    for room in rooms:
        await ws.send(json.dumps({"type": "join", "room": room}))
        joined = json.loads(await ws.recv())
        print(name, joined["type"], joined["room"], joined["members"])
    return ws


async def main(url):
    alice = await hello(url, "py-alice", ["lobby"])
    bob = await hello(url, "py-bob", ["lobby", "games"])
    print("py-alice", json.loads(await alice.recv()))
    carol = await hello(url, "py-carol", ["games"])
    print("py-bob", json.loads(await bob.recv()))
    await bob.send(json.dumps({"type": "chat", "room": "games", "text": "hi games"}))
    for name, ws in (("py-carol", carol), ("py-bob", bob)):
        message = json.loads(await ws.recv())
        print(name, message["room"], message["from"], message["text"])
    await alice.send(json.dumps({"type": "chat", "room": "lobby", "text": "hi lobby"}))
    message = json.loads(await alice.recv())
    print("py-alice", message["room"], message["from"], message["text"])
    await carol.close()
    print("py-bob", json.loads(await bob.recv()))
    print("py-bob", json.loads(await bob.recv()))
    await bob.close()
    print("py-alice", json.loads(await alice.recv()))
    await alice.close()


# Usage: python3 checks/lessons/lesson-10-rooms/interop.py [url]   (default: the lesson server's own address)
if len(sys.argv) > 2 or (len(sys.argv) == 2 and sys.argv[1] in ("-h", "--help")):
    print(f"usage: python3 {sys.argv[0]} [ws://127.0.0.1:8765]  (start the lesson's server first: npx tsx lessons/lesson-10-rooms/server.ts)")
    sys.exit(0 if len(sys.argv) == 2 else 2)
asyncio.run(main(sys.argv[1] if len(sys.argv) == 2 else "ws://127.0.0.1:8765"))
