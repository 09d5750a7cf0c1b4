"""The pages: a leader creates, opens and closes a wave; a participant answers one workgroup per
page; bad input gives Danish field errors (422) and saves nothing; everyone else gets 403."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client

from helhed.coordination import services
from helhed.coordination.models import Participation, TieAnswer, Wave, WaveStatus
from tests.coordination.conftest import World, answers
from tests.courses.builders import join_team, make_unit, today

pytestmark = pytest.mark.django_db


def form_data(world: World, **extra: object) -> dict[str, object]:
    data: dict[str, object] = {
        "name": "FAMKO forår",
        "scope_kind": "indsats",
        "initiative": str(world.initiative.pk),
        "organisations": [str(world.org.pk)],
        "period_start": (today() - timedelta(days=200)).isoformat(),
        "period_end": today().isoformat(),
        "answer_by": (today() + timedelta(days=10)).isoformat(),
        "min_respondents": "5",
    }
    data.update(extra)
    return data


def test_leader_creates_opens_and_closes_a_wave(world: World, client: Client) -> None:
    client.force_login(world.leader)
    page = client.get("/samarbejde/maalinger/ny/")
    assert page.status_code == 200
    assert "FAMKO (Odense)" in page.content.decode()  # the initiative is offered
    created = client.post("/samarbejde/maalinger/ny/", form_data(world))
    wave = Wave.objects.get()
    assert created.status_code == 302 and created["Location"].endswith(f"{wave.pk}/")
    detail = client.get(f"/samarbejde/maalinger/{wave.pk}/").content.decode()
    assert "Job0" in detail and "Hvem der har svaret, vises ikke" in detail
    opened = client.post(f"/samarbejde/maalinger/{wave.pk}/handling/aabn/")
    assert opened.status_code == 302
    wave.refresh_from_db()
    assert wave.status == WaveStatus.OPEN
    assert client.get(f"/samarbejde/maalinger/{wave.pk}/resultater/").status_code == 409
    confirm = client.get(f"/samarbejde/maalinger/{wave.pk}/luk/")
    assert "kan ikke fortrydes" in confirm.content.decode()
    closed = client.post(f"/samarbejde/maalinger/{wave.pk}/handling/luk/")
    assert closed.status_code == 302 and closed["Location"].endswith("/resultater/")
    results = client.get(closed["Location"]).content.decode()
    assert "Til dialog – ikke til rangering" in results
    assert 'id="rk-heat"' in results and 'id="rk-network"' in results
    assert "Spørgsmål til drøftelsen" in results


def test_bad_wave_input_shows_danish_field_errors(world: World, client: Client) -> None:
    client.force_login(world.leader)
    response = client.post(
        "/samarbejde/maalinger/ny/",
        form_data(world, name="", initiative="", min_respondents="2", period_end="1800-01-01"),
    )
    assert response.status_code == 422
    html = response.content.decode()
    for message in (
        "Giv målingen et navn.",
        "Vælg indsatsen.",
        "mindst 3 svar",
        "mellem år 1900 og 2200",
    ):
        assert message in html
    assert 'id="form-error-summary"' in html
    assert Wave.objects.count() == 0


def test_opening_without_participants_is_a_field_error_on_the_page(
    world: World, client: Client
) -> None:
    client.force_login(world.leader)
    client.post(
        "/samarbejde/maalinger/ny/",
        form_data(
            world,
            period_start=(today() - timedelta(days=900)).isoformat(),
            period_end=(today() - timedelta(days=800)).isoformat(),
        ),
    )
    wave = Wave.objects.get()
    response = client.post(f"/samarbejde/maalinger/{wave.pk}/handling/aabn/")
    assert response.status_code == 422
    assert "Målingen har ingen deltagere" in response.content.decode()


def test_participant_answers_on_pages(world: World, client: Client) -> None:
    wave = world.open_wave()
    user = world.jobcenter[0]
    client.force_login(user)
    home = client.get("/").content.decode()
    assert f"/samarbejde/svar/{wave.pk}/" in home  # the start-page panel
    start = client.get(f"/samarbejde/svar/{wave.pk}/").content.decode()
    assert "Dine svar er anonyme" in start and "Jobcenter" in start
    chosen = client.post(f"/samarbejde/svar/{wave.pk}/", {"groups": ["psykiatri"]})
    assert chosen["Location"] == f"/samarbejde/svar/{wave.pk}/psykiatri/"
    form = client.get(chosen["Location"]).content.decode()
    assert "Hvor ofte taler du med Psykiatri (region)" in form
    partial = client.post(chosen["Location"], {"hyppig": "3", "rettidig": "9"})
    assert partial.status_code == 422
    text = partial.content.decode()
    assert "Vælg et af svarene eller »Ikke relevant«." in text
    assert "Besvar spørgsmålet eller vælg »Ikke relevant«." in text
    saved = client.post(chosen["Location"], answers("4"))
    assert saved["Location"] == f"/samarbejde/svar/{wave.pk}/indsend/"
    summary = client.get(saved["Location"]).content.decode()
    assert "Besvaret" in summary
    assert TieAnswer.objects.count() == 0  # a draft, not an answer yet
    done = client.post(saved["Location"])
    assert done.status_code == 302
    assert TieAnswer.objects.count() == 1
    again = client.get(f"/samarbejde/svar/{wave.pk}/").content.decode()
    assert "du har svaret" in again
    assert client.post(saved["Location"]).status_code == 200  # the "done" page, nothing stored
    assert TieAnswer.objects.count() == 1


def test_nobody_else_reaches_the_pages(world: World, client: Client) -> None:
    wave = world.open_wave()
    base = f"/samarbejde/maalinger/{wave.pk}"
    for user in (world.jobcenter[0], world.other_leader, world.admin, world.outsider):
        client.force_login(user)
        for url in (f"{base}/", f"{base}/netvaerk/", f"{base}/resultater/", f"{base}/udtraek/"):
            assert client.get(url).status_code == 403, (user, url)
        assert client.post(f"{base}/handling/luk/").status_code == 403
    client.force_login(world.other_leader)
    assert client.get(f"/samarbejde/svar/{wave.pk}/").status_code == 403
    assert (
        client.get("/samarbejde/maalinger/00000000-0000-0000-0000-000000000000/").status_code == 403
    )
    client.logout()
    assert client.get(f"{base}/").status_code == 302  # to the login


def test_adding_a_participant_with_errors(world: World, client: Client) -> None:
    wave = world.draft_wave()
    client.force_login(world.leader)
    response = client.post(
        f"/samarbejde/maalinger/{wave.pk}/handling/tilfoej/", {"user": "", "workgroup": ""}
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "Vælg en medarbejder fra listen." in html and "Vælg en faggruppe fra listen." in html
    assert Participation.objects.filter(wave=wave).count() == 9


def test_results_fragment_per_dimension(world: World, client: Client) -> None:
    wave = world.open_wave()
    for user in world.jobcenter[:5]:
        world.answer(wave, user, {"psykiatri": answers("2", rettidig="1")})
    world.close(wave)
    client.force_login(world.leader)
    fragment = client.get(
        f"/samarbejde/maalinger/{wave.pk}/resultater/?dimension=timely", HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "<html" not in fragment and "Rettidig kommunikation" in fragment
    assert 'data-cell="timely|tie|jobcenter|psykiatri" data-n="5">1,00' in fragment
    export = client.get(f"/samarbejde/maalinger/{wave.pk}/udtraek/")
    assert export["Content-Disposition"].startswith("attachment")


def test_classification_page(world: World, client: Client) -> None:
    unit = make_unit(world.org, "Afdeling 7", None)
    join_team(world.courses[0], world.coordinator, unit, name="Ole")
    client.force_login(world.leader)
    page = client.get("/samarbejde/faggrupper/placering/").content.decode()
    assert "Kontaktperson" in page and "Afdeling 7" in page and "Ole" not in page
    bad = client.post(
        "/samarbejde/faggrupper/placering/", {"signature": "x", "workgroup": "sundhed"}
    )
    assert bad.status_code == 403
    from helhed.coordination.models import TeamMemberWorkgroup

    sig = TeamMemberWorkgroup.objects.get(team_member__name="Ole").signature
    missing = client.post("/samarbejde/faggrupper/placering/", {"signature": sig, "workgroup": ""})
    assert (
        missing.status_code == 422 and "Vælg en faggruppe fra listen." in missing.content.decode()
    )
    ok = client.post(
        "/samarbejde/faggrupper/placering/", {"signature": sig, "workgroup": "sundhed"}
    )
    assert ok.status_code == 302
    client.force_login(world.jobcenter[0])
    assert client.get("/samarbejde/faggrupper/placering/").status_code == 403


def test_workgroup_list_and_maintenance(world: World, client: Client) -> None:
    client.force_login(world.jobcenter[0])
    page = client.get("/samarbejde/faggrupper/").content.decode()
    assert "Rusmiddelbehandling" in page and "Tilføj ny" not in page
    assert client.post("/samarbejde/faggrupper/", {"slug": "x"}).status_code == 403
    client.force_login(world.admin)
    created = client.post(
        "/samarbejde/faggrupper/",
        {
            "slug": "familiebehandling",
            "name_da": "Familiebehandling",
            "kind": "fagfolk",
            "order": "35",
            "active": "on",
            "create": "1",
        },
    )
    assert created.status_code == 302
    bad = client.post(
        "/samarbejde/faggrupper/",
        {"slug": "jobcenter", "name_da": "", "kind": "fagfolk", "order": "1", "create": "1"},
    )
    assert bad.status_code == 422
    assert "Der findes allerede en faggruppe med denne kode." in bad.content.decode()


def test_leaders_start_page_and_menu(world: World, client: Client) -> None:
    wave = world.open_wave()
    client.force_login(world.leader)
    home = client.get("/").content.decode()
    assert "Samarbejde (relationel koordinering)" in home
    assert f"/samarbejde/maalinger/{wave.pk}/" in home
    assert 'href="/samarbejde/"' in home  # the menu


def test_english(world: World, client: Client) -> None:
    wave = world.open_wave()
    client.force_login(world.jobcenter[0])
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    start = client.get(f"/samarbejde/svar/{wave.pk}/").content.decode()
    assert "Your answers are anonymous" in start
    services.choose_groups(
        actor=world.jobcenter[0], wave_id=wave.pk, groups=["psykiatri"], rate_own=False
    )
    form = client.get(f"/samarbejde/svar/{wave.pk}/psykiatri/").content.decode()
    assert "How often do you communicate with Psychiatry (region)" in form


def test_a_wave_nobody_answered_closes_and_shows_empty_results(
    world: World, client: Client
) -> None:
    wave = world.open_wave()
    world.close(wave)
    client.force_login(world.leader)
    page = client.get(f"/samarbejde/maalinger/{wave.pk}/resultater/")
    assert page.status_code == 200
    assert 'data-cell="between">–<' in page.content.decode()
    body = client.get(f"/api/coordination/waves/{wave.pk}/results").json()
    assert body["submitted"] == {} and all(c["mean"] is None for c in body["cells"])
    assert client.get(f"/samarbejde/maalinger/{wave.pk}/rettidighed/").status_code == 200
