"""Hand-written wire types that the generated models use, and the base class they share.

The Bizstim API sends every scalar as a JSON string, dates from a PHP/MySQL backend, lists as
comma-separated strings and clock times that may read ``24:00``. msgspec decodes most of that natively with
``strict=False`` (``"21"`` -> ``int``, ``"10.00"`` -> ``Decimal``, ``"1"`` -> ``bool``). Three kinds it
cannot decode into the public type, so their fields are decoded as raw strings and converted once, in
:meth:`WireModel.__post_init__`:

* :data:`LenientDate` -> ``datetime.date | None`` (``"0000-00-00"`` and ``""`` -> ``None``)
* :data:`CommaList` -> ``list[str]`` (items trimmed, empties dropped; a JSON array is accepted too)
* :data:`WireClock` -> :class:`ClockTime` (``HH:MM[:SS]``, ``24:00`` allowed)

For those three the annotation a type checker sees (the public type) differs from the runtime annotation
that msgspec decodes with (the raw string, tagged with a marker). That keeps decoding in msgspec's C code and
costs one short Python loop per record, instead of a ``dec_hook`` call per value.
"""

from __future__ import annotations

import datetime as _dt
import enum
import functools
import types
import typing
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, Final

import msgspec

__all__ = [
    "ClockTime",
    "CommaList",
    "Flag",
    "Kind",
    "LenientDate",
    "Money",
    "WireClock",
    "WireFloat",
    "WireInt",
    "WireModel",
    "field_kinds",
    "wire_aliases",
]


class Kind(enum.Enum):
    """How a model field is represented on the wire; drives post-decode conversion and :func:`to_wire`."""

    STR = "str"
    INT = "int"
    FLOAT = "float"
    FLAG = "flag"
    MONEY = "money"
    DATE = "date"
    LIST = "comma-list"
    CLOCK = "clock"
    ENUM = "enum"
    ARRAY = "array"
    MODEL = "model"
    OTHER = "other"


class _Marker:
    """Runtime tag inside ``Annotated`` for the fields converted after decoding."""

    __slots__ = ("kind",)

    def __init__(self, kind: Kind) -> None:
        self.kind = kind

    def __repr__(self) -> str:
        return f"<wire {self.kind.value}>"


_DATE_MARK: Final = _Marker(Kind.DATE)
_LIST_MARK: Final = _Marker(Kind.LIST)
_CLOCK_MARK: Final = _Marker(Kind.CLOCK)


@functools.total_ordering
class ClockTime:
    """A wall-clock time of day as Bizstim sends it: ``HH:MM`` or ``HH:MM:SS``, from ``00:00`` to ``24:00``.

    ``datetime.time`` cannot hold the documented ``24:00`` (end of day), hence this small type.
    Equality ignores whether seconds were written; :meth:`__str__` gives back the wire form.
    """

    __slots__ = ("_seconds_written", "hour", "minute", "second")

    hour: int
    minute: int
    second: int

    def __init__(self, hour: int, minute: int = 0, second: int = 0, *, seconds_written: bool = False) -> None:
        if not (0 <= hour <= 24 and 0 <= minute <= 59 and 0 <= second <= 59):
            raise ValueError(f"clock time out of range: {hour:02d}:{minute:02d}:{second:02d}")
        if hour == 24 and (minute or second):
            raise ValueError(f"clock time past 24:00: {hour:02d}:{minute:02d}:{second:02d}")
        self.hour = hour
        self.minute = minute
        self.second = second
        self._seconds_written = seconds_written

    @classmethod
    def parse(cls, text: str) -> ClockTime:
        """Parse ``HH:MM`` or ``HH:MM:SS``; raise ``ValueError`` on anything else."""
        parts = text.strip().split(":")
        if len(parts) not in (2, 3) or not all(len(p) == 2 and p.isdigit() and p.isascii() for p in parts):
            raise ValueError(f"expected HH:MM or HH:MM:SS, got {text[:20]!r}")
        nums = [int(p) for p in parts]
        return cls(*nums, seconds_written=len(parts) == 3)

    @property
    def is_end_of_day(self) -> bool:
        """True for ``24:00``."""
        return self.hour == 24

    def to_time(self) -> _dt.time:
        """As ``datetime.time``; ``24:00`` raises ``ValueError`` (use :attr:`total_seconds`)."""
        if self.hour == 24:
            raise ValueError("24:00 has no datetime.time equivalent")
        return _dt.time(self.hour, self.minute, self.second)

    @property
    def total_seconds(self) -> int:
        """Seconds since midnight (86400 for ``24:00``)."""
        return self.hour * 3600 + self.minute * 60 + self.second

    def __str__(self) -> str:
        if self._seconds_written or self.second:
            return f"{self.hour:02d}:{self.minute:02d}:{self.second:02d}"
        return f"{self.hour:02d}:{self.minute:02d}"

    def __repr__(self) -> str:
        return f"ClockTime({str(self)!r})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, ClockTime):
            return self.total_seconds == other.total_seconds
        return NotImplemented

    def __lt__(self, other: object) -> bool:
        if isinstance(other, ClockTime):
            return self.total_seconds < other.total_seconds
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.total_seconds)


