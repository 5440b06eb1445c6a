"""A SQLite database on a network share is refused, pointing to the ward server."""

from __future__ import annotations

from pathlib import Path

import pytest

from trialapp.storage import network_share, opening
from trialapp.storage.errors import DatabaseUnreadable
from trialapp.storage.network_share import filesystem_of

MOUNTINFO = """\
22 27 0:21 / /proc rw,relatime - proc proc rw
27 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw
40 27 0:45 / /mnt/ward rw,relatime - nfs4 server:/export rw,vers=4.2
41 40 8:2 / /mnt/ward/local rw,relatime - ext4 /dev/sdb1 rw
42 27 0:46 / /home/pt/Ward\\040Share rw,relatime - cifs //srv/ward rw
"""


@pytest.mark.parametrize(
    ("folder", "kind"),
    [
        ("/home/pt", "ext4"),
        ("/mnt/ward", "nfs4"),
        ("/mnt/ward/trials/2026", "nfs4"),
        ("/mnt/ward/local/db", "ext4"),  # a local disk mounted inside the share
        ("/mnt/wardrobe", "ext4"),  # a prefix of the name is not the mount point
        ("/home/pt/Ward Share/db", "cifs"),  # spaces are escaped in mountinfo
    ],
)
def test_the_filesystem_of_a_folder_is_that_of_its_deepest_mount(folder: str, kind: str) -> None:
    assert filesystem_of(Path(folder), MOUNTINFO) == kind


def test_a_database_on_a_share_is_refused_and_left_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "ward.sqlite"
    db.write_bytes(b"")  # whatever is there stays as it is
    fake = f"27 1 8:1 / / rw - ext4 /dev/sda1 rw\n40 27 0:45 / {tmp_path} rw - nfs4 srv:/x rw\n"
    monkeypatch.setattr(network_share.Path, "read_text", lambda self, **kw: fake, raising=True)
    monkeypatch.setattr(network_share.sys, "platform", "linux")
    with pytest.raises(DatabaseUnreadable, match=r"network share \(nfs4\).*ward server \(docs/server.md\)"):
        opening.check_file(db)
    assert db.read_bytes() == b""


def test_a_local_folder_is_not_a_share(tmp_path: Path) -> None:
    assert network_share.network_filesystem(tmp_path) is None
