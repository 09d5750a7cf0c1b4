"""Queries compiled once per process and run with new values.

Django builds and compiles a queryset's SQL every time it is evaluated. For the small queries
every request makes that is most of their cost: a reader's memberships (with unit and
organisation) take 0.96 ms of CPU, 0.66 ms of it building and compiling, 0.06 ms running the SQL;
the five queries of ``courses.selectors.access_for`` took about half of its 8 ms building and
compiling. A ``Prepared`` query is built once per process, database and shape from stand-in
values, compiled, and kept as SQL text with the places of the stand-ins among its parameters;
each use puts the real values there, runs the SQL on the current thread's connection and makes
the rows into model instances (or tuples) with the compiler's own description of them — the same
``select_related`` objects, annotations and converters Django would have made.

Only SQL text is kept, never a row: every use reads the database afresh.

The rules for a ``build`` function (what keeps the SQL a function of the shape alone):

* it gets each value as a stand-in and must only pass it into the query (``filter(pk=course)``),
  never look at it (no ``if course is None``), compute with it, or read the clock or the
  database;
* scalar values are UUIDs, integers, texts, dates and aware datetimes; a list or tuple of them is
  compiled once per length (an ``IN`` of two is another SQL than an ``IN`` of three); ``None``,
  booleans and ``Fixed(value)`` (a sort order, a choice) decide the SQL and are given as they
  are, as part of the shape;
* the active time zone and language are part of the shape too (a ``__date`` lookup or a
  translated ``Value`` puts them into the SQL).

What breaks the rules is caught where it can be: the query is compiled twice from two sets of
stand-ins, and kept only if the two SQL texts are the same and every parameter that differs
between them is a stand-in found as it is (or as the backend adapts it). A value Django turned
into something else (``%value%`` for ``contains``, an escaped ``LIKE`` pattern), a value computed
from another (``day + 30 days``), a moment read from the clock while building: the query is not
kept, and is built and run by the ORM each time, as before (``Prepared.kept`` tells which). So is
a call with an empty list. So is a query in which a value is found nowhere among the
parameters (a branch on it while building; an integer out of an ``IntegerField``'s range, whose
condition Django drops) — unless the ``Prepared`` names that value's position as one some shapes
leave out on purpose (``unused``: the warnings a count does not need).
"""

from __future__ import annotations

import random
import re
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Generic, TypeVar

from django.db import connections, router
from django.db.models import Model, QuerySet
from django.db.models.query import ModelIterable, ValuesListIterable, get_related_populators
from django.utils import timezone, translation

M = TypeVar("M")

_random = random.SystemRandom()


@dataclass(frozen=True)
class Fixed:
    """A value that decides the SQL — a sort order, a choice among filters, an offset: part of
    the shape, given to ``build`` as it is."""

    value: Any


def _stand_in(value: Any) -> Any:
    """A value of ``value``'s type that no real value equals (per process, at random). A text
    has the characters a ``LIKE`` pattern escapes and both cases, so that a lookup which
    escapes or folds its value cannot find it as it is."""
    if isinstance(value, uuid.UUID):
        return uuid.uuid4()
    if isinstance(value, bool):
        raise TypeError("a boolean is part of the shape")
    if isinstance(value, int):
        return _random.randrange(2**61, 2**62)
    if isinstance(value, str):
        return f"\x00Stand_In%\\{uuid.uuid4().hex}"
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise TypeError("a naive datetime")
        return datetime(1701, 1, 1, tzinfo=UTC) + timedelta(
            seconds=_random.randrange(10**9), microseconds=_random.randrange(1, 10**6)
        )
    if isinstance(value, date):
        return date(1701, 1, 1) + timedelta(days=_random.randrange(30_000))
    raise TypeError(f"no stand-in for {type(value).__name__}")


# How a compiled query may carry a value: as it is, or as the backend adapts it (a UUID as hex
# and dates as text on SQLite). Applied with the connection of the thread that runs the query.
_FORMS: dict[str, Callable[[Any, Any], Any]] = {
    "as-is": lambda v, _ops: v,
    "hex": lambda v, _ops: v.hex if isinstance(v, uuid.UUID) else None,
    "date": lambda v, ops: ops.adapt_datefield_value(v) if type(v) is date else None,
    "datetime": lambda v, ops: (
        ops.adapt_datetimefield_value(v) if isinstance(v, datetime) else None
    ),
}


