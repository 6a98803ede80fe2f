# The Python tutorial's exercise "为服务端加入简单鉴权" done the safe way, from a Python client: the
# token goes in the Authorization header of the upgrade request (the tutorial put it in the URL).
# Python makes the token itself with hmac, in the lesson's format, from the same secret as the
# server (AUTH_SECRET, else the lesson's development secret): the format is language-neutral.
# Then a missing, a forged and an expired token, and a foreign page's Origin, are refused with an
# HTTP status before any WebSocket exists.
import asyncio
import base64
import hashlib
import hmac
import json
import os
import sys
import time

try:
    import websockets
except ImportError:
    sys.exit("This client needs Python's websockets package: sudo apt-get install python3-websockets (Debian/Ubuntu) or pip install websockets")

SECRET = os.environ.get("AUTH_SECRET", "workbook-development-secret-never-use-in-production")
# websockets 14 renamed extra_headers to additional_headers (and InvalidStatusCode to InvalidStatus).
NEW_API = int(websockets.__version__.split(".")[0]) >= 14


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def make_token(sub, seconds):
    claims = {"sub": sub, "exp": int(time.time() * 1000) + seconds * 1000}
    payload = b64url(json.dumps(claims, separators=(",", ":")).encode())
    signature = b64url(hmac.new(SECRET.encode(), payload.encode(), hashlib.sha256).digest())
    return f"{payload}.{signature}"


def connect(url, token=None, origin=None):
    options = {}
    if token is not None:
        options["additional_headers" if NEW_API else "extra_headers"] = {"Authorization": f"Bearer {token}"}
    if origin is not None:
        options["origin"] = origin
    return websockets.connect(url, **options)


async def main(url):
    good = make_token("py-alice", 60)
    async with connect(url, good) as ws:
        print(await ws.recv())
        await ws.send("hello from Python")
        print(await ws.recv())
    forged = good[:-2] + ("xy" if not good.endswith("xy") else "yx")
    for what, token, origin in [
        ("no token", None, None),
        ("forged token", forged, None),
        ("expired token", make_token("py-alice", -1), None),
        ("foreign page", good, "https://evil.example"),
    ]:
        try:
            async with connect(url, token, origin):
                print(what, "connected (it should not have)")
        except websockets.exceptions.InvalidHandshake as error:
            status = getattr(error, "status_code", None) or error.response.status_code
            print(what, "refused", status)


# Usage: python3 checks/lessons/lesson-11-auth/interop.py [url]   (default: the lesson server's own address)
if len(sys.argv) > 2 or (len(sys.argv) == 2 and sys.argv[1] in ("-h", "--help")):
    print(f"usage: python3 {sys.argv[0]} [ws://127.0.0.1:8765]  (start the lesson's server first: npx tsx lessons/lesson-11-auth/server.ts)")
    sys.exit(0 if len(sys.argv) == 2 else 2)
asyncio.run(main(sys.argv[1] if len(sys.argv) == 2 else "ws://127.0.0.1:8765"))
