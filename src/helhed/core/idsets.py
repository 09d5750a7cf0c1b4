"""A set of ids read from the database as one value and passed back as one parameter.

A list page reads the ids of the courses its reader may see once per request and then looks the
page, its count and its filter choices up by those ids. Read as rows and passed back as
parameters, every id costs Python work twice — a ``UUID`` built from each value read, and one
converted back for each query that carries it (about 15 ms and 3 ms per query for a reader who
sees 1,000 courses, docs/performance.md). Here the database builds the set as one text (a JSON
array on SQLite, a ``uuid[]`` literal on PostgreSQL), Python keeps it as it is, and the queries
hand it back as one parameter (``json_each`` / ``= ANY``). Python only looks into the text when
it needs a membership test, as text (``hexes``).
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from django.db.models import Aggregate, Lookup, TextField


class IdArray(Aggregate):
    """The (non-null) values of a uuid column as one text: ``json_group_array`` on SQLite,
    ``array_agg(…)::text`` on PostgreSQL. With ``distinct=True`` each value once."""

    function = "JSON_GROUP_ARRAY"
    name = "IdArray"
    allow_distinct = True
    output_field = TextField()

    def __init__(self, expression: Any, **extra: Any) -> None:
        from django.db.models import Q

        name = expression if isinstance(expression, str) else None
        if name is not None and "filter" not in extra:
            extra["filter"] = Q(**{f"{name}__isnull": False})
        super().__init__(expression, **extra)

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        sql, params = self.as_sql(compiler, connection, function="ARRAY_AGG", **extra)
        return f"({sql})::text", params


class InIds(Lookup):
    """``lhs IN`` the ids of an ``IdArray`` text, the text passed as one parameter. Not a
    registered lookup: ``Model.objects.filter(InIds(F("pk"), text))``."""

    lookup_name = "in_ids"
    prepare_rhs = False

    def as_sql(self, compiler: Any, connection: Any) -> Any:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(({rhs})::uuid[])", [*lhs_params, *rhs_params]
        return f"{lhs} IN (SELECT value FROM json_each({rhs}))", [*lhs_params, *rhs_params]


def empty(vendor: str) -> str:
    """The text of an empty ``IdArray`` for ``vendor``."""
    return "{}" if vendor == "postgresql" else "[]"


def texts(value: str | None) -> list[str]:
    """The ids in an ``IdArray`` text as the strings the database wrote (SQLite: 32 hex digits;
    PostgreSQL: with hyphens). ``None`` (PostgreSQL's aggregate over no rows) is empty."""
    if not value:
        return []
    if value.startswith("["):
        return [v for v in json.loads(value) if v is not None]
    inner = value[1:-1]
    return [v for v in inner.split(",") if v and v != "NULL"] if inner else []


def hexes(value: str | None) -> set[str]:
    """The ids in an ``IdArray`` text as 32 hex digits, for a membership test by ``hex_of``."""
    return {v.replace("-", "").lower() for v in texts(value)}


def hex_of(pk: Any) -> str:
    """``pk`` (a ``UUID`` or its text) as 32 hex digits."""
    return pk.hex if isinstance(pk, uuid.UUID) else uuid.UUID(str(pk)).hex


def of(ids: Any, vendor: str) -> str:
    """The text ``InIds`` takes for ids held in Python (``UUID``s or their texts), as
    ``IdArray`` writes it: one parameter whatever their number, so a query compiled once
    (``core.prepared``) serves a list of any length."""
    if vendor == "postgresql":
        return "{" + ",".join(str(uuid.UUID(hex_of(pk))) for pk in ids) + "}"
    return json.dumps([hex_of(pk) for pk in ids])
