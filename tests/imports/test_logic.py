"""The file-reading rules as plain functions: encodings, delimiters, dates, broken files."""

from __future__ import annotations

from datetime import date

import pytest

from helhed.imports import logic


def test_encoding_is_strict_utf8_first_then_windows_1252() -> None:
    assert logic.decode("\ufeffÆble".encode()) == ("Æble", "utf-8")
    assert logic.decode("Æble".encode("cp1252")) == ("Æble", "cp1252")
    with pytest.raises(logic.FileError, match="hverken"):
        logic.decode(b"\x81\xff\xfe")  # undefined in Windows-1252, invalid UTF-8
    with pytest.raises(logic.FileError, match="UTF-8"):
        logic.decode("Æble".encode("cp1252"), "utf-8")


def test_delimiter_and_dates() -> None:
    assert logic.sniff_delimiter("CPR;Navn,efternavn;Dato\n") == ";"
    assert logic.sniff_delimiter("CPR,Navn,Dato\n") == ","
    assert logic.parse_date("05-03-2026") == logic.parse_date("2026-03-05") == date(2026, 3, 5)
    for bad in ("31-02-2026", "2026/13/01", "5. marts 2026", "03-05-26"):
        with pytest.raises(ValueError):
            logic.parse_date(bad)


def test_a_broken_csv_is_a_file_error_not_a_crash() -> None:
    with pytest.raises(logic.FileError, match="NUL"):
        logic.read_table(b"CPR;Navn\r\n0101901234;A\x00B\r\n")
    with pytest.raises(logic.FileError, match="Excel"):
        logic.read_table(b"PK\x03\x04 not really a workbook")
    with pytest.raises(logic.FileError, match="tom"):
        logic.read_table(b"")
