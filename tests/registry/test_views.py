"""The registry's pages: search and filters, detail with category as of a date, the matrix, the
distribution view, and the create/edit form with its validation and live preview."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from helhed.core.models import Unit, User
from helhed.registry.models import (
    FundingSource,
    Initiative,
    InitiativeActor,
    InitiativeWelfareArea,
)

pytestmark = pytest.mark.django_db

LIST = reverse("registry:initiative_list")
CREATE = reverse("registry:initiative_create")
PREVIEW = reverse("registry:initiative_preview")
MATRIX = reverse("registry:matrix")
DISTRIBUTION = reverse("registry:distribution")
VIVE_COUNTS = [39, 20, 7, 10, 14, 1, 5, 14, 7]


@pytest.fixture
def vive(db: None) -> None:
    call_command("registry", "load-vive")


@pytest.fixture
def analyst(make_user: Callable[..., User], unit: Unit) -> User:
    return make_user("analytiker", unit, first_name="Anna")


@pytest.fixture
def analyst_client(client: Client, analyst: User) -> Client:
    client.force_login(analyst)
    return client


@pytest.fixture
def fagperson_client(client: Client, make_user: Callable[..., User], unit: Unit) -> Client:
    client.force_login(make_user("fagperson", unit))
    return client


def html(response: Any) -> str:
    return str(response.content.decode())


def text(response: Any) -> str:
    """The page's visible text with tags removed and whitespace collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", html(response)).split())


def errors(form: Any, field: str) -> str:
    return " ".join(form.errors.get(field, []))


def detail_url(name: str, location: str) -> str:
    initiative = Initiative.objects.get(name=name, location=location)
    return reverse("registry:initiative_detail", args=[initiative.pk])


def result_names(response: Any) -> list[str]:
    return [initiative.name for initiative, _evaluation in response.context["page"]]


# --------------------------------------------------------------------------------------------
# Form data as a browser would post it
# --------------------------------------------------------------------------------------------

BASE: dict[str, str] = {
    "name": "Sammen om Roskilde",
    "location": "Roskilde",
    "description": "",
    "umbrella": "",
    "source": "",
    "target_group": "Unge med komplekse problemer",
    "target_unit": "ukendt",
    "age_min": "",
    "age_max": "",
    "objective_criteria": "",
    "judgement_criteria": "",
    "course_length": "ukendt",
    "breadth": "",
    "complexity": "ukendt",
    "volunteers": "ukendt",
    "citizen_involvement": "ukendt",
    "relatives_involvement": "ukendt",
    "time_perspective": "ukendt",
    "phase": "ukendt",
    "since_year": "",
    "evidence_level": "ukendt",
    "standardisation": "ukendt",
    "process_formalisation": "ukendt",
    "decision_level": "ukendt",
    "disciplines_count": "",
    "specialisations_count": "",
    "interdisciplinarity": "ukendt",
    "collaboration_model": "ukendt",
    "kl_scale": "ukendt",
    "cond_welfare_area": "ja",
    "cond_public_actor": "ukendt",
    "cond_cross_area_coordination": "ja",
    "policy_area_count": "",
    "cond_coordinating_function": "ja",
    "vive_category": "",
    "classification_date": "01.01.2025",
    "category_override": "",
    "override_reason": "",
    "override_source": "",
    "alternative_category": "",
    "alternative_note": "",
}
KOMMUNE = {"name": "Roskilde Kommune", "org_type": "kommune", "role": "primary"}
INSIDE = {
    "funder": "Roskilde Kommune",
    "org_type": "kommune",
    "inside": "True",
    "amount": "1.500.000",
    "period_start": "01.01.2024",
}
OUTSIDE = {
    "funder": "Den Sociale Investeringsfond",
    "org_type": "stat",
    "inside": "False",
    "amount": "250.000",
    "period_start": "01.01.2024",
    "period_end": "31.12.2026",
}


def form_data(
    actors: Iterable[dict[str, str]] = (),
    funding: Iterable[dict[str, str]] = (),
    areas: Iterable[str] = ("beskaeftigelse", "specialiseret-voksen"),
    **fields: str,
) -> dict[str, Any]:
    data: dict[str, Any] = {**BASE, **fields, "welfare_area_slugs": list(areas)}
    for prefix, rows in (("actors", list(actors)), ("funding", list(funding))):
        data[f"{prefix}-TOTAL_FORMS"] = str(len(rows))
        data[f"{prefix}-INITIAL_FORMS"] = "0"
        for n, row in enumerate(rows):
            if prefix == "funding":
                row = {"counts_for_classification": "on", **row}
            for key, value in row.items():
                data[f"{prefix}-{n}-{key}"] = value
    return data


