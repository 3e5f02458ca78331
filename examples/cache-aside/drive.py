"""Drives the cache-aside API and prints what happened as one JSON object.

Usage: python3 drive.py http://127.0.0.1:8000 [hit-requests]
"""
import asyncio
import json
import statistics
import sys
import time

import httpx


async def main(base: str, hits: int) -> None:
    out: dict = {}
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        t = time.perf_counter()
        first = (await client.get("/predict/cat")).json()
        out["miss_ms"] = round((time.perf_counter() - t) * 1000, 2)
        out["first_cached"] = first["cached"]
        t = time.perf_counter()
        second = (await client.get("/predict/cat")).json()
        out["hit_ms"] = round((time.perf_counter() - t) * 1000, 2)
        out["second_cached"] = second["cached"]
        out["second_label"] = second["label"]

        upd = (await client.put("/items/cat")).json()
        out["invalidated"] = upd["invalidated"]
        after = (await client.get("/predict/cat")).json()
        out["after_update_cached"] = after["cached"]
        out["after_update_label"] = after["label"]

        runs_before = (await client.get("/stats")).json()["inference_runs"]
        results = await asyncio.gather(*[client.get("/predict/dog") for _ in range(100)])
        codes = [res.status_code for res in results]
        runs_after = (await client.get("/stats")).json()["inference_runs"]
        out["stampede_requests_ok"] = sum(1 for c in codes if c == 200)
        out["stampede_inference_runs"] = runs_after - runs_before

        latencies = []
        for _ in range(hits):
            t = time.perf_counter()
            res = await client.get("/predict/cat")
            latencies.append((time.perf_counter() - t) * 1000)
            assert res.json()["cached"] is True
        latencies.sort()
        out["hit_requests"] = hits
        out["hit_p50_ms"] = round(statistics.median(latencies), 3)
        out["hit_p99_ms"] = round(latencies[max(0, int(len(latencies) * 0.99) - 1)], 3)
    print(json.dumps(out))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 1000))
