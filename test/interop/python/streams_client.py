"""redis-py stream APIs against the server at REDIS_URL; prints one JSON line.

Run by test/interop/streams-clients.test.ts on Sinew and on redis-server.
"""
import json
import os
import threading
import time

import redis

r = redis.Redis.from_url(os.environ["REDIS_URL"], decode_responses=True)
r.flushall()
res = {}

r.xgroup_create("inference", "g", id="0", mkstream=True)
r.xadd("inference", {"model": "vision"}, id="1-0")
r.xadd("inference", {"model": "speech"}, id="2-0", maxlen=1000, approximate=True)

got = r.xreadgroup("g", "w1", {"inference": ">"}, count=10)
res["first_read"] = [[i, f] for i, f in got[0][1]]

# A blocking read on another connection, woken by an XADD from this one.
b = redis.Redis.from_url(os.environ["REDIS_URL"], decode_responses=True)
box = {}


def blocked():
    t0 = time.monotonic()
    box["reply"] = b.xreadgroup("g", "w1", {"inference": ">"}, count=10, block=5000)
    box["seconds"] = time.monotonic() - t0


th = threading.Thread(target=blocked)
th.start()
time.sleep(0.2)
r.xadd("inference", {"model": "text"}, id="3-0")
th.join(10)
res["blocked_read_woken"] = box.get("seconds", 99) < 4
res["blocked_entry"] = list(box["reply"][0][1][0]) if box.get("reply") else None
res["timed_out_read"] = b.xreadgroup("g", "w1", {"inference": ">"}, block=100) or None
b.close()

res["acked"] = r.xack("inference", "g", "1-0")
res["pending_ids"] = [p["message_id"] for p in r.xpending_range("inference", "g", min="-", max="+", count=10)]

# w1 is gone: w2 takes over what it left pending for more than 50 ms.
time.sleep(0.1)
nxt, claimed = r.xautoclaim("inference", "g", "w2", min_idle_time=50, start_id="0-0", count=10)[:2]
res["autoclaim_next"] = nxt
res["autoclaimed"] = [[i, f] for i, f in claimed]
res["autoclaim_justid"] = r.xautoclaim("inference", "g", "w2", min_idle_time=0, start_id="0-0", justid=True)
res["pending_after"] = [
    [p["message_id"], p["consumer"], p["times_delivered"]] for p in r.xpending_range("inference", "g", min="-", max="+", count=10)
]
r.xack("inference", "g", "2-0", "3-0")

info = r.xinfo_stream("inference")
res["info_length"] = info["length"]
res["info_groups"] = info["groups"]
res["info_last_id"] = info["last-generated-id"]
res["trimmed"] = r.xtrim("inference", maxlen=1, approximate=False)
res["len_after_trim"] = r.xlen("inference")
r.close()
print(json.dumps(res))
