"""Enqueues the Celery scenario and prints what happened as one JSON object.

Needs a worker running (see tasks.py). Usage: python3 run.py [tasks]
"""
import json
import sys
import time

from celery import chord, group

from tasks import add, flaky, infer, total


def main(n: int) -> None:
    out: dict = {}
    start = time.perf_counter()

    # "Upload" n images: the API enqueues and returns at once, results come later.
    t = time.perf_counter()
    pending = [infer.delay(f"img-{i}") for i in range(n)]
    out["enqueue_ms"] = round((time.perf_counter() - t) * 1000, 1)
    results = [p.get(timeout=120) for p in pending]
    out["tasks_s"] = round(time.perf_counter() - t, 2)
    out["tasks_done"] = len(results)
    out["labels"] = sorted({r["label"] for r in results})

    t = time.perf_counter()
    out["group"] = group(add.s(i, i) for i in range(10))().get(timeout=60)
    out["group_s"] = round(time.perf_counter() - t, 2)
    t = time.perf_counter()
    out["chord"] = chord(add.s(i, 1) for i in range(10))(total.s()).get(timeout=60)
    out["chord_s"] = round(time.perf_counter() - t, 2)

    t = time.perf_counter()
    out["retry_attempts"] = flaky.delay(f"k{time.time_ns()}", 2).get(timeout=60)
    out["retry_s"] = round(time.perf_counter() - t, 2)

    t = time.perf_counter()
    out["countdown_result"] = add.apply_async((20, 22), countdown=1.5).get(timeout=60)
    out["countdown_s"] = round(time.perf_counter() - t, 2)

    out["wall_s"] = round(time.perf_counter() - start, 2)
    print(json.dumps(out))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100)
