"""The guard check: views, forms, API modules and templates never touch personal data directly.

Every read of personal data goes through the course guard (``courses.selectors.access_for`` and
each app's ``access_*`` selectors), which decides what the reader may see and writes the access
log (docs/security.md). This check fails when an adapter module reaches past it:

* ``Model.objects`` / ``Model._default_manager`` / ``Model._base_manager`` of a personal-data
  model in a ``views*.py``, ``forms*.py`` or ``api*.py`` module or a module of a ``views``,
  ``forms`` or ``api`` package;
* ``get_object_or_404(Model, …)`` / ``get_list_or_404(Model, …)`` of such a model there;
* a related manager that leads to a personal-data model (``course.team.all()``,
  ``goal.subgoals.filter(…)``) there or in a template (``{{ goal.subgoals.all }}``): related rows
  must come filtered from a selector.

Personal-data models are derived from the models themselves: ``Citizen`` and ``Course`` and every
model with a foreign key, one-to-one or many-to-many path to them, plus the access log. Run
``python scripts/check_guard.py`` (``make lint`` does); ``--paths`` checks other files (the test
that plants a violation uses it).
"""

from __future__ import annotations

import argparse
import ast
import os
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src" / "helhed"
MANAGERS = {"objects", "_default_manager", "_base_manager"}
SHORTCUTS = {"get_object_or_404", "get_list_or_404"}
QUERY_METHODS = {
    "all",
    "filter",
    "exclude",
    "get",
    "first",
    "last",
    "count",
    "exists",
    "values",
    "values_list",
    "order_by",
    "select_related",
    "prefetch_related",
    "annotate",
    "aggregate",
    "in_bulk",
    "iterator",
    "only",
    "defer",
}
ADAPTER = re.compile(r"^(views|forms|api)(_\w+)?\.py$")
ADAPTER_PACKAGE = re.compile(r"^(views|forms|api)$")  # a package of adapters: every module in it


@dataclass(frozen=True)
class Finding:
    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        try:
            shown = self.path.relative_to(ROOT)
        except ValueError:
            shown = self.path
        return f"{shown}:{self.line}: {self.message}"


def personal_models() -> tuple[set[str], set[str]]:
    """(model class names, related accessor names) that lead to personal data."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helhed.settings")
    os.environ.setdefault("DEBUG", "true")
    sys.path.insert(0, str(ROOT / "src"))
    import django
    from django.apps import apps

    django.setup()
    models = [m for m in apps.get_models() if m.__module__.startswith("helhed.")]
    personal = {apps.get_model("courses", "Citizen"), apps.get_model("courses", "Course")}
    personal.add(apps.get_model("audit", "AccessLogEntry"))
    changed = True
    while changed:
        changed = False
        for model in models:
            if model in personal:
                continue
            for field in model._meta.get_fields():
                target = getattr(field, "related_model", None)
                forward = (field.is_relation and field.concrete) or field.many_to_many
                if forward and not field.auto_created and target in personal:
                    personal.add(model)
                    changed = True
                    break
    accessors: set[str] = set()
    for model in models:
        for field in model._meta.get_fields():
            target = getattr(field, "related_model", None)
            if not field.is_relation or target not in personal:
                continue
            if field.auto_created and not field.concrete:  # reverse: course.team
                name = field.get_accessor_name()
            elif field.many_to_many:  # forward M2M: household.members
                name = field.name
            else:  # a forward FK gives one row, not a manager
                continue
            if name and not name.endswith("+"):
                accessors.add(name)
    return {m.__name__ for m in personal}, accessors


def _attribute_chain(node: ast.AST) -> list[str]:
    names: list[str] = []
    while isinstance(node, ast.Attribute):
        names.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        names.append(node.id)
    return list(reversed(names))


def check_python(path: Path, models: set[str], accessors: set[str]) -> Iterator[Finding]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in MANAGERS:
            chain = _attribute_chain(node.value)
            if chain and chain[-1] in models:
                yield Finding(
                    path,
                    node.lineno,
                    f"{chain[-1]}.{node.attr}: personal data read past the guard "
                    "(use the app's selectors)",
                )
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if name in SHORTCUTS and node.args:
                chain = _attribute_chain(node.args[0])
                if chain and chain[-1] in models:
                    yield Finding(
                        path,
                        node.lineno,
                        f"{name}({chain[-1]}, …): personal data fetched past the guard "
                        "(use an access_* selector)",
                    )
            if isinstance(func, ast.Attribute) and func.attr in QUERY_METHODS:
                inner = func.value
                if isinstance(inner, ast.Attribute) and inner.attr in accessors:
                    yield Finding(
                        path,
                        node.lineno,
                        f".{inner.attr}.{func.attr}(): related personal data read past the "
                        "guard (let a selector return the filtered rows)",
                    )


def check_template(path: Path, accessors: set[str]) -> Iterator[Finding]:
    pattern = re.compile(
        r"\.(" + "|".join(sorted(map(re.escape, accessors))) + r")\.(all|count|exists|first)\b"
    )
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        for match in pattern.finditer(line):
            yield Finding(
                path,
                number,
                f".{match.group(1)}.{match.group(2)}: related personal data read in a template "
                "past the guard (pass the filtered rows in the context)",
            )


def default_paths() -> Iterable[Path]:
    for path in sorted(SRC.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        if ADAPTER.match(path.name) or ADAPTER_PACKAGE.match(path.parent.name):
            yield path
    yield from sorted(SRC.rglob("templates/**/*.html"))


def run(paths: Iterable[Path]) -> list[Finding]:
    models, accessors = personal_models()
    findings: list[Finding] = []
    for path in paths:
        if path.suffix == ".py":
            findings.extend(check_python(path, models, accessors))
        elif path.suffix == ".html":
            findings.extend(check_template(path, accessors))
    return findings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paths", nargs="*", type=Path, help="files to check (default: all)")
    args = parser.parse_args(argv)
    findings = run(args.paths if args.paths else default_paths())
    for finding in findings:
        print(finding)
    if findings:
        print(
            f"check_guard: {len(findings)} read(s) of personal data past the guard "
            "(docs/security.md, 'One guard')",
            file=sys.stderr,
        )
        return 1
    print(
        "check_guard: views, forms, API modules and templates read personal data only "
        "through the guard"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
