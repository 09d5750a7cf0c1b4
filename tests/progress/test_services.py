"""Recording measurements: who may write, bad input with messages per field, double submissions,
the completeness rule and the derived GAS T-score."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from helhed.progress import logic, services
from helhed.progress.models import EnteredBy, Measurement, OutcomeState
from tests.progress.conftest import World

pytestmark = pytest.mark.django_db

FULL = {f"who5_{i}": 3 for i in range(1, 6)}


def test_citizen_records_who5_on_own_course_and_it_is_scored(world: World) -> None:
    m = services.record_measurement(
        world.citizen, course_id=world.course.pk, instrument="who5", answers=FULL
    )
    assert m.score == 60.0
    assert m.entered_as == EnteredBy.CITIZEN and m.entered_by == world.citizen
    assert m.instrument == "who5" and m.version == logic.WHO5.version
    assert m.measured_on == timezone.localdate()


def test_professional_with_the_citizen_is_recorded_as_such(world: World) -> None:
    m = services.record_measurement(
        world.health, course_id=world.course.pk, instrument="who5", answers=FULL, with_citizen=True
    )
    assert m.entered_as == EnteredBy.WITH_CITIZEN and m.entered_by == world.health


def test_missing_and_out_of_range_answers_write_nothing(world: World) -> None:
    bad = {**FULL, "who5_2": 9}
    del bad["who5_4"]
    with pytest.raises(ValidationError) as exc:
        services.record_measurement(
            world.citizen, course_id=world.course.pk, instrument="who5", answers=bad
        )
    errors = exc.value.message_dict
    assert "mellem 0 og 5" in errors["who5_2"][0]
    assert "Besvar" in errors["who5_4"][0]
    assert not Measurement.objects.exists()


def test_future_date_and_unknown_instrument_are_refused(world: World) -> None:
    with pytest.raises(ValidationError) as exc:
        services.record_measurement(
            world.citizen,
            course_id=world.course.pk,
            instrument="who5",
            answers=FULL,
            measured_on=timezone.localdate() + timedelta(days=1),
        )
    assert "fremtiden" in exc.value.message_dict["measured_on"][0]
    with pytest.raises(ValidationError) as exc:
        services.record_measurement(
            world.citizen, course_id=world.course.pk, instrument="phq9", answers=FULL
        )
    assert "instrument" in exc.value.message_dict


def test_same_idempotency_key_twice_is_one_measurement(world: World) -> None:
    first = services.record_measurement(
        world.citizen,
        course_id=world.course.pk,
        instrument="who5",
        answers=FULL,
        idempotency_key="k-1",
    )
    with pytest.raises(services.DuplicateSubmissionError) as exc:
        services.record_measurement(
            world.citizen,
            course_id=world.course.pk,
            instrument="who5",
            answers=FULL,
            idempotency_key="k-1",
        )
    assert exc.value.existing == first
    assert "allerede modtaget" in exc.value.detail
    assert Measurement.objects.count() == 1


def test_same_instrument_same_course_same_day_is_refused_with_a_message(world: World) -> None:
    services.record_measurement(
        world.citizen, course_id=world.course.pk, instrument="who5", answers=FULL
    )
    with pytest.raises(services.DuplicateSubmissionError) as exc:
        services.record_measurement(
            world.citizen,
            course_id=world.course.pk,
            instrument="who5",
            answers={**FULL, "who5_1": 5},
        )
    assert "allerede registreret" in exc.value.detail
    assert Measurement.objects.count() == 1
    # another day is fine
    services.record_measurement(
        world.citizen,
        course_id=world.course.pk,
        instrument="who5",
        answers=FULL,
        measured_on=timezone.localdate() - timedelta(days=14),
    )
    assert Measurement.objects.count() == 2


def test_citizen_cannot_record_on_someone_elses_course(world: World) -> None:
    from tests.courses.builders import make_citizen_user

    stranger = make_citizen_user()
    with pytest.raises(PermissionDenied):
        services.record_measurement(
            stranger, course_id=world.course.pk, instrument="who5", answers=FULL
        )


def test_professional_without_health_consent_cannot_record_who5(world: World) -> None:
    with pytest.raises(PermissionDenied):
        services.record_measurement(
            world.jobcenter, course_id=world.course.pk, instrument="who5", answers=FULL
        )
    with pytest.raises(PermissionDenied):
        services.record_measurement(
            world.outsider, course_id=world.course.pk, instrument="who5", answers=FULL
        )
    assert not Measurement.objects.exists()


def test_life_areas_with_comments(world: World) -> None:
    answers = {i.key: 6 for i in logic.LIFE_AREAS}
    m = services.record_measurement(
        world.citizen,
        course_id=world.course.pk,
        instrument="livsomraader",
        answers=answers,
        comments={"bolig": " Ny lejlighed "},
    )
    assert m.score == 6.0 and m.comments == {"bolig": "Ny lejlighed"}
    with pytest.raises(ValidationError) as exc:
        services.record_measurement(
            world.citizen,
            course_id=world.course.pk,
            instrument="livsomraader",
            answers={**answers, "bolig": 11},
            measured_on=timezone.localdate() - timedelta(days=1),
        )
    assert "bolig" in exc.value.message_dict


def test_gas_t_score_only_when_every_goal_is_rated(world: World) -> None:
    g1, g2, g3 = world.goals  # importance 3, none (1), 2
    services.record_goal_ratings(
        world.coordinator, course_id=world.course.pk, levels={str(g1.pk): 1, str(g2.pk): 0}
    )
    assert not Measurement.objects.filter(instrument=logic.GAS_T_KEY).exists()
    services.record_goal_ratings(
        world.coordinator, course_id=world.course.pk, levels={str(g3.pk): -1}
    )
    t = Measurement.objects.get(instrument=logic.GAS_T_KEY)
    # Σwx = 3·1 + 1·0 + 2·(−1) = 1; Σw² = 9 + 1 + 4 = 14; Σw = 6 → √(0.7·14 + 0.3·36) = √20.6
    assert t.score == pytest.approx(50 + 10 / 20.6**0.5, abs=0.01)
    assert t.answers["rho"] == 0.3


def test_goal_ratings_bad_input(world: World) -> None:
    g1 = world.goals[0]
    with pytest.raises(ValidationError) as exc:
        services.record_goal_ratings(
            world.coordinator, course_id=world.course.pk, levels={str(g1.pk): 3}
        )
    assert "mellem -2 og 2" in str(exc.value.message_dict)
    with pytest.raises(ValidationError):
        services.record_goal_ratings(world.coordinator, course_id=world.course.pk, levels={})
    with pytest.raises(ValidationError) as exc:
        services.record_measurement(
            world.coordinator,
            course_id=world.course.pk,
            instrument="maalopfyldelse",
            answers={"niveau": 1},
        )
    assert "goal_id" in exc.value.message_dict
    assert not Measurement.objects.exists()


def test_hard_outcomes(world: World) -> None:
    s = services.record_outcome(
        world.jobcenter, course_id=world.course.pk, kind="beskaeftigelse", value="kontanthjaelp"
    )
    assert s.value == "kontanthjaelp"
    with pytest.raises(ValidationError) as exc:
        services.record_outcome(
            world.coordinator, course_id=world.course.pk, kind="skolefremmoede", percent=140
        )
    assert "percent" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.record_outcome(
            world.jobcenter, course_id=world.course.pk, kind="beskaeftigelse", value="fleksjob"
        )  # same kind, same day
    with pytest.raises(PermissionDenied):  # social data: the jobcenter's consent lacks it
        services.record_outcome(
            world.jobcenter, course_id=world.course.pk, kind="bolig", value="herberg"
        )
    with pytest.raises(PermissionDenied):
        services.record_outcome(
            world.citizen, course_id=world.course.pk, kind="bolig", value="herberg"
        )
    assert OutcomeState.objects.count() == 1
