"""The ward server stops in the middle of the work and comes back (issue 19, offline).

A throwaway cluster of its own (.ci/postgres), stopped with pg_ctl while the app is open: reads, saves and the
live feed say so in one plain sentence (never a traceback or a raw driver error), and everything works again
once the same server is started again — the live feed hears what was saved after it came back.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Iterator
from datetime import date, datetime
from glob import glob
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tests.helpers import signed_in
from tests.postgres import admin_url
from trialapp.domain.records import Catheter, Patient, ProtocolSettings
from trialapp.services import trials
from trialapp.services.context import Actor, App, open_app
from trialapp.services.live import SERVER_UNREACHABLE, LiveFeed, ServerUnreachable
from trialapp.storage.db import SAVE_UNREACHABLE

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parents[2]
PT = Actor("pat.jones", "pt", "Pat Jones")


class Cluster:
    """A cluster of this test's own, which the test may stop and start again on the same port."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        done = subprocess.run(
            [str(ROOT / ".ci" / "postgres"), "start", str(folder)],
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert done.returncode == 0, done.stderr
        self.url = done.stdout.strip()
        self.bindir = sorted(glob("/usr/lib/postgresql/*/bin"))[-1]

    def _pg_ctl(self, *args: str) -> None:
        command = [f"{self.bindir}/pg_ctl", "-D", str(self.folder / "data"), *args]
        if os.getuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=180)
        assert done.returncode == 0, done.stderr

    def stop(self) -> None:
        self._pg_ctl("-m", "fast", "-w", "stop")

    def start(self) -> None:
        port = make_url(self.url).port
        options = f"-c listen_addresses=127.0.0.1 -p {port} -k {self.folder} -c fsync=off"
        self._pg_ctl("-l", str(self.folder / "server.log"), "-w", "-t", "60", "-o", options, "start")

    def remove(self) -> None:
        subprocess.run([str(ROOT / ".ci" / "postgres"), "stop", str(self.folder)], timeout=180, check=False)


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    if admin_url() is None:
        pytest.skip("TRIALAPP_TEST_POSTGRES_URL is not set (make test-postgres starts a throwaway server)")
    # Directly under the temporary folder: the server runs as `postgres`, which cannot enter pytest's folders.
    made = Cluster(Path(tempfile.mkdtemp(prefix="trialapp-pg-away.")))
    yield made
    made.remove()


def _start(app: App, mrn: str) -> str:
    return trials.start_trial(
        app,
        signed_in(app, PT),
        Patient(mrn=mrn, birth_date=date(2015, 1, 1), weight_kg=25.0),
        started_on=date(2026, 3, 2),
        catheter=Catheter(datetime(2026, 3, 2, 7), "catheter"),
        settings=ProtocolSettings(),
    )


def test_a_stopped_server_is_said_in_words_and_work_resumes_when_it_is_back(cluster: Cluster) -> None:
    app = open_app(cluster.url)
    try:
        _start(app, "AWAY-1")
        feed = LiveFeed(app)
        cluster.stop()
        with pytest.raises(ServerUnreachable) as polled:
            feed.poll()
        assert str(polled.value) == SERVER_UNREACHABLE
        with pytest.raises(ServerUnreachable) as read:
            trials.list_trials(app, signed_in(app, PT))
        assert str(read.value) == SERVER_UNREACHABLE
        with pytest.raises(ServerUnreachable) as saved:
            _start(app, "AWAY-2")
        # The save's permission check is the first to meet the closed port, so the save says it in those words.
        assert str(saved.value) in (SERVER_UNREACHABLE, SAVE_UNREACHABLE)

        cluster.start()
        trial_id = _start(app, "AWAY-3")  # the pool reconnects
        change = feed.poll()  # so does the listener, which reads the head it may have missed
        assert change is not None and trial_id in change.trial_ids
        mrns = sorted(t.mrn for t in trials.list_trials(app, signed_in(app, PT)))
        assert mrns == ["AWAY-1", "AWAY-3"]  # the refused save left nothing behind
        feed.close()
    finally:
        app.close()
