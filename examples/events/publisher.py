"""The Python service side of "events between services":

- publishes "prediction ready" events on predictions.ready.<model> (Pub/Sub)
- pushes jobs onto a list used as a reliable queue by the Node.js consumer

Usage: REDIS_URL=... python3 publisher.py <events> <jobs>
Prints one JSON object: how many subscribers received each event, jobs queued.
"""
import json
import os
import sys
import time

import redis

r = redis.Redis.from_url(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"), decode_responses=True)


def main(events: int, jobs: int) -> None:
    receivers = []
    for i in range(events):
        model = ["vision", "speech"][i % 2]
        payload = json.dumps({"id": i, "model": model, "label": f"label-{i}", "ts": time.time()})
        receivers.append(r.publish(f"predictions.ready.{model}", payload))
    pipe = r.pipeline(transaction=False)
    for i in range(jobs):
        pipe.lpush("jobs:pending", json.dumps({"job": i, "image": f"img-{i}"}))
    pipe.execute()
    r.publish("predictions.control", "done")
    print(json.dumps({"published": events, "min_receivers": min(receivers) if receivers else 0, "jobs": jobs}))


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
