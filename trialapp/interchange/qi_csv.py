"""The QI procedure CSV: ``procedure_id,site,date,kind,surgeon,`` one column per step code (yes|no|na),
then ``ssi`` (none|culture_positive|suspected), ``ssi_date``, ``organism``.

Reading validates every row and cell and lists every problem with its row and column (row 1 is the
header, as a spreadsheet numbers it); the caller writes nothing unless the list is empty. Step columns
are checked against the bundle version in force on each surgery date (R11 is scored against it); a step
column may be missing only for a step that was not in the bundle on the date of every row. A blank step
cell means "not answered". Patient risk factors are not part of this file: they stay in the app.

Pure: no database; the service adds the checks that need one (procedure ids already on file).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from trialapp.domain.qi_bundle import ANSWERS, PROCEDURE_KINDS, BundleHistory
from trialapp.domain.qi_procedures import QiProcedure, Ssi, procedure_problems

FIXED_COLUMNS: tuple[str, ...] = ("procedure_id", "site", "date", "kind", "surgeon")
SSI_COLUMNS: tuple[str, ...] = ("ssi", "ssi_date", "organism")
SSI_VALUES: tuple[str, ...] = ("none", "culture_positive", "suspected")
_SHOW_LIMIT = 40


@dataclass(frozen=True)
class CsvProblem:
    """One problem: ``row`` (1 = header; None = the whole file), ``column`` (None = the whole row)."""

    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column}")
        return f"{', '.join(where)}: {self.message}" if where else self.message


@dataclass(frozen=True)
class CsvRow:
    """A valid row: its number in the file and the procedure it describes."""

    row: int
    procedure: QiProcedure


@dataclass(frozen=True)
class CsvContent:
    """What the file holds: its step columns, the valid rows, and every problem found."""

    step_columns: tuple[str, ...]
    rows: tuple[CsvRow, ...]
    problems: tuple[CsvProblem, ...]


def _show(value: str) -> str:
    return repr(value if len(value) <= _SHOW_LIMIT else value[:_SHOW_LIMIT] + "…")


def expected_header(step_codes: Sequence[str]) -> list[str]:
    """The header for ``step_codes``."""
    return [*FIXED_COLUMNS, *step_codes, *SSI_COLUMNS]


def _header_problems(
    header: list[str], header_row: int, history: BundleHistory
) -> tuple[tuple[str, ...], list[CsvProblem]]:
    problems: list[CsvProblem] = []
    known = set(history.step_codes())
    example = ",".join(expected_header(history.current.bundle.codes))
    if len(header) == 1 and ";" in header[0]:
        return (), [
            CsvProblem(header_row, None, "The columns are separated by ';'. Save the file with commas (CSV).")
        ]
    if (
        tuple(header[: len(FIXED_COLUMNS)]) != FIXED_COLUMNS
        or tuple(header[-len(SSI_COLUMNS) :]) != SSI_COLUMNS
        or len(header) < len(FIXED_COLUMNS) + len(SSI_COLUMNS)
    ):
        problems.append(
            CsvProblem(
                header_row,
                None,
                f"The header must start with {','.join(FIXED_COLUMNS)}, then one column per step code, and end "
                f"with {','.join(SSI_COLUMNS)}. For the current bundle: {example}",
            )
        )
        return (), problems
    steps = header[len(FIXED_COLUMNS) : -len(SSI_COLUMNS)]
    seen: set[str] = set()
    for code in steps:
        if code in seen:
            problems.append(CsvProblem(header_row, code, "This step column appears twice: keep one."))
        elif code not in known:
            problems.append(
                CsvProblem(
                    header_row,
                    code,
                    f"{_show(code)} is not a step code of any bundle version. Step codes: "
                    f"{', '.join(history.step_codes())}.",
                )
            )
        seen.add(code)
    return tuple(steps), problems


def _parse_date(text: str, row: int, column: str, problems: list[CsvProblem]) -> date | None:
    try:
        if len(text) != 10:
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        problems.append(
            CsvProblem(row, column, f"{_show(text)} is not a date: write YYYY-MM-DD (e.g. 2026-03-05).")
        )
        return None


def read_qi_csv(text: str, history: BundleHistory, today: date) -> CsvContent:
    """Read and validate the whole file (UTF-8 text, a byte-order mark is allowed)."""
    text = text.removeprefix("\ufeff")
    problems: list[CsvProblem] = []
    try:
        table = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except csv.Error as exc:
        return CsvContent(
            (), (), (CsvProblem(None, None, f"The file is not valid CSV ({exc}). Save it as CSV."),)
        )
    numbered = [(i + 1, cells) for i, cells in enumerate(table) if any(c.strip() for c in cells)]
    if not numbered:
        return CsvContent((), (), (CsvProblem(None, None, "The file is empty: it needs a header and rows."),))
    header_row, header = numbered[0]
    header = [h.strip() for h in header]
    steps, header_problems = _header_problems(header, header_row, history)
    if header_problems:
        return CsvContent((), (), tuple(header_problems))
    if len(numbered) == 1:
        return CsvContent(
            steps, (), (CsvProblem(None, None, "The file has a header but no procedure rows."),)
        )
    rows: list[CsvRow] = []
    seen_ids: dict[str, int] = {}
    for row_number, cells in numbered[1:]:
        if len(cells) != len(header):
            problems.append(
                CsvProblem(row_number, None, f"The row has {len(cells)} cells; the header has {len(header)}.")
            )
            continue
        before = len(problems)
        values = dict(zip(header, (c.strip() for c in cells), strict=True))
        procedure = _read_row(values, steps, row_number, problems)
        if procedure is None:
            # Still report the problems of the cells that do not depend on the unreadable ones.
            plain = QiProcedure(values["procedure_id"], today, "other", values["site"], values["surgeon"])
            problems.extend(
                CsvProblem(row_number, field, message)
                for field, message in procedure_problems(plain, history, today)
                if field in ("procedure_id", "site", "surgeon")
            )
            continue
        if procedure.procedure_id in seen_ids:
            problems.append(
                CsvProblem(
                    row_number,
                    "procedure_id",
                    f"{_show(procedure.procedure_id)} is also on row {seen_ids[procedure.procedure_id]}: "
                    "each procedure appears once.",
                )
            )
        seen_ids.setdefault(procedure.procedure_id, row_number)
        for field, message in procedure_problems(procedure, history, today):
            problems.append(CsvProblem(row_number, None if field == "risk" else field, message))
        if len(problems) == before:
            rows.append(CsvRow(row_number, procedure))
    problems.extend(_missing_step_columns(steps, rows, history, header_row))
    return CsvContent(steps, tuple(rows), tuple(problems))


def _missing_step_columns(
    steps: Sequence[str], rows: Sequence[CsvRow], history: BundleHistory, header_row: int
) -> list[CsvProblem]:
    """A step column may be left out only for a step that was not in the bundle on a row's date: otherwise
    its answers would silently become "not answered". One problem per missing step, naming the rows."""
    present = set(steps)
    missing: dict[str, list[int]] = {}
    for row in rows:
        version = row.procedure.scored_against(history)
        for code in version.bundle.codes:
            if code not in present:
                missing.setdefault(code, []).append(row.row)
    problems = []
    for code, numbers in missing.items():
        shown = ", ".join(map(str, numbers[:10])) + (
            f" and {len(numbers) - 10} more" if len(numbers) > 10 else ""
        )
        problems.append(
            CsvProblem(
                header_row,
                code,
                f"The file has no column for step {code}, which was in the bundle on the date of row(s) "
                f"{shown}. Add the column (leave a cell empty for a step not answered).",
            )
        )
    return problems


def _read_row(
    cells: dict[str, str], steps: Sequence[str], row: int, problems: list[CsvProblem]
) -> QiProcedure | None:
    """Turn one row's cells into a procedure; format problems are added to ``problems``."""
    before = len(problems)
    surgery = _parse_date(cells["date"], row, "date", problems)
    kind = cells["kind"]
    if kind not in PROCEDURE_KINDS:
        problems.append(
            CsvProblem(
                row,
                "kind",
                f"{_show(kind)} is not a procedure kind: use one of {', '.join(PROCEDURE_KINDS)}.",
            )
        )
    answers: dict[str, str] = {}
    for code in steps:
        value = cells[code].lower()
        if not value:
            continue
        if value in ("n/a", "not applicable"):
            problems.append(CsvProblem(row, code, f"{_show(cells[code])}: write na for not applicable."))
        elif value not in ANSWERS:
            problems.append(
                CsvProblem(
                    row,
                    code,
                    f"{_show(cells[code])} is not an answer: use yes, no or na (or leave it empty).",
                )
            )
        else:
            answers[code] = value
    ssi = _read_ssi(cells, row, problems)
    if len(problems) > before or surgery is None:
        return None
    return QiProcedure(
        procedure_id=cells["procedure_id"],
        surgery_date=surgery,
        kind=kind,
        site=cells["site"],
        surgeon=cells["surgeon"],
        answers=answers,
        ssi=ssi,
    )


