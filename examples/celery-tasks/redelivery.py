"""A worker killed mid-task: with acks_late, the task is redelivered after the
visibility timeout and a second worker completes it.

Usage: VISIBILITY_TIMEOUT=3 REDIS_URL=... python3 redelivery.py
Prints one JSON object.
"""
import json
import os
import signal
import subprocess
import sys
import time
import uuid

from tasks import long_job, store

HERE = os.path.dirname(os.path.abspath(__file__))


def start_worker(name: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "tasks", "worker", "--pool=solo", "--concurrency=1",
         "--without-gossip", "--without-mingle", "--without-heartbeat", "-n", f"{name}@%h", "--loglevel=WARNING"],
        cwd=HERE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=os.environ.copy(),
    )


def main() -> None:
    job = uuid.uuid4().hex[:8]
    out: dict = {"job": job}
    first = start_worker("first")
    try:
        result = long_job.delay(job, 60)
        deadline = time.time() + 60
        while store.get(f"job:{job}:running") is None:
            if time.time() > deadline:
                raise SystemExit("the first worker never started the task")
            time.sleep(0.05)
        first.send_signal(signal.SIGKILL)
        first.wait()
        out["killed_mid_task"] = True
        killed_at = time.time()
        # A worker restores unacknowledged messages older than the visibility
        # timeout when it starts (and then every 100 s): start the next one
        # once the timeout has passed.
        time.sleep(int(os.environ.get("VISIBILITY_TIMEOUT", "3600")) + 0.5)
        second = start_worker("second")
        try:
            value = result.get(timeout=120)
            out["redelivered_after_s"] = round(time.time() - killed_at, 2)
            out["result"] = value
        finally:
            second.terminate()
            second.wait(timeout=30)
    finally:
        if first.poll() is None:
            first.kill()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