# --------------------------------------------------------------------------------------------
# Permissions
# --------------------------------------------------------------------------------------------


def test_anonymous_users_are_sent_to_login(client: Client) -> None:
    response = client.get(LIST)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("core:login"))


def test_fagperson_reads_but_cannot_create_edit_or_preview(
    fagperson_client: Client, vive: None
) -> None:
    response = fagperson_client.get(LIST)
    assert response.status_code == 200
    assert "Ny indsats" not in html(response)
    assert "Importér" not in html(response)
    assert fagperson_client.get(CREATE).status_code == 403
    assert fagperson_client.post(CREATE, form_data([KOMMUNE], [INSIDE])).status_code == 403
    kit = Initiative.objects.get(name__startswith="Koordineret Indsats", location="Hovedstaden")
    edit = reverse("registry:initiative_edit", args=[kit.pk])
    assert fagperson_client.get(edit).status_code == 403
    assert fagperson_client.post(PREVIEW, form_data()).status_code == 403
    assert Initiative.objects.count() == 117
    detail = fagperson_client.get(reverse("registry:initiative_detail", args=[kit.pk]))
    assert "Redigér indsatsen" not in html(detail)


def test_analyst_sees_create_and_import_links(analyst_client: Client, vive: None) -> None:
    page = html(analyst_client.get(LIST))
    assert f'href="{CREATE}"' in page
    assert f'href="{reverse("registry:import")}"' in page


# --------------------------------------------------------------------------------------------
# List and filters
# --------------------------------------------------------------------------------------------


def test_list_shows_all_117_with_count_and_pages_of_50(analyst_client: Client, vive: None) -> None:
    response = analyst_client.get(LIST)
    assert "117 indsatser" in text(response)
    assert len(result_names(response)) == 50
    last = analyst_client.get(LIST, {"side": 3})
    assert len(result_names(last)) == 17


def test_category_filter_finds_only_cafe_exit_in_category_6(
    analyst_client: Client, vive: None
) -> None:
    response = analyst_client.get(LIST, {"category": "6"})
    assert result_names(response) == ["Café Exit"]
    page = text(response)
    assert "1 indsats " in page
    assert "6 (beregnet)" in page  # Café Exit's category is computed from its data


def test_category_filter_shows_vive_placement_marker(analyst_client: Client, vive: None) -> None:
    response = analyst_client.get(LIST, {"category": "9"})
    assert len(result_names(response)) == 7
    assert "9 (VIVE)" in text(response)  # the Bilag 2 rows without data keep VIVE's placement
    assert "9 (beregnet)" in text(response)  # Social Drive Out is computed


def test_welfare_area_filter(analyst_client: Client, vive: None) -> None:
    response = analyst_client.get(LIST, {"welfare_area": "kriminalitet"})
    assert result_names(response) == ["Café Exit"]
    response = analyst_client.get(LIST, {"welfare_area": "psykiatri"})
    assert len(result_names(response)) == 2


def test_actor_type_and_financing_filters(analyst_client: Client, vive: None) -> None:
    regions = analyst_client.get(LIST, {"actor_type": "region"})
    assert sorted(result_names(regions)) == [
        "Enhed for Sammenhængende Patientforløb",
        "FAMKO",
        "Koordineret Indsats på Tværs (KIT)",
    ]
    external = analyst_client.get(LIST, {"financing": "ekstern"})
    assert external.context["page"].paginator.count == 5 + 14 + 7


def test_text_and_location_filters(analyst_client: Client, vive: None) -> None:
    assert result_names(analyst_client.get(LIST, {"query": "FAMKO"})) == ["FAMKO"]
    by_place = result_names(analyst_client.get(LIST, {"location": "Holbæk"}))
    assert "Helhedsorienteret jobindsats til psykisk sårbare borgere" in by_place
    assert all(
        "Holbæk" in i.location
        for i, _e in analyst_client.get(LIST, {"location": "Holbæk"}).context["page"]
    )


