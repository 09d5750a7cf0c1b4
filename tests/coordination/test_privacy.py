"""No route — page, htmx fragment, API, CSV or XLSX export, admin — ever reveals a figure resting
on fewer respondents than the threshold, or an individual's answers.

A property test: hypothesis draws who answers and what (so that some ties rest on one or two
respondents), the wave is closed, and every route is read as the leader (and the admin).
Every figure a route shows is checked against the raw answers: a figure with a value must rest
on at least k respondents, and every tie that rests on fewer is shown as hidden."""

from __future__ import annotations

import csv
import html as html_lib
import io
import re
from typing import Any

import pytest
from django.contrib import admin
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from helhed.coordination import logic
from helhed.coordination.models import Draft, Participation, Response, TieAnswer
from tests.coordination.conftest import World, answers

pytestmark = pytest.mark.django_db

CODES = st.sampled_from(["1", "2", "3", "4", "5", "na"])


@st.composite
def plans(draw: st.DrawFn) -> list[tuple[int, dict[str, dict[str, str]], dict[str, str] | None]]:
    """For each of the nine participants (6 jobcenter, 2 psychiatry, the coordinator): whether
    they answer, which other groups they rate, their codes, and their own group or not."""
    out = []
    for person in range(9):
        if not draw(st.booleans()) and person not in (0, 6):
            continue
        own = "jobcenter" if person < 6 else ("psykiatri" if person < 8 else "koordinator")
        others = [g for g in ("jobcenter", "psykiatri", "koordinator") if g != own]
        rated = draw(st.lists(st.sampled_from(others), min_size=1, max_size=2, unique=True))
        codes = {g: {k: draw(CODES) for k in logic.HELHED_V1.item_keys} for g in rated}
        within = (
            {k: draw(CODES) for k in logic.HELHED_V1.item_keys} if draw(st.booleans()) else None
        )
        out.append((person, codes, within))
    return out


def _people(world: World) -> list[Any]:
    return [*world.jobcenter, *world.psychiatry, world.coordinator]


def _raw_ties(wave: Any) -> dict[str, list[float]]:
    """The raw tie means per ``tie|A|B`` (only ties that count) — what must never leak."""
    out: dict[str, list[float]] = {}
    for source, target, mean in TieAnswer.objects.filter(wave=wave, mean__isnull=False).values_list(
        "from_workgroup_id", "about_workgroup_id", "mean"
    ):
        out.setdefault(f"tie|{source}|{target}", []).append(mean)
    return out


DATA_CELL = re.compile(r'data-cell="([^"]*)"(?: data-n="(\d+)")?>([^<]*)<')


def _check_html(html: str, k: int, raw: dict[str, list[float]]) -> None:
    for key, n, text in DATA_CELL.findall(html):
        if n:
            assert int(n) >= k, (key, n)
        values = raw.get(key, [])
        if 0 < len(values) < k:
            assert not n and html_lib.unescape(text).strip() in (f"<{k}", "x"), (key, text)


def _check_cells(cells: list[dict[str, Any]], k: int, raw: dict[str, list[float]]) -> None:
    by_key = {c["key"]: c for c in cells}
    for c in cells:
        if c["mean"] is not None:
            assert c["n"] >= k, c
        else:
            assert c["n"] is None and c["sd"] is None
    for key, values in raw.items():
        if 0 < len(values) < k and key in by_key:
            assert by_key[key]["hidden"] and by_key[key]["mean"] is None


def _check_rows(rows: list[dict[str, Any]], k: int, raw: dict[str, list[float]]) -> None:
    for row in rows:
        if row["gennemsnit"] not in ("", None):
            assert int(row["n"]) >= k, row
        key = f"tie|{row['fra_faggruppe']}|{row['om_faggruppe']}"
        if row["figur"] == "tie" and row["dimension"] == "alle" and 0 < len(raw.get(key, [])) < k:
            assert row["gennemsnit"] in ("", None) and row["skjult"], row


