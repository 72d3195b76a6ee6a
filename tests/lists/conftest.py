"""A real spreadsheet engine for the CSV exports: Debian's LibreOffice Calc, headless
(`apt-get install libreoffice-calc`), opens a CSV as a manager's spreadsheet would and saves it
as .xlsx, which openpyxl reads cell by cell (a formula stays a formula there). Without
LibreOffice the tests that need it skip, saying why; with FROTA_REQUIRE_LIBREOFFICE=1 (CI) they
fail."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

SOFFICE = shutil.which("soffice") or "/usr/bin/soffice"
# LibreOffice's CSV import options: `,` between cells, `"` around them, UTF-8, from line 1,
# US English numbers (a dot before the decimals), quoted cells not forced to text, special
# numbers detected and formulas evaluated: the engine at its most eager (formulas are evaluated
# by default too), so that a cell that could run as a formula does.
CSV_FILTER = "CSV:44,34,76,1,,1033,false,true,false,false,false,0,true"


@pytest.fixture
def spreadsheet(tmp_path):
    """`open_as_xlsx({"trips": b"..."})`: each CSV opened by LibreOffice and saved as .xlsx, as
    openpyxl worksheets by name. A profile of its own per test (parallel runs don't share one)."""
    if not os.access(SOFFICE, os.X_OK):
        reason = f"no LibreOffice at {SOFFICE} (apt-get install libreoffice-calc)"
        if os.environ.get("FROTA_REQUIRE_LIBREOFFICE") == "1":
            pytest.fail(f"FROTA_REQUIRE_LIBREOFFICE=1 but {reason}")
        pytest.skip(f"spreadsheet tests skipped: {reason}")
    import openpyxl

    profile, sheets = tmp_path / "libreoffice-profile", tmp_path / "sheets"
    sheets.mkdir()

    def open_as_xlsx(files: dict[str, bytes]) -> dict:
        paths = []
        for name, content in files.items():
            path = sheets / f"{name}.csv"
            path.write_bytes(content)
            paths.append(str(path))
        done = subprocess.run(
            [
                SOFFICE,
                "--headless",
                "--norestore",
                f"-env:UserInstallation={profile.as_uri()}",
                f"--infilter={CSV_FILTER}",
                "--convert-to",
                "xlsx",
                "--outdir",
                str(sheets),
                *paths,
            ],
            capture_output=True,
            text=True,
            timeout=300,
            env={**os.environ, "HOME": str(tmp_path)},
        )
        books = {}
        for name in files:
            xlsx = Path(sheets / f"{name}.xlsx")
            assert xlsx.exists(), f"LibreOffice made no {xlsx.name}: {done.stdout}{done.stderr}"
            books[name] = openpyxl.load_workbook(xlsx).active
        return books

    return open_as_xlsx
