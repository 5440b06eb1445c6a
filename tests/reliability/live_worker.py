"""A second laptop watching the database: prints each change its live feed hears, as one JSON line.

    python live_worker.py DATABASE [INTERVAL_S]

Prints {"ready": true} once its feed is listening, then {"trials": [...], "at": monotonic seconds} per change,
polling every INTERVAL_S seconds (0.1 by default; the window polls every second, as benchmarks/pg_bench.py does).
Ends when its standard input closes. Used by test_live_across_processes.py and benchmarks/live_bench.py.
"""

from __future__ import annotations

import json
import sys
import threading
import time

from trialapp.services.context import open_app
from trialapp.services.live import LiveFeed, ServerUnreachable


def main(database: str, interval_s: float = 0.1) -> None:
    app = open_app(database, read_only_if_in_use=True)
    feed = LiveFeed(app)
    stop = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
    print(json.dumps({"ready": True}), flush=True)
    try:
        while not stop.wait(interval_s):
            try:
                change = feed.poll()
            except ServerUnreachable as exc:
                print(json.dumps({"unreachable": str(exc)}), flush=True)
                continue
            if change is not None:
                line = {"trials": sorted(change.trial_ids), "at": time.monotonic()}
                print(json.dumps(line), flush=True)
    finally:
        feed.close()
        app.close()


if __name__ == "__main__":
    main(sys.argv[1], float(sys.argv[2]) if len(sys.argv) > 2 else 0.1)