def _shape(args: Sequence[Any]) -> tuple[Any, ...] | None:
    """The part of the arguments that decides the SQL (None: not to be kept, e.g. an empty
    list)."""
    shape: list[Any] = []
    for arg in args:
        if isinstance(arg, Fixed):
            shape.append(("=", type(arg.value), arg.value))
        elif arg is None or isinstance(arg, bool):
            shape.append(("=", type(arg), arg))
        elif isinstance(arg, list | tuple):
            if not arg or any(i is None or isinstance(i, bool) for i in arg):
                return None
            kinds = {type(i) for i in arg}
            if len(kinds) != 1:
                return None
            shape.append(("*", len(arg), kinds.pop()))
        else:
            shape.append(("1", type(arg)))
    return tuple(shape)


def _flatten(args: Sequence[Any]) -> list[Any]:
    """The scalar values of the arguments, in order (the lists' items one by one)."""
    flat: list[Any] = []
    for arg in args:
        if arg is None or isinstance(arg, bool | Fixed):
            continue
        if isinstance(arg, list | tuple):
            flat.extend(arg)
        else:
            flat.append(arg)
    return flat


@dataclass
class _Compiled:
    """What is kept of a compiled query: its SQL, its parameters with the places of the values,
    and the compiler's description of the rows (never a connection: each use takes the current
    thread's)."""

    sql: str
    params: list[Any]
    places: list[tuple[int, int, str]]  # (parameter index, index among the values, form)
    compiler: Any  # the compiler, its connection taken out (``_Compiled.rows`` lends one)
    tuples: bool
    postgresql: bool = False  # a prepared statement while kept (``core.pgcursor``)

    def params_for(self, values: list[Any], ops: Any) -> list[Any]:
        params = list(self.params)
        for at, which, form in self.places:
            params[at] = _FORMS[form](values[which], ops)
        return params

    def rows(self, rows: list[Any], db: str) -> list[Any]:
        compiler = _Lent(self.compiler, connections[db])
        if compiler.has_extra_select:
            rows = [row[: compiler.col_count] for row in rows]
        # The compiler's own conversions (UUIDs, dates, JSON, booleans on SQLite), as Django's
        # ``results_iter`` applies them.
        results = compiler.results_iter([rows], tuple_expected=self.tuples)
        if self.tuples:
            return list(results)
        return list(_instances(compiler, results, db))


def _Lent(compiler: Any, connection: Any) -> Any:  # noqa: N802 - reads as the type it makes
    """A shallow copy of the kept compiler with the current thread's connection (the kept one
    holds none, so no thread's connection outlives it)."""
    lent = object.__new__(type(compiler))
    lent.__dict__.update(compiler.__dict__)
    lent.connection = connection
    return lent


def _instances(compiler: Any, rows: Any, db: str) -> Any:
    """Model instances from converted rows, as ``django.db.models.query.ModelIterable`` makes
    them: the model's fields, the ``select_related`` objects and the annotations."""
    select, klass_info, annotation_col_map = (
        compiler.select,
        compiler.klass_info,
        compiler.annotation_col_map,
    )
    model_cls = klass_info["model"]
    select_fields = klass_info["select_fields"]
    start, end = select_fields[0], select_fields[-1] + 1
    init_list = [f[0].target.attname for f in select[start:end]]
    # (django-stubs describes a later Django's signature)
    related_populators = get_related_populators(klass_info, select, db)  # type: ignore[call-arg]
    for row in rows:
        obj = model_cls.from_db(db, init_list, row[start:end])
        for populator in related_populators:
            populator.populate(row, obj)
        if annotation_col_map:
            for name, at in annotation_col_map.items():
                setattr(obj, name, row[at])
        yield obj