def test_within_definition_filter(analyst_client: Client, vive: None) -> None:
    assert (
        analyst_client.get(LIST, {"within_definition": "ja"}).context["page"].paginator.count == 117
    )
    assert "Ingen indsatser matcher" in html(analyst_client.get(LIST, {"within_definition": "nej"}))
    analyst_client.post(CREATE, form_data(name="Den Grønne Trepart", cond_welfare_area="nej"))
    response = analyst_client.get(LIST, {"within_definition": "nej"})
    assert result_names(response) == ["Den Grønne Trepart"]
    assert "Nej (betingelse 1 ikke opfyldt)" in text(response)


def test_htmx_request_gets_only_the_results_and_export_links_keep_filters(
    analyst_client: Client, vive: None
) -> None:
    response = analyst_client.get(LIST, {"category": "6"}, HTTP_HX_REQUEST="true")
    page = html(response)
    assert "<html" not in page
    assert "Café Exit" in page
    assert f"{reverse('registry:export', args=['csv'])}?category=6" in page
    assert f"{reverse('registry:export', args=['xlsx'])}?category=6" in page


def test_invalid_filter_values_do_not_break_the_list(analyst_client: Client, vive: None) -> None:
    response = analyst_client.get(LIST, {"category": "42", "within_definition": "måske"})
    assert response.status_code == 200
    assert "Der er fejl i formularen" in html(response)


# --------------------------------------------------------------------------------------------
# Detail
# --------------------------------------------------------------------------------------------


def test_detail_shows_holbaek_category_4_with_alternative_7(
    analyst_client: Client, vive: None
) -> None:
    url = detail_url("Helhedsorienteret jobindsats til psykisk sårbare borgere", "Holbæk")
    page = text(analyst_client.get(url))
    assert "Kategori 4 (beregnet)" in page
    assert re.search(r"Alternativ kategori 7 – VIVE: .*kategori 7", page)
    assert "VIVE's kategori 4" in page
    # Funding table: inside/outside, period in Danish format.
    assert "Den Sociale Investeringsfond (DSI)" in page
    assert "01.01.2024 – 30.06.2026" in page
    assert "Uden for indsatsen" in page


def test_detail_recomputes_kit_category_on_another_date(analyst_client: Client, vive: None) -> None:
    url = detail_url("Koordineret Indsats på Tværs (KIT)", "Hovedstaden")
    today = text(analyst_client.get(url))
    assert "Kategori 2 (beregnet)" in today
    assert "Kategorien er læst pr. 01.01.2025" in today
    in_2019 = text(analyst_client.get(url, {"pr": "01.06.2019"}))
    assert "Kategori 5 (beregnet)" in in_2019
    assert "Kategorien er læst pr. 01.06.2019" in in_2019
    assert "Den beregnede kategori (5) afviger fra VIVE's placering (2)" in in_2019
    bad = analyst_client.get(url, {"pr": "32.13.2019"})
    assert bad.status_code == 200
    assert "Skriv datoen som dd.mm.åååå" in html(bad)
    assert "Kategori 2 (beregnet)" in text(bad)


def test_detail_shows_parameters_actors_conditions_and_provenance(
    analyst_client: Client, vive: None
) -> None:
    url = detail_url("Koordineret Indsats på Tværs (KIT)", "Hovedstaden")
    response = analyst_client.get(url)
    page = text(response)
    for heading in (
        "1. Målgruppe",
        "2. Aktører",
        "3. Fagområder",
        "4. Tidsperspektiv",
        "5. Modenhed",
        "6. Formalisering",
        "7. Tværfaglighed",
        "8. Samarbejdets karakter",
        "9. Finansiering",
    ):
        assert heading in page
    assert "Tidsperspektiv Ukendt" in page
    assert "Region Hovedstaden Region Primær aktør" in page
    # Fagområder with the source's own term.
    assert "Psykiatrisk sygehusbehandling Det psykiatriske sygehusområde" in page
    # The four conditions and the verdict.
    assert "Inden for definitionen." in page
    assert page.count("Opfyldt") >= 4
    # Provenance in a disclosure.
    assert "<details" in html(response)
    assert "Tabel 3.2, linje 717" in page
    assert "Aktør: Region Hovedstaden Tabel 3.1, linje 702" in page


