"""A process's own peak resident memory, and a wrapper that reports it for a whole command.

``python -m benchmarks.peak FILE MODULE ARGS…`` runs ``python -m MODULE ARGS…`` in this process and, at exit,
writes its peak resident memory in MB to FILE. The peak is VmHWM, the high-water mark of this program's own
memory, which starts afresh at ``exec``. ``ru_maxrss`` from ``wait4`` is not that: Linux carries the resident
size of a parent into a child it forks, so every child of the benchmark process (hundreds of MB once the window's
session has run) reported at least the parent's size (an export at 1,000 patients "peaked" at 465 MB; alone, 59 MB).
"""

from __future__ import annotations

import atexit
import runpy
import sys
from pathlib import Path


def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM on Linux, ru_maxrss elsewhere)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def main() -> None:
    out, module, *args = sys.argv[1:]
    atexit.register(lambda: Path(out).write_text(f"{peak_rss_mb():.1f}\n", encoding="ascii"))
    sys.argv = [module, *args]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
