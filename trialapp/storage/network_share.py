"""Is a folder on a network share? A SQLite database must never live on one (NFS, SMB/CIFS…): their file
locking is not reliable, so two laptops could write at once and damage it. The ward server is the way to share.

Linux reads the mount table (/proc/self/mountinfo); Windows asks for the drive type (UNC paths and mapped
network drives). Elsewhere nothing is refused (macOS laptops are not a supported ward configuration).
"""

from __future__ import annotations

import sys
from pathlib import Path

NETWORK_FILESYSTEMS = frozenset(
    {"nfs", "nfs4", "cifs", "smb3", "smbfs", "ncpfs", "afs", "ceph", "glusterfs", "9p", "fuse.sshfs", "davfs"}
)


def _unescape(field: str) -> str:
    """mountinfo writes space, tab, newline and backslash in a mount point as octal escapes."""
    for code, char in (("\\040", " "), ("\\011", "\t"), ("\\012", "\n"), ("\\134", "\\")):
        field = field.replace(code, char)
    return field


def filesystem_of(folder: Path, mountinfo: str) -> str | None:
    """The type of the filesystem ``folder`` (absolute, resolved) lies on, from mountinfo's text."""
    best: tuple[int, str] | None = None
    for line in mountinfo.splitlines():
        left, sep, right = line.partition(" - ")
        fields = left.split()
        if not sep or len(fields) < 5 or not right.split():
            continue
        mount_point = Path(_unescape(fields[4]))
        if folder == mount_point or mount_point in folder.parents:
            depth = len(mount_point.parts)
            if best is None or depth >= best[0]:
                best = (depth, right.split()[0])
    return best[1] if best else None


def network_filesystem(folder: Path) -> str | None:
    """The name of the network filesystem ``folder`` is on (e.g. "nfs4", "a network drive"), or None."""
    folder = folder.resolve()
    if sys.platform.startswith("linux"):
        try:
            text = Path("/proc/self/mountinfo").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None
        kind = filesystem_of(folder, text)
        return kind if kind in NETWORK_FILESYSTEMS else None
    if sys.platform == "win32":
        if str(folder).startswith("\\\\"):
            return "a network share"
        import ctypes

        drive_remote = 4
        if ctypes.windll.kernel32.GetDriveTypeW(folder.anchor) == drive_remote:  # type: ignore[attr-defined]
            return "a network drive"
    return None
