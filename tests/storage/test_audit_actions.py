"""The audit action names are stored in every database: their values never change."""

from __future__ import annotations

import json

from trialapp.storage.audit_actions import AuditAction


def test_the_stored_values_are_the_historical_strings() -> None:
    assert {a.name: a.value for a in AuditAction} == {
        "INSERT": "insert",
        "UPDATE": "update",
        "DELETE": "delete",
        "IMPORT": "import",
        "EXPORT": "export",
        "PRINT": "print",
        "BACKUP": "backup",
        "RESTORE": "restore",
        "START_TRIAL": "start_trial",
        "ADD_DAY": "add_day",
        "GIVE_DOSE": "give_dose",
        "ACKNOWLEDGE_WARNING": "acknowledge_warning",
        "ACKNOWLEDGE": "acknowledge",
        "SIGN_DECISION": "sign_decision",
        "CORRECT_DECISION": "correct_decision",
        "ACCOUNT_LOCKED": "account_locked",
        "UNLOCK": "unlock",
        "REIDENTIFY": "reidentify",
        "PRINT_REVIEW": "print_review",
        "RECORD_DIGESTS": "record_digests",
        "NEAR_MISS": "near_miss",
    }


def test_an_action_reads_and_writes_as_its_plain_string() -> None:
    assert str(AuditAction.GIVE_DOSE) == f"{AuditAction.GIVE_DOSE}" == "give_dose"
    assert json.dumps(AuditAction.PRINT) == '"print"'
    assert {"insert": 1}[AuditAction.INSERT] == 1  # a stored string finds its wording


def test_a_saved_action_is_stored_as_text(app) -> None:
    from sqlalchemy import text

    from trialapp.storage.audit import verify_chain

    with app.db.write_connection() as conn:
        app.audit.append(conn, actor="os:test", action=AuditAction.BACKUP, new={"file": "x"})
        stored = conn.execute(
            text("SELECT typeof(action), action FROM audit_log ORDER BY id DESC LIMIT 1")
        ).one()
    assert tuple(stored) == ("text", "backup")
    with app.db.read() as s:
        assert verify_chain(s, app.audit.key).ok  # hashed as the plain string it is read back as