if TYPE_CHECKING:
    WireInt = int
    WireFloat = float
    Flag = bool
    Money = Decimal
    LenientDate = _dt.date
    CommaList = list[str]
    WireClock = ClockTime
else:
    WireInt = int
    WireFloat = float
    Flag = bool
    Money = Decimal
    LenientDate = Annotated[str, _DATE_MARK]
    CommaList = Annotated[str | list[str], _LIST_MARK]
    WireClock = Annotated[str, _CLOCK_MARK]


_NO_DATES: Final = frozenset({"", "0000-00-00", "0000-00-00 00:00:00"})


def _field_error(wire_name: str, problem: str) -> ValueError:
    # msgspec wraps this in a ValidationError "... - at `$.path.to.record`"; the envelope layer reads the
    # field's wire name back out of the leading "field `...`" to build the full JSON path.
    return ValueError(f"field `{wire_name}`: {problem}")


def _date_converter(wire_name: str) -> Callable[[Any], _dt.date | None]:
    def convert(value: Any) -> _dt.date | None:
        if not isinstance(value, str):
            return value  # type: ignore[no-any-return]  # already a date (constructed in Python)
        if value in _NO_DATES:
            return None
        try:
            if len(value) != 10:
                raise ValueError
            return _dt.date.fromisoformat(value)
        except ValueError:
            raise _field_error(wire_name, f"invalid date {value[:40]!r}, expected YYYY-MM-DD") from None

    return convert


_strip = str.strip


def _list_converter(wire_name: str) -> Callable[[Any], list[str]]:
    # The reference; compiled hooks inline faster paths for the commonest strings (see _compile_hook).
    def convert(value: Any) -> list[str]:
        items = value.split(",") if isinstance(value, str) else value
        return list(filter(None, map(_strip, items)))

    return convert


def _clock_converter(wire_name: str) -> Callable[[Any], ClockTime | None]:
    def convert(value: Any) -> ClockTime | None:
        if not isinstance(value, str):
            return value  # type: ignore[no-any-return]
        if not value.strip():
            return None
        try:
            return ClockTime.parse(value)
        except ValueError as exc:
            raise _field_error(wire_name, str(exc)) from None

    return convert


_CONVERTERS: Final[dict[Kind, Callable[[str], Callable[[Any], Any]]]] = {
    Kind.DATE: _date_converter,
    Kind.LIST: _list_converter,
    Kind.CLOCK: _clock_converter,
}


class FieldSpec(typing.NamedTuple):
    """One model field: Python attribute name, wire name, wire kind and (for enums/models) the inner type."""

    attr: str
    wire: str
    kind: Kind
    inner: Any