def test_detail_of_unknown_initiative_is_404(analyst_client: Client, vive: None) -> None:
    url = reverse("registry:initiative_detail", args=["00000000-0000-0000-0000-000000000000"])
    assert analyst_client.get(url).status_code == 404


def test_detail_of_a_bilag_2_row_uses_vives_placement(analyst_client: Client, vive: None) -> None:
    initiative = Initiative.objects.filter(vive_category=3, actors__isnull=True).first()
    assert initiative is not None
    page = text(analyst_client.get(reverse("registry:initiative_detail", args=[initiative.pk])))
    assert "Kategori 3 (VIVE)" in page
    assert "VIVE's placering:" in page
    assert "Aktører: Ukendt" in page


def test_amounts_are_shown_in_danish_format(analyst_client: Client, vive: None) -> None:
    analyst_client.post(CREATE, form_data([KOMMUNE], [INSIDE]))
    initiative = Initiative.objects.get(name="Sammen om Roskilde")
    page = text(analyst_client.get(reverse("registry:initiative_detail", args=[initiative.pk])))
    assert "1.500.000 kr." in page


# --------------------------------------------------------------------------------------------
# Matrix and distribution
# --------------------------------------------------------------------------------------------


def matrix_counts(page: str) -> list[int]:
    counts = {
        int(n): int(count)
        for n, count in re.findall(
            r'id="kategori-(\d)">.*?class="helhed-count">(\d+)<', page, flags=re.S
        )
    }
    return [counts[n] for n in range(1, 10)]


def test_matrix_reproduces_vives_counts(analyst_client: Client, vive: None) -> None:
    response = analyst_client.get(MATRIX)
    page = html(response)
    assert matrix_counts(page) == VIVE_COUNTS
    assert "<caption>" in page
    assert "117 i alt" in text(response)
    # Cell 6 names Café Exit with a link to it.
    cafe = Initiative.objects.get(name="Café Exit")
    assert reverse("registry:initiative_detail", args=[cafe.pk]) in page


def test_matrix_as_of_another_date_moves_kit_and_famko(analyst_client: Client, vive: None) -> None:
    counts = matrix_counts(html(analyst_client.get(MATRIX, {"pr": "01.06.2019"})))
    assert counts != VIVE_COUNTS
    assert sum(counts) <= 117


def test_distribution_renders_chart_and_table_alternative(
    analyst_client: Client, vive: None
) -> None:
    response = analyst_client.get(DISTRIBUTION)
    page = html(response)
    assert page.count('role="img"') == 14
    assert page.count("<caption>") == 14
    phase = analyst_client.get(DISTRIBUTION, {"parameter": "welfare_area_count"})
    page = html(phase)
    assert page.count('role="img"') == 1
    assert "Fagområder: antal: antal indsatser pr. værdi i hver kategori</caption>" in page
    assert re.search(r'<svg[^>]+aria-label="Søjlediagram: Fagområder: antal', page)
    # Ringkøbing-Skjern (6 fagområder) is in category 1: the table row for 6 counts it there.
    row = re.search(r'<th scope="row">6</th>((?:<td[^>]*>\d+</td>){10})', page)
    assert row is not None
    cells = [int(n) for n in re.findall(r">(\d+)<", row.group(1))]
    assert cells[0] >= 1
    assert cells[-1] == sum(cells[:-1])


def test_chart_geometry_is_not_localised(analyst_client: Client, vive: None) -> None:
    """SVG numbers must use a decimal point even on the Danish pages ("344,0" breaks the chart:
    every panel would be drawn on top of the first)."""
    page = html(analyst_client.get(DISTRIBUTION, {"parameter": "actor_types"}))
    start = page.index('<svg class="helhed-chart"')  # the header's icons are SVGs too
    svg = page[start : page.index("</svg>", start)]
    offsets = re.findall(r'<g transform="translate\(([^ ]+) ([^)]+)\)">\s*<text class', svg)
    assert len(offsets) == 9
    assert len(set(offsets)) == 9  # nine panels in nine places (a 3 x 3 grid)
    assert not re.search(r'(?:x|y|width|height)="-?\d+,\d', svg)
    assert not re.search(r"translate\([^)]*,", svg)


def test_distribution_htmx_returns_only_the_charts(analyst_client: Client, vive: None) -> None:
    response = analyst_client.get(DISTRIBUTION, {"parameter": "phase"}, HTTP_HX_REQUEST="true")
    page = html(response)
    assert "<html" not in page
    assert "Modenhed: fase" in page
    assert page.count('role="img"') == 1


