"""Issue 17, part 3, in a real browser: a coordinator uploads a Windows-1252 extract, sees the
columns preselected, runs the dry run, imports on the worker and watches the progress bar (htmx
polling) reach »Importen er færdig«; axe on every step."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from helhed.core.models import Organisation, User
from helhed.courses.models import Course
from helhed.devtools.demokit import load_reference_data
from helhed.ops.worker import run_pending_tasks
from tests.browser.conftest import axe_violations, ui_login
from tests.conftest import PASSWORD
from tests.courses.builders import make_initiative, make_unit
from tests.imports.files import CLEAN_ROWS, extract

pytestmark = pytest.mark.django_db(transaction=True)


def test_upload_mapping_dry_run_import_progress_done(
    page: Page, make_user: Callable[..., User], municipality: Organisation
) -> None:
    load_reference_data()  # legal bases and codes: an earlier browser test's flush removed them
    unit = make_unit(municipality, "Jobcenter Nordby")
    make_user("koordinator", unit, username="karen", first_name="Karen")
    make_initiative("Helhedsorienteret jobindsats")
    ui_login(page, "karen", PASSWORD)

    page.goto("/import/")
    page.get_by_role("link", name="Ny import").click()
    page.get_by_label("Udtræk (CSV eller XLSX)").set_input_files(
        {"name": "udtraek.csv", "mimeType": "text/csv", "buffer": extract(CLEAN_ROWS, "cp1252")}
    )
    page.get_by_label("Kilde").fill("Jobcenter Nordby, Fagsystem X")
    page.get_by_label("Indsats i registret").select_option(label="Helhedsorienteret jobindsats")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Upload og vælg kolonner").click()

    expect(page.locator("#encoding-used")).to_contain_text("Windows-1252 (fundet automatisk)")
    expect(page.get_by_label("Hjemmel (kode, fx sel-85)")).to_have_value("Hjemmel")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Kør prøveimport").click()
    # the dry run reads and checks the file in the request: give a loaded machine time
    expect(page.get_by_role("heading", name="Prøveimporten fandt ingen fejl")).to_be_visible(
        timeout=20_000
    )
    assert axe_violations(page) == []

    page.get_by_role("button", name="Importér").click()
    expect(page.locator("#import-progress")).to_contain_text("Sat i kø")
    # The worker runs here, in the test's thread; the page's polling (the live server's thread)
    # would meet it in the shared in-memory SQLite ("table is locked"), so the page steps away
    # while it runs and comes back to the job, where the bar picks up the finished state.
    job_url = page.url
    page.goto("about:blank")
    assert run_pending_tasks() == 1  # the worker
    page.goto(job_url)
    expect(page.locator("#import-progress")).to_contain_text("Importen er færdig", timeout=10_000)
    expect(page.locator("#import-bar")).to_have_attribute("value", "100")
    assert axe_violations(page) == []
    assert Course.objects.count() == 2
    page.get_by_role("link", name="Gå til dine forløb").click()
    expect(page.get_by_text("Søren Ærø")).to_be_visible()
