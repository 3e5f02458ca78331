"""Background tasks with Celery, using the data store as broker and result backend.

A user "uploads an image"; the API enqueues an inference task and returns at
once; a worker processes it; the client waits for the result.

Worker:  REDIS_URL=redis://127.0.0.1:6379/0 celery -A tasks worker --concurrency=2
"""
import os
import time

import redis
from celery import Celery

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
VISIBILITY_TIMEOUT = int(os.environ.get("VISIBILITY_TIMEOUT", "3600"))

app = Celery("tasks", broker=REDIS_URL, backend=REDIS_URL)
app.conf.update(
    task_acks_late=True,                 # a task is acknowledged after it ran: a killed worker's task comes back
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    broker_transport_options={"visibility_timeout": VISIBILITY_TIMEOUT},
    result_expires=3600,
    broker_connection_retry_on_startup=True,
    task_default_retry_delay=0.2,
)

store = redis.Redis.from_url(REDIS_URL, decode_responses=True)


@app.task
def infer(image_id: str) -> dict:
    """Simulated model inference on an uploaded image."""
    time.sleep(0.005)
    digest = sum(ord(ch) for ch in image_id)
    return {"image": image_id, "label": ["cat", "dog", "bird"][digest % 3], "confidence": 0.5 + (digest % 50) / 100}


@app.task
def add(x: int, y: int) -> int:
    return x + y


@app.task
def total(values: list) -> int:
    return sum(values)


@app.task(bind=True, max_retries=5)
def flaky(self, key: str, failures: int) -> int:
    """Fails `failures` times (counted in the store), then succeeds; retried by Celery."""
    attempt = store.incr(f"flaky:{key}")
    if attempt <= failures:
        raise self.retry(countdown=0.2, exc=RuntimeError(f"attempt {attempt} failed"))
    return attempt


@app.task
def long_job(job_id: str, seconds: float) -> dict:
    """Records each start; the first run is slow (the worker gets killed during it)."""
    starts = store.incr(f"job:{job_id}:starts")
    store.set(f"job:{job_id}:running", "1")
    time.sleep(seconds if starts == 1 else 0.05)
    return {"job": job_id, "starts": starts}