# --------------------------------------------------------------------------------------------
# Create and edit
# --------------------------------------------------------------------------------------------


def test_create_form_renders_with_blank_rows_and_preview(analyst_client: Client) -> None:
    response = analyst_client.get(CREATE)
    page = html(response)
    assert response.status_code == 200
    assert 'name="actors-TOTAL_FORMS" value="2"' in page
    assert 'name="funding-TOTAL_FORMS" value="2"' in page
    assert f'hx-post="{PREVIEW}"' in page
    assert 'aria-live="polite"' in page
    assert "Ingen kategori endnu" in page


def test_successful_create_saves_everything_and_shows_the_category(
    analyst_client: Client, vive: None
) -> None:
    response = analyst_client.post(CREATE, form_data([KOMMUNE], [INSIDE, OUTSIDE]), follow=True)
    initiative = Initiative.objects.get(name="Sammen om Roskilde")
    assert response.redirect_chain[-1][0] == reverse(
        "registry:initiative_detail", args=[initiative.pk]
    )
    assert [a.name for a in initiative.actors.all()] == ["Roskilde Kommune"]
    sources = {s.funder: s for s in initiative.funding_sources.all()}
    assert sources["Roskilde Kommune"].inside is True
    assert str(sources["Roskilde Kommune"].amount) == "1500000.00"
    assert sources["Den Sociale Investeringsfond"].inside is False
    assert set(initiative.welfare_areas.values_list("slug", flat=True)) == {
        "beskaeftigelse",
        "specialiseret-voksen",
    }
    page = text(response)
    assert "er gemt" in page
    assert "Kategori 4 (beregnet)" in page
    assert "Inden for definitionen." in page
    assert matrix_counts(html(analyst_client.get(MATRIX)))[3] == 11


def test_blank_rows_as_the_browser_posts_them_are_ignored(analyst_client: Client) -> None:
    """The form shows empty actor and funding rows; posted untouched they are not rows."""
    blank_actor = {
        "name": "",
        "org_type": "",
        "role": "",
        "units": "",
        "professions": "",
        "note": "",
    }
    blank_source = {
        "funder": "",
        "org_type": "",
        "inside": "",
        "amount": "",
        "period_start": "",
        "period_end": "",
        "note": "",
    }
    data = form_data([KOMMUNE, blank_actor], [blank_source, blank_source])
    response = analyst_client.post(CREATE, data)
    assert response.status_code == 302
    initiative = Initiative.objects.get(name="Sammen om Roskilde")
    assert initiative.actors.count() == 1
    assert initiative.funding_sources.count() == 0


def test_no_primary_actor_is_refused_and_nothing_saved(analyst_client: Client) -> None:
    before = (Initiative.objects.count(), InitiativeActor.objects.count())
    participating = {**KOMMUNE, "role": "participating"}
    other = {"name": "Røde Kors", "org_type": "civilsamfund", "role": "participating"}
    response = analyst_client.post(CREATE, form_data([participating, other], [INSIDE]))
    assert response.status_code == 200
    formset = response.context["forms"].actors
    assert "Ingen aktør er angivet som primær aktør" in errors(formset.forms[0], "role")
    assert "Der er fejl i formularen – intet er gemt" in html(response)
    assert (Initiative.objects.count(), InitiativeActor.objects.count()) == before


def test_two_kommuner_as_only_primary_actors_are_refused(analyst_client: Client) -> None:
    second = {"name": "Lejre Kommune", "org_type": "kommune", "role": "primary"}
    response = analyst_client.post(CREATE, form_data([KOMMUNE, second], [INSIDE]))
    formset = response.context["forms"].actors
    for form in formset.forms:
        assert "Flere kommuner" in errors(form, "role")
    assert Initiative.objects.count() == 0


def test_duplicate_actor_is_refused_on_the_second_row(analyst_client: Client) -> None:
    response = analyst_client.post(CREATE, form_data([KOMMUNE, dict(KOMMUNE)], [INSIDE]))
    formset = response.context["forms"].actors
    assert "er angivet mere end én gang" in errors(formset.forms[1], "name")
    assert not formset.forms[0].errors
    assert Initiative.objects.count() == 0


