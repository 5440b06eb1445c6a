"""Child process for the restore/backup crash test: restores or backs up in a loop, reporting each one done.

Usage: python crash_restorer.py restore DB_PATH BACKUP_A BACKUP_B
       python crash_restorer.py backup DB_PATH
Prints "ready" once, then one line per finished restore ("restored A" / "restored B") or backup ("backup
NAME"). The parent kills this process with SIGKILL at random moments.
"""

from __future__ import annotations

import sys
from pathlib import Path

from trialapp.services.backups import restore_backup
from trialapp.storage.backup import take_backup


def main() -> None:
    mode, db_path = sys.argv[1], Path(sys.argv[2])
    print("ready", flush=True)
    if mode == "restore":
        backups = {"A": Path(sys.argv[3]), "B": Path(sys.argv[4])}
        for i in range(100_000):
            name = "AB"[i % 2]
            restore_backup(backups[name], db_path)
            print(f"restored {name}", flush=True)
    else:
        for _ in range(100_000):
            info = take_backup(db_path, "manual", keep=3)
            print(f"backup {info.path.name}", flush=True)


if __name__ == "__main__":
    main()
