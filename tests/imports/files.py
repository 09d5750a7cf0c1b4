"""The test extracts: a messy one (as a case system and Danish Excel write them) and its clean
part."""

from __future__ import annotations

# ruff: noqa: E501 (an extract's rows are long lines)

HEADER = "CPR;Fornavn;Efternavn;Henvist;Type;Titel;Hjemmel;Fagområde;Start;Slut;Klokken;Sted;Resultattype;Resultat"
CLEAN_ROWS = [
    "010190-1234;Søren ;Ærø  ;01-03-2026;indsats;Mentorstøtte ;lab-187;beskaeftigelse;2026-03-05;;;;;",
    "",
    "010190-1234;Søren;Ærø;01-03-2026;aftale;Samtale på jobcentret;;;10-03-2026;;10:30;Jobcenter Nordby;;",
    "020285-2345;Åse;Østergård;2026-02-01;resultat;;;;01-02-2026;;;;beskaeftigelse;kontanthjaelp",
    "020285-2345;Åse;Østergård;2026-02-01;indsats;Bostøtte;sel-85;specialiseret-voksen;01-02-2026;30-06-2026;;;;",
    "   ",
]
MESSY_ROWS = [
    *CLEAN_ROWS,
    # row 8: repeats row 2
    "010190-1234;Søren ;Ærø  ;01-03-2026;indsats;Mentorstøtte ;lab-187;beskaeftigelse;2026-03-05;;;;;",
    # row 9: unknown legal basis
    "030375-3456;Ærlige;Åkjær;01-04-2026;indsats;Misbrugsbehandling;sel-999;specialiseret-voksen;;;;;;",
    # row 10: bad date
    "040480-4567;Ølstykke;Jæger;31-02-2026;;;;;;;;;;",
    # row 11: invalid CPR
    "123456-7890;Øjvind;Bæk;01-05-2026;;;;;;;;;;",
]
EXPECTED_ERRORS = [
    (8, "CPR", "gentager række 2"),
    (9, "Hjemmel", "Ukendt hjemmel »sel-999«"),
    (10, "Henvist", "Ugyldig dato »31-02-2026«"),
    (11, "CPR", "Ugyldigt CPR-nummer"),
]


def extract(rows: list[str], encoding: str) -> bytes:
    text = "\r\n".join([HEADER, *rows]) + "\r\n"
    if encoding == "utf-8":
        return "\ufeff".encode() + text.encode("utf-8")  # with a BOM, as Excel writes it
    return text.encode("cp1252")
