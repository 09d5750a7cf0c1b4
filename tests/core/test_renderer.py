"""The DKFDS form renderer: DKFDS's convention for required and optional fields on every form."""

from __future__ import annotations

from django import forms

from helhed.core.renderer import field_mark, form_convention


class MostlyRequired(forms.Form):
    name = forms.CharField(label="Navn")
    start = forms.DateField(label="Startdato")
    note = forms.CharField(label="Bemærkning", required=False)
    areas = forms.MultipleChoiceField(
        label="Områder",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[("a", "Arbejde"), ("b", "Bolig")],
    )
    urgent = forms.BooleanField(label="Haster", required=False)
    kind = forms.ChoiceField(
        label="Slags", widget=forms.RadioSelect, choices=[("x", "Første"), ("y", "Anden")]
    )


class MostlyOptional(forms.Form):
    title = forms.CharField(label="Titel")
    phone = forms.CharField(label="Telefon", required=False)
    email = forms.EmailField(label="E-mail", required=False)
    note = forms.CharField(label="Bemærkning", required=False)


def label_of(form: forms.Form, name: str) -> str:
    html = str(form[name].as_field_group())
    tag = "legend" if "<legend" in html else "label"
    return html.split(f"<{tag}", 1)[1].split(f"</{tag}>", 1)[0]


def test_most_fields_required_the_optional_ones_say_frivilligt_and_nothing_is_starred() -> None:
    form = MostlyRequired()
    assert form_convention(form) == "optional"
    assert "(frivilligt)" in label_of(form, "note")
    assert "(frivilligt)" in label_of(form, "areas")  # a fieldset of checkboxes: in the legend
    for name in ("name", "start", "kind"):
        label = label_of(form, name)
        assert "frivilligt" not in label and "*" not in label and "skal udfyldes" not in label
    assert "helhed-required" not in str(form)


def test_a_single_optional_checkbox_is_a_yes_no_question_and_is_not_marked() -> None:
    form = MostlyRequired()
    assert field_mark(form["urgent"]) == ""
    assert "frivilligt" not in label_of(form, "urgent")


def test_where_most_fields_are_optional_the_required_ones_say_skal_udfyldes() -> None:
    form = MostlyOptional()
    assert form_convention(form) == "required"
    assert "(*skal udfyldes)" in label_of(form, "title")
    for name in ("phone", "email", "note"):
        assert "frivilligt" not in label_of(form, name)
        assert "skal udfyldes" not in label_of(form, name)


def test_the_whole_form_renders_the_same_marks() -> None:
    html = str(MostlyRequired())
    assert html.count("(frivilligt)") == 2
    assert '<span class="weight-normal"> (frivilligt)</span>' in html


def test_a_form_may_choose_its_convention() -> None:
    class Chosen(MostlyOptional):
        dkfds_marks = "optional"

    form = Chosen()
    assert "(frivilligt)" in label_of(form, "phone")
    assert "skal udfyldes" not in label_of(form, "title")


def test_a_disabled_field_is_not_marked() -> None:
    form = MostlyOptional()
    form.fields["phone"].disabled = True
    assert field_mark(form["phone"]) == ""


def test_a_label_that_already_says_optional_is_not_marked_twice() -> None:
    form = MostlyRequired()
    form.fields["note"].label = "Note (valgfri)"
    assert field_mark(form["note"]) == ""
    assert label_of(form, "note").count("valgfri") == 1
    assert "frivilligt" not in label_of(form, "note")


def test_a_selects_options_are_written_as_djangos_own_templates_write_them() -> None:
    """The project's select template writes the options in Python (``helhed_forms``): the same
    markup as Django's templates — escaped values and labels, attributes, option groups, the
    selected ones — but for the blank lines between options."""
    from django import forms as dj_forms
    from django.forms.renderers import DjangoTemplates

    from helhed.core.renderer import DkfdsFormRenderer

    class Choices(dj_forms.Form):
        one = dj_forms.ChoiceField(
            choices=[("", "Alle"), *[(f"v{n}", f'Navn <{n}> & "x"') for n in range(5)]],
            required=False,
        )
        groups = dj_forms.MultipleChoiceField(
            choices=[("Gruppe <a>", [("1", "En"), ("2", "To")]), ("3", "Tre")]
        )
        maybe = dj_forms.NullBooleanField()
        number = dj_forms.TypedChoiceField(choices=[(1, "1"), (2, "2")], coerce=int)

    def rendered(renderer: object) -> list[str]:
        form = Choices({"one": "v3", "groups": ["1", "3"], "number": "2"}, renderer=renderer)
        return [
            "\n".join(line for line in str(form[name]).splitlines() if line.strip())
            for name in ("one", "groups", "maybe", "number")
        ]

    ours, djangos = rendered(DkfdsFormRenderer()), rendered(DjangoTemplates())
    assert ours == djangos
    assert 'value="v3" selected' in ours[0] and "&lt;3&gt; &amp; &quot;x&quot;" in ours[0]
    assert '<optgroup label="Gruppe &lt;a&gt;">' in ours[1]