class Prepared(Generic[M]):
    """A query built by ``build(*values)``, compiled once per process, database and shape.

    ``prepared(*values)`` returns what ``list(build(*values))`` would: model instances for a
    queryset of models, tuples for ``values_list()`` (not ``flat``, not ``named``)."""

    def __init__(
        self,
        model: type[Model],
        build: Callable[..., QuerySet[Any]],
        *,
        kept: int = 64,
        unused: tuple[int, ...] = (),
    ) -> None:
        """``kept``: how many shapes each process keeps (the last used; more for a query whose
        page is part of its shape). ``unused``: the positions of the values some shapes' SQL
        leaves out on purpose (an annotation a count drops); any other value missing from the
        compiled parameters leaves the query to the ORM."""
        self._model = model
        self._build = build
        self._unused = frozenset(unused)
        self.kept_at_most = kept
        self._kept: OrderedDict[tuple[Any, ...], _Compiled | None] = OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, *values: Any) -> list[M]:
        key = self._key(values)
        if key is not None:
            db = key[0]
            with self._lock:
                known = key in self._kept
                compiled = self._kept.get(key)
                if known:
                    self._kept.move_to_end(key)
            if not known:
                compiled = _compile(self._build, values, db, self._unused)
                with self._lock:
                    self._kept[key] = compiled
                    _statements(compiled, keep=True)
                    while len(self._kept) > self.kept_at_most:
                        _statements(self._kept.popitem(last=False)[1], keep=False)
            if compiled is not None:
                connection = connections[db]
                params = compiled.params_for(_flatten(values), connection.ops)
                with connection.cursor() as cursor:
                    cursor.execute(compiled.sql, params)
                    rows = cursor.fetchall()
                return compiled.rows(rows, db)
        return list(self._build(*(v.value if isinstance(v, Fixed) else v for v in values)))

    def kept(self, *values: Any) -> bool:
        """Whether a query of this shape runs from kept SQL (after its first use)."""
        key = self._key(values)
        return key is not None and self._kept.get(key) is not None

    def _key(self, values: Sequence[Any]) -> tuple[Any, ...] | None:
        shape = _shape(values)
        if shape is None:
            return None
        db = router.db_for_read(self._model)
        return (
            db,
            connections[db].vendor,
            timezone.get_current_timezone_name(),
            translation.get_language(),
            shape,
        )


def _statements(compiled: _Compiled | None, *, keep: bool) -> None:
    """On PostgreSQL a kept query's text is a prepared statement (``core.pgcursor``) while the
    query is kept."""
    if compiled is None or not compiled.postgresql:
        return
    from helhed.core import pgcursor

    if keep:
        pgcursor.keep(compiled.sql)
    else:
        pgcursor.forget(compiled.sql)


def _compile(
    build: Callable[..., QuerySet[Any]],
    values: Sequence[Any],
    db: str,
    unused: frozenset[int] = frozenset(),
) -> _Compiled | None:
    """The query compiled for keeping, or None when it is to be left to the ORM."""
    first, second = _compiled_with_stand_ins(build, values, db), None
    if first is not None:
        second = _compiled_with_stand_ins(build, values, db)
    if first is None or second is None:
        return None
    (sql, params, stand_ins, owners, compiler, tuples) = first
    (sql2, params2, stand_ins2, _o, _c, _t) = second
    if sql != sql2 or len(params) != len(params2):
        return None
    connection = connections[db]
    places = _places(params, stand_ins, connection.ops)
    places2 = _places(params2, stand_ins2, connection.ops)
    if places != places2:
        return None
    # A value the SQL does not carry was not passed into the query as it is: looked at while
    # building (a branch on it), or turned into something else — an integer out of an
    # IntegerField's range makes Django drop its condition. Refused, unless the build says the
    # value is one some shapes leave out (``unused``).
    found = {which for _at, which, _form in places}
    if any(owners[i] not in unused for i in range(len(stand_ins)) if i not in found):
        return None
    at_places = {at for at, _which, _form in places}
    # Every other parameter is a constant of the query: the same in both compilations, and no
    # date or moment (a day read from the clock while building is the same in both).
    constants = [
        (a, b) for i, (a, b) in enumerate(zip(params, params2, strict=True)) if i not in at_places
    ]
    if any(a != b or _a_day(a) for a, b in constants):
        return None
    compiler.connection = None
    postgresql = connection.vendor == "postgresql"
    return _Compiled(sql, list(params), places, compiler, tuples, postgresql)


