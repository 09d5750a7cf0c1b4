"""FHIR in a real browser (Danish): "Eksportér som FHIR" on the course page downloads the Bundle,
and the bulk export page shows the job's progress, refreshed by htmx until the worker has run it
and the download link appears. axe on every page."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from helhed.ops.worker import run_pending_tasks
from tests.browser.conftest import ui_login
from tests.gdpr import world as w

pytestmark = pytest.mark.browser


@pytest.fixture
def world(transactional_db: None) -> w.World:
    return w.build()


def test_course_bundle_and_bulk_export_with_progress(
    page: Page, world: w.World, assert_accessible: Callable[[Page], None], tmp_path: Path
) -> None:
    ui_login(page, "karen", w.PASSWORD)
    page.goto(f"/forloeb/{world.course.pk}/")
    with page.expect_download() as download:
        page.get_by_role("link", name="Eksportér som FHIR", exact=True).click()
    target = tmp_path / "bundle.json"
    download.value.save_as(target)
    assert json.loads(target.read_text(encoding="utf-8"))["resourceType"] == "Bundle"

    page.get_by_role("link", name="Eksportér alle dine forløb (FHIR)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("FHIR-eksport af forløb")
    assert_accessible(page)
    page.get_by_role("button", name="Start eksport").click()
    expect(page.locator("tbody")).to_contain_text("0 af 1 forløb")
    assert_accessible(page)
    run_pending_tasks()  # the worker
    expect(page.locator("tbody")).to_contain_text("1 af 1 forløb", timeout=10_000)
    expect(page.get_by_role("link", name="Hent (NDJSON)")).to_be_visible()
    assert_accessible(page)