def _kind_of(tp: Any) -> tuple[Kind, Any]:
    """Classify a runtime annotation (``X | None`` already unwrapped)."""
    if typing.get_origin(tp) is Annotated:
        for meta in tp.__metadata__:
            if isinstance(meta, _Marker):
                return meta.kind, None
        return _kind_of(tp.__origin__)
    args = [a for a in typing.get_args(tp) if a is not type(None)]
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType) and len(args) == 1:
        return _kind_of(args[0])
    if origin is list:
        return Kind.ARRAY, args[0] if args else Any
    if isinstance(tp, type):
        if issubclass(tp, enum.Enum):
            return Kind.ENUM, tp
        if issubclass(tp, bool):
            return Kind.FLAG, None
        if issubclass(tp, int):
            return Kind.INT, None
        if issubclass(tp, float):
            return Kind.FLOAT, None
        if issubclass(tp, Decimal):
            return Kind.MONEY, None
        if issubclass(tp, str):
            return Kind.STR, None
        if issubclass(tp, msgspec.Struct):
            return Kind.MODEL, tp
    return Kind.OTHER, None


@functools.cache
def field_kinds(model: type[msgspec.Struct]) -> tuple[FieldSpec, ...]:
    """The wire description of every field of ``model``, from its runtime annotations (cached)."""
    hints = typing.get_type_hints(model, include_extras=True)
    specs = []
    for info in msgspec.structs.fields(model):
        kind, inner = _kind_of(hints[info.name])
        specs.append(FieldSpec(info.name, info.encode_name, kind, inner))
    return tuple(specs)


@functools.cache
def _post_decode_steps(model: type[msgspec.Struct]) -> tuple[tuple[str, Callable[[Any], Any]], ...]:
    return tuple(
        (spec.attr, _CONVERTERS[spec.kind](spec.wire))
        for spec in field_kinds(model)
        if spec.kind in _CONVERTERS
    )


@functools.cache
def wire_aliases(model: type[msgspec.Struct]) -> tuple[tuple[str, str], ...]:
    """``(alias attribute, target attribute)`` pairs of ``model``: a second wire spelling of one field.

    msgspec maps one wire name per field, so a documented drift such as ``use_records`` / ``user_records``
    is a private field (``_use_records``, wire name ``use_records``) whose value :class:`WireModel` moves onto
    the public one after decoding. The pairs come from the schemas' ``"x-bizstim-alias-of"`` keys, which
    ``make codegen`` writes into ``_generated/aliases.py``.
    """
    # Imported here: the generated modules import this one.
    from aiobizstim.models._generated.aliases import WIRE_ALIASES

    pairs = [
        pair for cls in model.__mro__ for pair in WIRE_ALIASES.get(f"{cls.__module__}.{cls.__qualname__}", ())
    ]
    if not pairs:
        return ()
    attr_of = {spec.wire: spec.attr for spec in field_kinds(model)}
    return tuple((attr_of[alias], attr_of[target]) for alias, target in pairs)


def _run_generic(self: msgspec.Struct) -> None:
    """The post-decode work of any model, driven by its plan (the reference the compiled hooks follow)."""
    cls = type(self)
    for alias, target in wire_aliases(cls):
        value = getattr(self, alias)
        if value is not None:
            if getattr(self, target) is None:
                setattr(self, target, value)
            setattr(self, alias, None)
    for name, convert in _post_decode_steps(cls):
        value = getattr(self, name)
        if value is not None:
            setattr(self, name, convert(value))