def test_override_without_reason_or_source_is_refused(analyst_client: Client) -> None:
    response = analyst_client.post(CREATE, form_data([KOMMUNE], [INSIDE], category_override="7"))
    form = response.context["form"]
    assert "kræver en begrundelse" in errors(form, "override_reason")
    assert "kræver en kilde" in errors(form, "override_source")
    assert 'href="#id_override_reason"' in html(response)
    assert Initiative.objects.count() == 0
    ok = analyst_client.post(
        CREATE,
        form_data(
            [KOMMUNE],
            [INSIDE],
            category_override="7",
            override_source="analytiker",
            override_reason="Projektmidlerne bærer indsatsen",
        ),
        follow=True,
    )
    assert "Kategori 7 (manuel)" in text(ok)
    assert "Projektmidlerne bærer indsatsen" in text(ok)


def test_funder_without_start_and_end_before_start_are_refused(analyst_client: Client) -> None:
    no_start = {**INSIDE, "period_start": ""}
    backwards = {**OUTSIDE, "period_start": "01.01.2025", "period_end": "31.12.2024"}
    response = analyst_client.post(CREATE, form_data([KOMMUNE], [no_start, backwards]))
    forms = response.context["forms"].funding.forms
    assert "Finansieringskilden 'Roskilde Kommune' mangler en startdato" in errors(
        forms[0], "period_start"
    )
    assert "slutter (31.12.2024) før den begynder (01.01.2025)" in errors(forms[1], "period_end")
    assert Initiative.objects.count() == 0
    assert FundingSource.objects.count() == 0


