"""A small world for the coordination tests: an initiative in one municipality with courses
whose teams hold six jobcenter caseworkers, two psychiatry nurses and the coordinator; a leader
and an analyst of the municipality; a leader of another municipality; an administrator; and
builders to open a wave, answer it and close it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest

from helhed.coordination import services
from helhed.coordination.models import Wave
from helhed.core.models import Organisation, Unit, User
from helhed.courses.models import Course
from helhed.registry.models import Initiative
from tests.courses.builders import (
    join_team,
    make_initiative,
    make_staff,
    make_unit,
    open_course,
    organisation,
    today,
)

# One respondent's answers about one workgroup: every item the same code (scores = codes, except
# the frequency item where "3" = "Tilpas" scores 5).
ALL_FOUR = {
    "hyppig": "4",
    "rettidig": "4",
    "forstaaelig": "4",
    "problemloesning": "4",
    "faelles_maal": "4",
    "delt_viden": "4",
    "respekt": "4",
}


def answers(code: str = "4", **overrides: str) -> dict[str, str]:
    out = {k: code for k in ALL_FOUR}
    out.update(overrides)
    return out


@dataclass
class World:
    org: Organisation
    other_org: Organisation
    initiative: Initiative
    coord_unit: Unit
    job_unit: Unit
    psych_unit: Unit
    coordinator: User
    jobcenter: list[User]
    psychiatry: list[User]
    leader: User
    analyst: User
    other_leader: User
    admin: User
    outsider: User
    courses: list[Course] = field(default_factory=list)

    def open_wave(self, **kwargs: Any) -> Wave:
        """A wave on the initiative, created by the leader and opened."""
        wave = self.draft_wave(**kwargs)
        return services.open_wave(actor=self.leader, wave_id=wave.pk)

    def draft_wave(self, **kwargs: Any) -> Wave:
        values: dict[str, Any] = {
            "name": "Samarbejdet omkring FAMKO",
            "scope_kind": "indsats",
            "initiative_id": self.initiative.pk,
            "organisation_ids": [self.org.pk],
            "period_start": today() - timedelta(days=365),
            "period_end": today(),
            "answer_by": today() + timedelta(days=14),
            "min_respondents": 5,
        }
        values.update(kwargs)
        return services.create_wave(actor=self.leader, **values)

    def answer(
        self,
        wave: Wave,
        user: User,
        others: Mapping[str, Mapping[str, str]],
        within: Mapping[str, str] | None = None,
    ) -> None:
        services.submit(actor=user, wave_id=wave.pk, others=others, within=within)

    def close(self, wave: Wave) -> Wave:
        return services.close_wave(actor=self.leader, wave_id=wave.pk)


@pytest.fixture
def world(db: None) -> World:
    org, other = organisation("461"), organisation("316")
    coord_unit = make_unit(org, "Koordinerende Team", None)
    job_unit = make_unit(org, "Jobcenter", "beskaeftigelse")
    psych_unit = make_unit(org, "Psykiatrisk Center", "psykiatri")
    coordinator = make_staff(coord_unit, "koordinator", first_name="Karen")
    jobcenter = [make_staff(job_unit, first_name=f"Job{i}") for i in range(6)]
    psychiatry = [make_staff(psych_unit, first_name=f"Psyk{i}") for i in range(2)]
    initiative = make_initiative("FAMKO")
    w = World(
        org=org,
        other_org=other,
        initiative=initiative,
        coord_unit=coord_unit,
        job_unit=job_unit,
        psych_unit=psych_unit,
        coordinator=coordinator,
        jobcenter=jobcenter,
        psychiatry=psychiatry,
        leader=make_staff(coord_unit, "leder", first_name="Lene"),
        analyst=make_staff(coord_unit, "analytiker", first_name="Anna"),
        other_leader=make_staff(make_unit(other, "Andet Team"), "leder"),
        admin=make_staff(coord_unit, "administrator", is_superuser=True, is_staff=True),
        outsider=make_staff(make_unit(other, "Tredje Team"), "fagperson"),
    )
    for i in range(6):
        course = open_course(coordinator, coord_unit, initiative=initiative)
        join_team(course, coordinator, job_unit, member_user=jobcenter[i], name=f"Job{i}")
        join_team(
            course, coordinator, psych_unit, member_user=psychiatry[i % 2], name=f"Psyk{i % 2}"
        )
        w.courses.append(course)
    return w
