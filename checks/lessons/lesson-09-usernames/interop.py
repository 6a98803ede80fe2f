# The Python tutorial's exercise "用户名注册与在线列表" from the client side: two clients join with
# names, a third tries one of them in another case and width and is refused, and a chat message
# arrives with the sender's name as the server knows it, whatever "from" the client claimed.
import asyncio
import json
import sys

try:
    import websockets
except ImportError:
    sys.exit("This client needs Python's websockets package: sudo apt-get install python3-websockets (Debian/Ubuntu) or pip install websockets")


async def join(url, name):
    ws = await websockets.connect(url)
    await ws.send(json.dumps({"type": "join", "name": name}))
    return ws, json.loads(await ws.recv())


async def main(url):
    alice, welcome = await join(url, "py-alice")
    print("alice", welcome["type"], welcome["online"])
    bob, welcome = await join(url, "py-bob")
    print("bob", welcome["type"], welcome["online"])
    print("alice", json.loads(await alice.recv()))
    mimic, refused = await join(url, "ＰＹ-ＡＬＩＣＥ")
    print("mimic", refused["type"], refused["code"])
    await mimic.close()
    await bob.send(json.dumps({"type": "chat", "text": "hi", "from": "py-alice"}))
    message = json.loads(await alice.recv())
    print("alice", message["type"], message["from"], message["text"])
    await bob.close()
    print("alice", json.loads(await alice.recv()))
    await alice.close()


# Usage: python3 checks/lessons/lesson-09-usernames/interop.py [url]   (default: the lesson server's own address)
if len(sys.argv) > 2 or (len(sys.argv) == 2 and sys.argv[1] in ("-h", "--help")):
    print(f"usage: python3 {sys.argv[0]} [ws://127.0.0.1:8765]  (start the lesson's server first: npx tsx lessons/lesson-09-usernames/server.ts)")
    sys.exit(0 if len(sys.argv) == 2 else 2)
asyncio.run(main(sys.argv[1] if len(sys.argv) == 2 else "ws://127.0.0.1:8765"))
