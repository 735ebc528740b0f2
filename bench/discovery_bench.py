"""Discovery cycle time for 1,000 PENDING tasks across 50 customers (prints numbers).

A sandbox with 50 customer partners x 20 pending captions tasks, a real Prefect server (the test
harness, SQLite) with the captions deployment, and one discovery cycle that must read every task
(getJobs pages, reach_vendor gets on each accessKey) and create 1,000 flow runs; then a second
cycle that finds them all already started.

    .venv/bin/python bench/discovery_bench.py [--customers 50] [--tasks-per-customer 20]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time

os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="bench-prefect-"))
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")


def scenario(customers: int, per_customer: int) -> dict:
    return {
        "vendor": {
            "partner_id": 9000,
            "admin_secret": "vendor-secret",
            "app_token": {"id": "0_apptok", "token": "bench-token", "hash_type": "SHA256"},
        },
        "catalog_items": [
            {"id": 101, "feature": "CAPTIONS", "service_type": "MACHINE", "turn_around_time": "TWO_HOURS"}
        ],
        "customers": [
            {
                "partner_id": 3000 + c,
                "admin_secret": f"customer-{c}",
                "reach_profiles": [{"id": 400 + c}],
                # Same speech everywhere: synthesised once, cached by content.
                "entries": [{"id": f"0_b{c:07d}", "speech": [{"text": "Hello."}], "flavors": ["audio"]}],
                "tasks": [
                    {
                        "id": 100000 + c * per_customer + t,
                        "entry": f"0_b{c:07d}",
                        "catalog_item": 101,
                        "reach_profile": 400 + c,
                        "created": f"-{(c * 7 + t * 13) % 600 + 1}m",
                    }
                    for t in range(per_customer)
                ],
            }
            for c in range(customers)
        ],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=50)
    parser.add_argument("--tasks-per-customer", type=int, default=20)
    args = parser.parse_args()
    from prefect.testing.utilities import prefect_test_harness

    from blocks.kaltura import KalturaVendorAccount
    from flows.captions import captions_flow
    from flows.discovery import discovery_flow
    from kaltura_sandbox.testing import running_sandbox

    total = args.customers * args.tasks_per_customer
    with prefect_test_harness(server_startup_timeout=120):
        captions_flow.to_deployment(name="captions").apply()
        media = tempfile.mkdtemp(prefix="bench-media-")
        with running_sandbox(scenario(args.customers, args.tasks_per_customer), media_dir=media) as sandbox:
            creds = sandbox.credentials
            KalturaVendorAccount(
                service_url=sandbox.base_url,
                vendor_partner_id=creds["vendor_partner_id"],
                app_token_id=creds["app_token_id"],
                app_token=creds["app_token"],
            ).save("bench", overwrite=True)
            started = time.perf_counter()
            first = asyncio.run(discovery_flow(max_in_flight=total, account_block="bench"))
            first_seconds = time.perf_counter() - started
            started = time.perf_counter()
            second = asyncio.run(discovery_flow(max_in_flight=total, account_block="bench"))
            second_seconds = time.perf_counter() - started
    print(f"pending tasks: {total} across {args.customers} customers")
    print(
        f"cycle 1 (start every task): {first_seconds:.1f} s wall, {first['seconds']:.1f} s inside the flow, "
        f"started {first['started']}, unserved {first['unserved']}, failed to read {first['failed_to_read']}"
    )
    print(f"  = {first['started'] / max(first['seconds'], 0.001):.1f} runs created per second")
    print(
        f"cycle 2 (all already started): {second_seconds:.1f} s wall, {second['seconds']:.1f} s inside the flow, "
        f"already running {second['already_running']}, started {second['started']}"
    )


if __name__ == "__main__":
    main()
