"""A second laptop watching the database: prints each change its live feed hears, as one JSON line.

    python live_worker.py DATABASE

Prints {"ready": true} once its feed is listening, then {"trials": [...], "at": monotonic seconds} per change,
polling as the window does (every 0.1 s here, to measure; the window polls every second).
Ends when its standard input closes. Used by test_live_across_processes.py and benchmarks/live_bench.py.
"""

from __future__ import annotations

import json
import sys
import threading
import time

from trialapp.services.context import open_app
from trialapp.services.live import LiveFeed, ServerUnreachable


def main(database: str) -> None:
    app = open_app(database, read_only_if_in_use=True)
    feed = LiveFeed(app)
    stop = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
    print(json.dumps({"ready": True}), flush=True)
    try:
        while not stop.wait(0.1):
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
    main(sys.argv[1])