def test_a_failure_while_saving_leaves_nothing_half_written(
    analyst_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The initiative, its actors and funding are written in one transaction: if the last step
    (the fagområder) fails, the rows written before it are rolled back."""

    def fail(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("database went away")

    monkeypatch.setattr(InitiativeWelfareArea.objects, "bulk_create", fail)
    with pytest.raises(RuntimeError):
        analyst_client.post(CREATE, form_data([KOMMUNE], [INSIDE, OUTSIDE]))
    assert Initiative.objects.count() == 0
    assert InitiativeActor.objects.count() == 0
    assert FundingSource.objects.count() == 0


def test_age_band_must_be_ordered(analyst_client: Client) -> None:
    response = analyst_client.post(CREATE, form_data(age_min="25", age_max="18"))
    assert "Alder til (18) skal være mindst alder fra (25)" in errors(
        response.context["form"], "age_max"
    )
    assert Initiative.objects.count() == 0


def test_add_row_button_keeps_data_and_shows_no_errors(analyst_client: Client) -> None:
    data = form_data([KOMMUNE], [], name="")
    data["_add_actor"] = "1"
    response = analyst_client.post(CREATE, data)
    page = html(response)
    assert 'name="actors-TOTAL_FORMS" value="2"' in page
    assert 'value="Roskilde Kommune"' in page
    assert "Der er fejl i formularen" not in page
    assert Initiative.objects.count() == 0


def test_edit_updates_rows_without_duplicating_them(analyst_client: Client, vive: None) -> None:
    analyst_client.post(CREATE, form_data([KOMMUNE], [INSIDE]))
    initiative = Initiative.objects.get(name="Sammen om Roskilde")
    url = reverse("registry:initiative_edit", args=[initiative.pk])
    form = analyst_client.get(url).context["forms"]
    assert form.actors.initial_form_count() == 1  # the stored rows are shown
    assert form.funding.initial_form_count() == 1
    data = form_data([KOMMUNE], [INSIDE, OUTSIDE], areas=["skole", "dagtilbud"])
    data["actors-INITIAL_FORMS"] = "1"
    data["funding-INITIAL_FORMS"] = "1"
    response = analyst_client.post(url, data, follow=True)
    assert "Kategori 4 (beregnet)" in text(response)
    assert initiative.actors.count() == 1
    assert initiative.funding_sources.count() == 2
    assert set(initiative.welfare_areas.values_list("slug", flat=True)) == {"skole", "dagtilbud"}
    # Delete the outside funder again: back to category 1.
    data["funding-INITIAL_FORMS"] = "2"
    data["funding-1-DELETE"] = "on"
    response = analyst_client.post(url, data, follow=True)
    assert "Kategori 1 (beregnet)" in text(response)
    assert initiative.funding_sources.count() == 1


def test_editing_a_vive_example_keeps_its_computed_category(
    analyst_client: Client, vive: None
) -> None:
    kit = Initiative.objects.get(name__startswith="Koordineret Indsats", location="Hovedstaden")
    url = reverse("registry:initiative_edit", args=[kit.pk])
    response = analyst_client.get(url)
    assert response.status_code == 200
    assert "Kategori 2 (beregnet)" in text(response)
    assert 'value="01.01.2025"' in html(response)  # classification date in Danish format


# --------------------------------------------------------------------------------------------
# Live preview
# --------------------------------------------------------------------------------------------


def test_preview_returns_category_and_conditions_for_posted_data(
    analyst_client: Client,
) -> None:
    only_inside = text(analyst_client.post(PREVIEW, form_data([KOMMUNE], [INSIDE])))
    assert "Kategori 1 (beregnet)" in only_inside
    assert "Inden for definitionen." in only_inside
    combined = text(analyst_client.post(PREVIEW, form_data([KOMMUNE], [INSIDE, OUTSIDE])))
    assert "Kategori 4 (beregnet)" in combined
    assert "kombineret finansiering" in combined
    assert Initiative.objects.count() == 0


def test_preview_names_the_failing_condition(analyst_client: Client) -> None:
    page = text(
        analyst_client.post(
            PREVIEW,
            form_data(
                name="Den Grønne Trepart", cond_welfare_area="nej", areas=[], policy_area_count="3"
            ),
        )
    )
    assert "Uden for definitionen." in page
    assert "Ikke opfyldt: 1. Indsats rettet til borgere på velfærdsområderne" in page


def test_preview_reports_actor_errors_and_reads_classification_date(
    analyst_client: Client,
) -> None:
    participating = {**KOMMUNE, "role": "participating"}
    page = text(analyst_client.post(PREVIEW, form_data([participating], [INSIDE])))
    assert "Ingen kategori endnu" in page
    assert "Ingen aktør er angivet som primær aktør" in page
    before_start = text(
        analyst_client.post(
            PREVIEW, form_data([KOMMUNE], [INSIDE], classification_date="01.01.2020")
        )
    )
    assert "ingen finansieringskilde er aktiv pr. 01.01.2020" in before_start


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"actors-TOTAL_FORMS": "abc", "funding-TOTAL_FORMS": "-3"},
        {"actors-TOTAL_FORMS": "100000", "funding-TOTAL_FORMS": "100000"},
        {
            "funding-TOTAL_FORMS": "1",
            "funding-INITIAL_FORMS": "0",
            "funding-0-funder": "X",
            "funding-0-period_start": "32.13.2020",
            "funding-0-amount": "mange penge",
            "funding-0-org_type": "rumvæsen",
            "funding-0-inside": "måske",
            "classification_date": "i går",
            "age_min": "-1",
            "category_override": "99",
            "welfare_area_slugs": ["ikke-et-fagområde"],
            "cond_welfare_area": "???",
        },
        {
            "actors-TOTAL_FORMS": "1",
            "actors-INITIAL_FORMS": "1",
            "actors-0-id": "not-a-uuid",
            "actors-0-name": "A",
            "actors-0-org_type": "kommune",
            "actors-0-role": "primary",
        },
    ],
)
def test_preview_never_fails_on_partial_or_invalid_input(
    analyst_client: Client, data: dict[str, Any]
) -> None:
    response = analyst_client.post(PREVIEW, data)
    assert response.status_code == 200
    assert "De fire betingelser" in html(response)


# --------------------------------------------------------------------------------------------
# Admin
# --------------------------------------------------------------------------------------------


def test_admin_lists_and_edits_initiatives_with_inlines(
    client: Client, make_user: Callable[..., User], vive: None
) -> None:
    client.force_login(make_user(None, is_staff=True, is_superuser=True))
    assert client.get(reverse("admin:registry_initiative_changelist")).status_code == 200
    kit = Initiative.objects.get(name__startswith="Koordineret Indsats", location="Hovedstaden")
    page = html(client.get(reverse("admin:registry_initiative_change", args=[kit.pk])))
    assert "Region Hovedstaden" in page  # actor inline
    assert "Satspuljen (staten)" in page  # funding inline
    assert "Det psykiatriske sygehusområde" in page  # fagområde inline with the raw term
