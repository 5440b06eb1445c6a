"""The audit trail's action names: one list for the writers (services, storage) and the readers (history).

The values are stored in ``audit_log.action`` of every database: never change one, only add.
"""

from __future__ import annotations

from enum import StrEnum


class AuditAction(StrEnum):
    INSERT = "insert"
    UPDATE = "update"
    DELETE = "delete"
    IMPORT = "import"
    EXPORT = "export"
    PRINT = "print"
    PRINT_REVIEW = "print_review"  # the dose-response review printed with trial ids (--identified)
    BACKUP = "backup"
    RESTORE = "restore"  # a backup put in place of the database from the window (with the reason)
    START_TRIAL = "start_trial"
    ADD_DAY = "add_day"
    GIVE_DOSE = "give_dose"
    ACKNOWLEDGE_WARNING = "acknowledge_warning"
    ACKNOWLEDGE = "acknowledge"  # an R9 vital-sign alert
    SIGN_DECISION = "sign_decision"
    CORRECT_DECISION = "correct_decision"
    ACCOUNT_LOCKED = "account_locked"
    UNLOCK = "unlock"
    REIDENTIFY = "reidentify"
    RECORD_DIGESTS = "record_digests"  # digests of the clinical rows a transaction wrote (record_digest.py)
    NEAR_MISS = "near_miss"  # a refused or discarded blind double check (R8 revision 2)