def _no_ids(text: str, ids: list[str]) -> None:
    for value in ids:
        assert value not in text and value.replace("-", "") not in text


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(plan=plans(), k=st.sampled_from([3, 5]))
def test_no_route_reveals_a_small_cell_or_an_answer(
    world: World, client: Client, plan: list[Any], k: int
) -> None:
    wave = world.open_wave(name=f"Måling {Participation.objects.count()}", min_respondents=k)
    people = _people(world)
    for person, others, within in plan:
        world.answer(wave, people[person], others, within)
    # a draft that is never submitted (deleted at close)
    world.close(wave)
    assert not Draft.objects.filter(participation__wave=wave).exists()
    raw = _raw_ties(wave)
    secret_ids = [str(x) for x in Response.objects.filter(wave=wave).values_list("pk", flat=True)]
    secret_ids += [str(x) for x in TieAnswer.objects.filter(wave=wave).values_list("pk", flat=True)]

    client.force_login(world.leader)
    base = f"/samarbejde/maalinger/{wave.pk}"
    pages = [
        f"{base}/",
        f"{base}/resultater/",
        *(f"{base}/resultater/?dimension={d}" for d in logic.DIMENSIONS),
        f"{base}/rettidighed/",
        f"{base}/netvaerk/",
        "/samarbejde/",
        "/",
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        _check_html(html, k, raw)
        _no_ids(html, secret_ids)
    for d in ("", *logic.DIMENSIONS):
        fragment = client.get(f"{base}/resultater/?dimension={d}", HTTP_HX_REQUEST="true")
        assert fragment.status_code == 200
        _check_html(fragment.content.decode(), k, raw)

    api = f"/api/coordination/waves/{wave.pk}"
    for d in ("", *logic.DIMENSIONS):
        body = client.get(f"{api}/results?dimension={d}").json()
        assert body["threshold"] == k
        _check_cells(body["cells"], k, raw)
    flow = client.get(f"{api}/flow").json()
    _check_cells([c for p in flow["pairs"] for c in (p["a_about_b"], p["b_about_a"])], k, raw)
    for url in (api, f"{api}/network", f"{api}/flow", f"{api}/results", "/api/coordination/waves"):
        _no_ids(client.get(url).content.decode(), secret_ids)

    exported = client.get(f"{base}/udtraek/?format=csv")
    text = b"".join(exported.streaming_content).decode()  # type: ignore[attr-defined]
    _check_rows(list(csv.DictReader(io.StringIO(text), delimiter=";")), k, raw)
    _no_ids(text, secret_ids)
    xlsx = client.get(f"{base}/udtraek/?format=xlsx")
    sheet = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).active  # type: ignore[attr-defined]
    rows = list(sheet.iter_rows(values_only=True))
    _check_rows([dict(zip(rows[0], r, strict=True)) for r in rows[1:]], k, raw)

    # the administrator: no results, and no answers in the admin
    client.force_login(world.admin)
    assert client.get(f"{base}/resultater/").status_code == 403
    assert client.get(f"{api}/results").status_code == 403
    assert client.get(f"{api}/answers").status_code == 403
    admin_index = client.get("/admin/").content.decode()
    for model in (Response, TieAnswer, Draft, Participation):
        assert not admin.site.is_registered(model)
        assert f"/admin/coordination/{model._meta.model_name}/" not in admin_index
    wave_admin = client.get(f"/admin/coordination/wave/{wave.pk}/change/").content.decode()
    _no_ids(wave_admin, secret_ids)
    assert "hyppig" not in wave_admin


def test_a_lonely_respondents_answers_appear_nowhere(world: World, client: Client) -> None:
    """A distinctive answer by the only psychiatry respondent (mean 13/7 = 1,857…) is in no
    route's output; the five jobcenter respondents' tie is shown."""
    wave = world.open_wave()
    for user in world.jobcenter[:5]:
        world.answer(wave, user, {"psykiatri": answers("4")})
    lonely = answers("1", hyppig="3", respekt="3")  # (5 + 1·5 + 3)/7 = 13/7
    world.answer(wave, world.psychiatry[0], {"jobcenter": lonely}, within=answers("1"))
    world.close(wave)
    client.force_login(world.leader)
    outputs = []
    base = f"/samarbejde/maalinger/{wave.pk}"
    for url in (
        f"{base}/resultater/",
        f"{base}/resultater/?dimension=frequent",
        f"{base}/rettidighed/",
    ):
        outputs.append(client.get(url).content.decode())
    for url in ("results", "results?dimension=mutual_respect", "flow", ""):
        outputs.append(client.get(f"/api/coordination/waves/{wave.pk}/{url}").content.decode())
    outputs.append(
        b"".join(client.get(f"{base}/udtraek/").streaming_content).decode()  # type: ignore[attr-defined]
    )
    joined = "\n".join(outputs)
    for shown in ("1,86", "1.86", "1,857", "1.857", "1,8571"):
        assert shown not in joined
    assert 'data-cell="tie|jobcenter|psykiatri" data-n="5"' in outputs[0]
    assert 'data-cell="tie|psykiatri|jobcenter">&lt;5<' in outputs[0]
