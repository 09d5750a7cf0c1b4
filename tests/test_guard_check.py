"""The guard check (``scripts/check_guard.py``, run by ``make lint``) finds a read of personal data
past the guard in a view, form or API module or a template — and finds none in the code as it is.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import check_guard  # noqa: E402

PLANTED = """
from django.shortcuts import get_object_or_404
from helhed.courses.models import Consent, Course, Goal
from helhed.core.models import Organisation


def view(request, course_id):
    course = get_object_or_404(Course, pk=course_id)
    goals = Goal.objects.filter(plan__course=course)
    team = course.team.all()
    orgs = Organisation.objects.all()  # reference data: allowed
    return Consent._default_manager.filter(course=course), goals, team, orgs
"""


@pytest.fixture
def planted(tmp_path: Path) -> Path:
    app = tmp_path / "app"
    app.mkdir()
    (app / "views.py").write_text(PLANTED, encoding="utf-8")
    (app / "page.html").write_text(
        "{% for s in goal.subgoals.all %}{{ s.text }}{% endfor %}\n"
        "{% for o in organisation.units.all %}{{ o }}{% endfor %}\n",
        encoding="utf-8",
    )
    return app


def test_a_planted_violation_fails_the_check(planted: Path) -> None:
    findings = check_guard.run([planted / "views.py", planted / "page.html"])
    found = {(f.path.name, f.line, f.message.split(":")[0]) for f in findings}
    assert found == {
        ("views.py", 8, "get_object_or_404(Course, …)"),
        ("views.py", 9, "Goal.objects"),
        ("views.py", 10, ".team.all()"),
        ("views.py", 12, "Consent._default_manager"),
        ("page.html", 1, ".subgoals.all"),
    }
    assert check_guard.main(["--paths", str(planted / "views.py")]) == 1


def test_views_forms_api_and_templates_read_personal_data_only_through_the_guard() -> None:
    findings = check_guard.run(check_guard.default_paths())
    assert findings == [], "\n".join(str(f) for f in findings)


def test_the_personal_data_models_are_derived_from_the_schema() -> None:
    models, accessors = check_guard.personal_models()
    # a model with a foreign key path to a citizen or a course is personal data …
    assert {"Citizen", "Course", "Consent", "Measure", "Meeting", "Handover", "Measurement"} <= (
        models
    )
    assert {"AccessLogEntry", "JoinRequest", "WithoutConsentAccess"} <= models
    # … reference data is not
    assert not {"Organisation", "Unit", "LegalBasis", "WelfareArea", "Initiative"} & models
    assert {"team", "consents", "subgoals", "measures"} <= accessors
    assert "units" not in accessors