def _compile_hook(model: type[msgspec.Struct], hook: Callable[[Any], None]) -> Callable[[Any], None]:
    """Turn ``hook`` (``model``'s ``__post_init__``) into straight-line code for ``model``'s fields.

    The generated body reads and writes each converted field by name, with no loop, tuple unpacking or
    ``getattr``, and splits comma lists inline: on a 1000-record page that is most of the post-decode cost.
    The hook swaps its own code object, so msgspec, which captured the hook when the class was created,
    runs the fast code after.
    """
    aliases, steps = wire_aliases(model), _post_decode_steps(model)
    namespace = hook.__globals__
    namespace["_strip"] = _strip
    namespace["_fromisoformat"] = _dt.date.fromisoformat
    lines = ["def __post_init__(self):"]  # attribute names are identifiers: msgspec makes them __slots__
    for alias, target in aliases:
        lines += [
            f"    v = self.{alias}",
            "    if v is not None:",
            f"        if self.{target} is None:",
            f"            self.{target} = v",
            f"        self.{alias} = None",
        ]
    lists = {spec.attr for spec in field_kinds(model) if spec.kind is Kind.LIST}
    dates = {spec.attr for spec in field_kinds(model) if spec.kind is Kind.DATE}
    for index, (name, convert) in enumerate(steps):
        namespace[f"_convert_{index}"] = convert
        lines.append(f"    v = self.{name}")
        if name in lists:
            # Split inline, without a converter call: one item (strip() returns the string itself when
            # there is nothing to trim), or several with no whitespace at all (isprintable() is False for
            # every whitespace character except the ASCII space), else strip every item.
            lines += [
                "    if v.__class__ is str:",
                '        if "," not in v:',
                "            v = v.strip()",
                f"            self.{name} = [v] if v else []",
                '        elif " " not in v and v.isprintable():',
                '            v = v.split(",")',
                f'            self.{name} = [s for s in v if s] if "" in v else v',
                "        else:",
                f'            self.{name} = list(filter(None, map(_strip, v.split(","))))',
                "    elif v is not None:",
                f"        self.{name} = _convert_{index}(v)",
            ]
        elif name in dates:  # a plain YYYY-MM-DD without a call; anything else goes to the converter
            lines += [
                '    if v.__class__ is str and len(v) == 10 and v != "0000-00-00":',
                "        try:",
                f"            self.{name} = _fromisoformat(v)",
                "        except ValueError:",
                f"            self.{name} = _convert_{index}(v)",
                "    elif v is not None:",
                f"        self.{name} = _convert_{index}(v)",
            ]
        else:
            lines += ["    if v is not None:", f"        self.{name} = _convert_{index}(v)"]
    if len(lines) == 1:
        lines.append("    pass")
    compiled: dict[str, Any] = {}
    exec("\n".join(lines), namespace, compiled)
    hook.__code__ = compiled["__post_init__"].__code__
    return hook


def _make_hook(model: type[msgspec.Struct]) -> Callable[[Any], None]:
    """A ``__post_init__`` of ``model``'s own that compiles itself on first use, when the fields are known."""
    namespace: dict[str, Any] = {"_compile_hook": _compile_hook, "_model": model}
    exec("def __post_init__(self):\n    _compile_hook(_model, __post_init__)(self)\n", namespace)
    hook: Callable[[Any], None] = namespace["__post_init__"]
    hook.__qualname__ = f"{model.__qualname__}.__post_init__"
    return hook


class WireModel(msgspec.Struct, kw_only=True, omit_defaults=True, repr_omit_defaults=True, gc=False):
    """Base of every generated model: a msgspec Struct that finishes the three wire conversions msgspec can't.

    Instances hold only scalars and lists of scalars, so they opt out of the cyclic GC (``gc=False``), which
    makes decoding large pages noticeably faster. A value sent under a field's alternative wire spelling
    (see :func:`wire_aliases`) lands on the public attribute; when both are sent, the public one wins.
    Each subclass gets its own compiled ``__post_init__`` (see :func:`_compile_hook`).
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # msgspec looks __post_init__ up once the class exists, i.e. after this hook returns.
        type.__setattr__(cls, "__post_init__", _make_hook(cls))

    def __post_init__(self) -> None:
        _run_generic(self)