def _read_ssi(cells: dict[str, str], row: int, problems: list[CsvProblem]) -> Ssi | None:
    kind, when, organism = cells["ssi"], cells["ssi_date"], cells["organism"]
    if kind not in SSI_VALUES:
        problems.append(CsvProblem(row, "ssi", f"{_show(kind)} is not allowed: use {', '.join(SSI_VALUES)}."))
        return None
    if kind == "none":
        if when:
            problems.append(
                CsvProblem(row, "ssi_date", "There is a date but ssi is none: clear the date or set ssi.")
            )
        if organism:
            problems.append(
                CsvProblem(row, "organism", "There is an organism but ssi is none: clear it or set ssi.")
            )
        return None
    if not when:
        problems.append(CsvProblem(row, "ssi_date", f"An infection ({kind}) needs its date (YYYY-MM-DD)."))
        return None
    on = _parse_date(when, row, "ssi_date", problems)
    if on is None:
        return None
    criterion = "culture_positive" if kind == "culture_positive" else None
    return Ssi(kind=kind, on=on, criterion=criterion, organism=organism or None)


def procedure_cells(p: QiProcedure, step_codes: Sequence[str]) -> list[str]:
    """One procedure as the cells of a row under ``expected_header(step_codes)``."""
    ssi = p.ssi
    return [
        p.procedure_id,
        p.site,
        p.surgery_date.isoformat(),
        p.kind,
        p.surgeon,
        *(p.answers.get(code, "") for code in step_codes),
        "none" if ssi is None else ssi.kind,
        "" if ssi is None else ssi.on.isoformat(),
        "" if ssi is None or ssi.organism is None else ssi.organism,
    ]


def write_qi_csv(procedures: Sequence[QiProcedure], step_codes: Sequence[str]) -> str:
    """The CSV text: the header, then one row per procedure by surgery date and id."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(expected_header(step_codes))
    for p in sorted(procedures, key=lambda p: (p.surgery_date, p.procedure_id)):
        writer.writerow(procedure_cells(p, step_codes))
    return out.getvalue()
