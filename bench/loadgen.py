"""A bounded HTTP load from a second process, for when `wrk` is not installed (bench/run.py).

    python bench/loadgen.py URL BODY_JSON --requests N --concurrency C --timeout S

Sends exactly N POSTs of BODY_JSON (Content-Type: application/json) over C keep-alive
connections (one httpx.AsyncClient, C workers), giving up after S seconds; prints one JSON
object: requests done, seconds, requests/s, p50/p99 latency in ms, non-2xx answers, errors.
A Python client is slower than wrk, so its numbers are a floor; bench/run.py uses it for
both servers alike, so their ratio still compares the servers.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(q / 100 * len(sorted_values) + 0.5) - 1))
    return sorted_values[index]


async def run(url: str, body: bytes, requests: int, concurrency: int, timeout: float) -> dict:
    import httpx

    latencies: list[float] = []
    counters = {"non_2xx": 0, "errors": 0}
    remaining = [requests]
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(trust_env=False, limits=limits, timeout=10.0) as client:

        async def worker() -> None:
            while remaining[0] > 0:
                remaining[0] -= 1
                started = time.perf_counter()
                try:
                    resp = await client.post(url, content=body, headers={"Content-Type": "application/json"})
                    await resp.aread()
                    if not 200 <= resp.status_code < 300:
                        counters["non_2xx"] += 1
                except httpx.HTTPError:
                    counters["errors"] += 1
                latencies.append((time.perf_counter() - started) * 1000)

        started = time.perf_counter()
        tasks = [asyncio.create_task(worker()) for _ in range(concurrency)]
        done, pending = await asyncio.wait(tasks, timeout=timeout)
        for task in pending:
            task.cancel()
        seconds = time.perf_counter() - started
    latencies.sort()
    return {
        "requests": len(latencies),
        "seconds": seconds,
        "rps": len(latencies) / seconds if seconds else 0.0,
        "p50_ms": percentile(latencies, 50),
        "p99_ms": percentile(latencies, 99),
        **counters,
        "timed_out": bool(pending),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("body")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--timeout", type=float, default=30.0)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args.url, args.body.encode(), args.requests, args.concurrency, args.timeout))))


if __name__ == "__main__":
    main()