def _compiled_with_stand_ins(
    build: Callable[..., QuerySet[Any]], values: Sequence[Any], db: str
) -> tuple[str, list[Any], list[Any], list[int], Any, bool] | None:
    args, stand_ins, owners = _with_stand_ins(values)
    try:
        queryset = build(*args)
    except Exception:  # a stand-in the field refuses (a text for a UUID): left to the ORM
        return None
    tuples = _rows_as_tuples(queryset)
    if tuples is None:
        return None
    compiler = queryset.query.get_compiler(using=db)
    try:
        sql, params = compiler.as_sql()
    except Exception:  # EmptyResultSet, FullResultSet: the ORM knows what to do
        return None
    return sql, list(params), stand_ins, owners, compiler, tuples


_DAY_AS_TEXT = re.compile(r"\d{4}-\d\d-\d\d")  # a date or moment as SQLite's backend writes it


def _a_day(param: Any) -> bool:
    """Whether a constant of the query is a date or a moment (or its text on SQLite): one a
    build read from the clock would be frozen in the kept SQL."""
    return isinstance(param, date) or (
        isinstance(param, str) and _DAY_AS_TEXT.match(param) is not None
    )


def _with_stand_ins(values: Sequence[Any]) -> tuple[list[Any], list[Any], list[int]]:
    """The arguments for ``build`` with each scalar replaced by a stand-in, the stand-ins in the
    order ``_flatten`` gives the real values, and the position among ``values`` of each."""
    stand_ins: list[Any] = []
    owners: list[int] = []
    args: list[Any] = []
    for position, value in enumerate(values):
        if isinstance(value, Fixed):
            args.append(value.value)
        elif value is None or isinstance(value, bool):
            args.append(value)
        elif isinstance(value, list | tuple):
            items = [_stand_in(v) for v in value]
            stand_ins.extend(items)
            owners.extend([position] * len(items))
            args.append(items)
        else:
            item = _stand_in(value)
            stand_ins.append(item)
            owners.append(position)
            args.append(item)
    return args, stand_ins, owners


def _rows_as_tuples(queryset: Any) -> bool | None:
    """False for model instances, True for ``values_list`` tuples, None for what is left to the
    ORM (flat, named or dict rows, columns Django would reorder, prefetches)."""
    if queryset._prefetch_related_lookups or queryset._known_related_objects:
        return None
    if queryset._iterable_class is ModelIterable:
        return False
    if queryset._iterable_class is ValuesListIterable:
        query = queryset.query
        names = [*query.extra_select, *query.values_select, *query.annotation_select]
        fields = [
            *queryset._fields,
            *(f for f in query.annotation_select if f not in queryset._fields),
        ]
        return None if queryset._fields and fields != names else True
    return None


def _places(params: list[Any], stand_ins: list[Any], ops: Any) -> list[tuple[int, int, str]]:
    """Where the stand-ins are among the compiled parameters, and in which form (as it is or as
    the backend adapts it); ``_compile`` decides about a stand-in found nowhere."""
    carried = [
        [(form, c) for form, carry in _FORMS.items() if (c := carry(stand_in, ops)) is not None]
        for stand_in in stand_ins
    ]
    places: list[tuple[int, int, str]] = []
    for at, param in enumerate(params):
        for which, pairs in enumerate(carried):
            form = next((f for f, c in pairs if type(c) is type(param) and c == param), None)
            if form is not None:
                places.append((at, which, form))
                break
    return places


def set_prefetched(obj: Any, name: str, items: list[Any], base: Any = None) -> None:
    """Fill ``obj.<name>.all()`` with ``items`` as ``prefetch_related`` would (no query). With
    ``base``, the queryset the items were read as (``Prefetch(name, queryset=base)``): a further
    ``obj.<name>.filter(…)`` keeps its related objects and annotations, as after a prefetch."""
    manager = getattr(obj, name)
    qs = manager._apply_rel_filters(base._chain()) if base is not None else manager.get_queryset()
    qs._result_cache = items
    qs._prefetch_done = True
    cache_name = getattr(manager, "prefetch_cache_name", name)
    obj.__dict__.setdefault("_prefetched_objects_cache", {})[cache_name] = qs
