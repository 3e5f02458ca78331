"""The Python producer service of "stream workers": sends inference requests
to the stream inference:requests (XADD ... MAXLEN ~ 10000) and waits for the
answers that the Node.js workers append to inference:results (a blocking
XREAD from the last result it had seen before sending).

Usage: REDIS_URL=... python3 producer.py <requests>
Prints one JSON object: requests sent, results received (distinct request
ids), which worker answered how many, and how the answers were obtained
("read": XREADGROUP; "claimed": XAUTOCLAIM from a dead consumer).
"""
import json
import os
import sys
import time

import redis

REQUESTS = "inference:requests"
RESULTS = "inference:results"

r = redis.Redis.from_url(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"), decode_responses=True)


def main(n: int, timeout_s: float = 60.0) -> None:
    # Results appended from now on are the answers to this run's requests.
    newest = r.xrevrange(RESULTS, count=1)
    last_id = newest[0][0] if newest else "0-0"
    run = f"{os.getpid()}-{time.time_ns()}"

    pipe = r.pipeline(transaction=False)
    for i in range(n):
        model = ["vision", "speech", "text"][i % 3]
        pipe.xadd(REQUESTS, {"request_id": f"{run}:{i}", "model": model, "input": f"sample-{i}"}, maxlen=10000, approximate=True)
    ids = pipe.execute()
    t0 = time.monotonic()

    answered = {}
    by_worker = {}
    via = {}
    while len(answered) < n and time.monotonic() - t0 < timeout_s:
        reply = r.xread({RESULTS: last_id}, count=100, block=1000)
        for _stream, entries in reply:
            for entry_id, fields in entries:
                last_id = entry_id
                if not fields.get("request_id", "").startswith(run + ":"):
                    continue
                answered[fields["request_id"]] = fields["label"]
                by_worker[fields["worker"]] = by_worker.get(fields["worker"], 0) + 1
                via[fields["via"]] = via.get(fields["via"], 0) + 1
    print(
        json.dumps(
            {
                "sent": len(ids),
                "results": sum(by_worker.values()),
                "distinct": len(answered),
                "by_worker": by_worker,
                "via": via,
                "seconds": round(time.monotonic() - t0, 2),
            }
        )
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 50)
