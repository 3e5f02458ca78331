"""Cache-aside API: FastAPI + redis.asyncio in front of a slow "model inference".

- The first request for an item misses the cache, runs the slow inference and
  stores the result with a TTL; the next ones are served from the cache.
- Updating an item invalidates its cached prediction.
- Stampede protection: when many requests miss the same key at once, one takes
  a short lock (SET NX PX) and computes; the others wait for the value.
- The connection pool is bounded (BlockingConnectionPool): when every
  connection is busy, requests wait for one instead of failing.
- Connection errors (the server restarting) are retried with backoff.

Run:  REDIS_URL=redis://127.0.0.1:6379/0 python3 -m uvicorn app:app --port 8000
"""
import asyncio
import json
import os
import uuid

import redis.asyncio as aioredis
from fastapi import FastAPI
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError, TimeoutError as RedisTimeoutError

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
INFERENCE_SECONDS = float(os.environ.get("INFERENCE_SECONDS", "0.3"))
CACHE_TTL = int(os.environ.get("CACHE_TTL", "60"))
POOL_SIZE = int(os.environ.get("POOL_SIZE", "10"))

app = FastAPI()
pool = aioredis.BlockingConnectionPool.from_url(
    REDIS_URL,
    max_connections=POOL_SIZE,
    timeout=30,
    retry=Retry(ExponentialBackoff(cap=1.0, base=0.05), 8),
    retry_on_error=[RedisConnectionError, RedisTimeoutError],
)
r = aioredis.Redis(connection_pool=pool, decode_responses=True)

stats = {"inference_runs": 0}
versions: dict[str, int] = {}  # the "source of truth" a real service would keep in a database


async def slow_inference(item: str) -> dict:
    stats["inference_runs"] += 1
    await asyncio.sleep(INFERENCE_SECONDS)
    version = versions.get(item, 1)
    return {"item": item, "label": f"label-{item}-v{version}", "score": 0.93, "version": version}


async def release(lock: str, token: str) -> None:
    """Deletes the lock only if we still own it (WATCH/MULTI compare-and-delete)."""
    async with r.pipeline(transaction=True) as pipe:
        try:
            await pipe.watch(lock)
            if await pipe.get(lock) == token:
                pipe.multi()
                pipe.delete(lock)
                await pipe.execute()
        except aioredis.WatchError:
            pass


@app.get("/predict/{item}")
async def predict(item: str):
    key = f"prediction:{item}"
    cached = await r.get(key)
    if cached is not None:
        return {"cached": True, **json.loads(cached)}
    lock = f"lock:{key}"
    token = uuid.uuid4().hex
    lock_ms = int(INFERENCE_SECONDS * 1000 * 10) + 1000
    while True:
        if await r.set(lock, token, nx=True, px=lock_ms):
            try:
                cached = await r.get(key)  # someone may have filled it meanwhile
                if cached is not None:
                    return {"cached": True, **json.loads(cached)}
                result = await slow_inference(item)
                await r.set(key, json.dumps(result), ex=CACHE_TTL)
                return {"cached": False, **result}
            finally:
                await release(lock, token)
        await asyncio.sleep(0.01)
        cached = await r.get(key)
        if cached is not None:
            return {"cached": True, **json.loads(cached)}


@app.put("/items/{item}")
async def update_item(item: str):
    versions[item] = versions.get(item, 1) + 1
    removed = await r.delete(f"prediction:{item}")
    return {"item": item, "version": versions[item], "invalidated": removed}


@app.get("/stats")
async def get_stats():
    return {**stats, "pool_max_connections": POOL_SIZE, "ttl": await r.ttl("prediction:cat")}
