"""Issue 10's whole-surface authorisation test (docs/security.md, "The whole-surface test").

Hypothesis generates worlds — organisations, units whose names reveal different categories,
users in every role with memberships current, ended and future, courses with teams, consents
(valid, expired, withdrawn today, category-limited, organisation-wide), accesses without consent
(live, expired, from a unit the user is or no longer is a member of), plan items and free texts in
every category owned by different units (``tests/surface/world.py``). Every user requests every
URL that can show personal data (``tests/surface/surface.py``) and each answer is checked against
an oracle written from docs/security.md apart from the selectors (``tests/surface/oracle.py``):
nothing outside the reader's rights appears, everything inside does, the status is right (never a
500), and each read is logged and attributed to the right unit.

It knows every URL pattern: one that is neither requested nor listed as showing no personal data
(with the reason) fails ``test_every_url_pattern_is_covered_or_shows_no_personal_data``.
"""

from __future__ import annotations

import logging

import pytest
from django.test import override_settings
from hypothesis import HealthCheck, Phase, example, given, settings

from tests.surface.counting import MINIMUM_CASES, TALLY
from tests.surface.examples import RICH
from tests.surface.runner import check_world, report, rolled_back
from tests.surface.surface import COVERED, uncovered_patterns, walk
from tests.surface.world import build, worlds

# Generated worlds per run, besides the hand-written one (tests/surface/examples.py). Each world
# is some 5,000 requests (18 users × every URL); three worlds pass the 10,000 cases CI must run.
WORLDS = 2


@pytest.mark.django_db
def test_every_url_as_every_user_agrees_with_the_oracle() -> None:
    cases_before = TALLY.cases

    @settings(
        max_examples=WORLDS,
        deadline=None,
        database=None,
        # A failing world is reported with every disagreement in it; shrinking would rebuild and
        # re-request whole worlds for minutes.
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @example(spec=RICH)  # the situations docs/security.md names, every run
    @given(spec=worlds())
    def one_world(spec: object) -> None:
        with rolled_back():
            world = build(spec)  # type: ignore[arg-type]
            problems = check_world(world)
            assert not problems, report(problems, world)

    # Refusals are expected traffic here: thousands of 403/404/405 lines would only slow the
    # run down. Server errors are logged at ERROR and still shown.
    request_log = logging.getLogger("django.request")
    level = request_log.level
    request_log.setLevel(logging.ERROR)
    try:
        one_world()
    finally:
        request_log.setLevel(level)
    cases = TALLY.cases - cases_before
    print(f"\n{TALLY.line()}")
    assert cases >= MINIMUM_CASES, f"only {cases} cases; CI must run at least {MINIMUM_CASES}"
    not_requested = sorted(set(COVERED) - set(TALLY.by_pattern))
    assert not not_requested, f"listed as covered but never requested: {not_requested}"


def test_every_url_pattern_is_covered_or_shows_no_personal_data() -> None:
    gone = sorted(set(COVERED) - {name for name, _route in walk()})
    assert not gone, f"listed as covered but no longer a URL pattern: {gone}"
    missing = uncovered_patterns()
    assert not missing, (
        "URL patterns that the whole-surface test neither requests nor lists as showing no "
        "personal data (add them to tests/surface/surface.py): "
        + ", ".join(f"{name} ({route})" for name, route in missing)
    )


@override_settings(ROOT_URLCONF="tests.surface.fake_urls")
def test_a_new_pattern_fails_the_coverage_check() -> None:
    """A page added without telling the whole-surface test is caught, by name."""
    with pytest.raises(
        AssertionError, match=r"courses:secret_notes \(forloeb/<uuid:course_id>/noter/\)"
    ):
        test_every_url_pattern_is_covered_or_shows_no_personal_data()
