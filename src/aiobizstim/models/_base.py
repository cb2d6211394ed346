"""``WireModel``, the base of every generated model, and the post-decode work of its ``__post_init__``.

msgspec decodes a record in C, straight into the model, but two things are left for Python afterwards:

* four wire kinds (``LenientDate``, ``CommaList``, ``IdList`` and ``WireClock``, see
  :mod:`aiobizstim.models._kinds`) arrive as raw strings to convert into ``date``, ``list[str]``,
  ``list[int]`` and :class:`~aiobizstim.models.ClockTime`;
* a value sent under a field's second wire spelling lands on a private field (``_use_records``, wire name
  ``use_records``) and moves onto the public one (``user_records``); the class lists those pairs in
  ``__wire_aliases__``, which ``make codegen`` writes from the schemas' ``"x-bizstim-alias-of"`` keys.

msgspec calls ``__post_init__`` after every decode (and after ``Model(...)``), so both happen there, in code
compiled per model class:

1. :meth:`WireModel.__init_subclass__` gives each model class a ``__post_init__`` of its own
   (:func:`_make_hook`): a stub, because msgspec captures the hook as the class is created, before its
   fields (and the enums and models its annotations name) can be read.
2. The first record through the stub calls :func:`_compile_hook`, which writes straight-line source for
   exactly that class's converted and aliased fields (``v = self.dob`` / ``if v is not None: self.dob =
   ...``), compiles it and swaps it in as the stub's ``__code__``; every later record runs that code, with no
   loop, ``getattr`` or converter call in the common cases. On a 1000-record page this is most of the Python
   work per record.
3. :func:`_run_generic` does the same work as a plain loop: the reference the compiled hooks are tested
   against (``tests/models/test_wire_hooks.py``), and ``WireModel``'s own hook.

A request body that needs one of several sets of fields lists them in ``__required_any_of__`` (written by
``make codegen`` from the schema's ``anyOf`` of ``required`` lists); :func:`unmet_requirement` says how a
body breaks that rule. It is checked when a body is sent, not here: a body may be built in steps.
"""

from __future__ import annotations

import datetime as _dt
import functools
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar, Final, Required, TypedDict

import msgspec

from aiobizstim.errors import excerpt
from aiobizstim.models._clock import ClockTime
from aiobizstim.models._kinds import Kind, field_kinds

__all__ = ["RequiredGroup", "WireModel", "blank_required", "given", "unmet_requirement"]


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
        try:
            return list(filter(None, map(_strip, items)))
        except TypeError:  # not iterable, or an item that is not text: a list built in Python
            got = excerpt(value, 40)
            raise TypeError(
                f"field `{wire_name}`: expected a list of str or comma-separated text, got {got}"
            ) from None

    return convert


def _id_list_converter(wire_name: str) -> Callable[[Any], list[int]]:
    # The reference; compiled hooks inline a faster path for plain "66,67,36" (see _compile_hook).
    def convert(value: Any) -> list[int]:
        if isinstance(value, str):
            items: Any = value.split(",")
        elif isinstance(value, int) and not isinstance(value, bool):
            items = [value]  # one id, constructed in Python
        else:
            items = value  # a JSON array (msgspec made its items ints) or a list built in Python
        out = []
        for item in items:
            if isinstance(item, str):
                text = item.strip()
                if not text:
                    continue
                if text.isascii() and (text[1:] if text[0] == "-" else text).isdigit():
                    out.append(int(text))
                    continue
            elif isinstance(item, int) and not isinstance(item, bool):
                out.append(item)
                continue
            raise _field_error(wire_name, f"invalid item {str(item)[:40]!r}, expected integers")
        return out

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
    Kind.INT_LIST: _id_list_converter,
    Kind.CLOCK: _clock_converter,
}


@functools.cache
def _post_decode_steps(model: type[msgspec.Struct]) -> tuple[tuple[str, Callable[[Any], Any]], ...]:
    return tuple(
        (spec.attr, _CONVERTERS[spec.kind](spec.wire))
        for spec in field_kinds(model)
        if spec.kind in _CONVERTERS
    )


def _run_generic(self: WireModel) -> None:
    """The post-decode work of any model, driven by its plan (the reference the compiled hooks follow)."""
    cls = type(self)
    for alias, target in cls.__wire_aliases__.items():
        value = getattr(self, alias)
        if value is not None:
            if getattr(self, target) is None:
                setattr(self, target, value)
            setattr(self, alias, None)
    for name, convert in _post_decode_steps(cls):
        value = getattr(self, name)
        if value is not None:
            setattr(self, name, convert(value))


def _compile_hook(model: type[WireModel], hook: Callable[[Any], None]) -> Callable[[Any], None]:
    """Turn ``hook`` (``model``'s ``__post_init__``) into straight-line code for ``model``'s fields.

    The generated body reads and writes each converted field by name, with no loop, tuple unpacking or
    ``getattr``, and splits comma lists inline: on a 1000-record page that is most of the post-decode cost.
    The hook swaps its own code object, so msgspec, which captured the hook when the class was created,
    runs the fast code after.
    """
    aliases, steps = model.__wire_aliases__.items(), _post_decode_steps(model)
    attrs = {spec.attr for spec in field_kinds(model)}
    if unknown := {name for pair in aliases for name in pair} - attrs:
        raise TypeError(f"{model.__qualname__}.__wire_aliases__ names no field {sorted(unknown)}")
    namespace = hook.__globals__
    namespace["_strip"] = _strip
    namespace["_filter"] = filter
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
    id_lists = {spec.attr for spec in field_kinds(model) if spec.kind is Kind.INT_LIST}
    dates = {spec.attr for spec in field_kinds(model) if spec.kind is Kind.DATE}
    for index, (name, convert) in enumerate(steps):
        namespace[f"_convert_{index}"] = convert
        lines.append(f"    v = self.{name}")
        if name in lists:
            # Split inline, without a converter call: one item (strip() returns the string itself when
            # there is nothing to trim), or several with no whitespace at all (split() with no argument
            # splits at exactly the characters strip() trims: one piece equal to the whole string means
            # none; a scan in C, cheaper than isprintable()), empty items dropped; else strip every item.
            lines += [
                "    if v.__class__ is str:",
                '        if "," not in v:',
                "            v = v.strip()",
                f"            self.{name} = [v] if v else []",
                '        elif " " not in v and v.split(None, 1) == [v]:',
                '            v = v.split(",")',
                f'            self.{name} = list(_filter(None, v)) if "" in v else v',
                "        else:",
                f'            self.{name} = list(filter(None, map(_strip, v.split(","))))',
                "    elif v is not None:",
                f"        self.{name} = _convert_{index}(v)",
            ]
        elif name in id_lists:
            # Inline, without a converter call: "" (none), one id ("503"), and ASCII digits, commas and spaces
            # ("66,67,36", "24, 45,": int() trims the spaces, trailing commas are cut; an empty or spaced
            # item such as "4 5" raises and goes to the converter). Anything else ("-1", a JSON array) too.
            lines += [
                "    if v.__class__ is str:",
                "        if not v:",
                f"            self.{name} = []",
                "        elif v.isdigit() and v.isascii():",
                f"            self.{name} = [int(v)]",
                '        elif v.isascii() and v.replace(",", "").replace(" ", "").isdigit():',
                "            try:",
                f'                self.{name} = list(map(int, v.rstrip(", ").split(",")))',
                "            except ValueError:",
                f"                self.{name} = _convert_{index}(v)",
                "        else:",
                f"            self.{name} = _convert_{index}(v)",
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


def _make_hook(model: type[WireModel]) -> Callable[[Any], None]:
    """A ``__post_init__`` of ``model``'s own that compiles itself on first use, when the fields are known."""
    namespace: dict[str, Any] = {"_compile_hook": _compile_hook, "_model": model}
    exec("def __post_init__(self):\n    _compile_hook(_model, __post_init__)(self)\n", namespace)
    hook: Callable[[Any], None] = namespace["__post_init__"]
    hook.__qualname__ = f"{model.__qualname__}.__post_init__"
    return hook


class RequiredGroup(TypedDict, total=False):
    """One member of :attr:`WireModel.__required_any_of__`: attributes that must all be set, and what for."""

    required: Required[list[str]]
    description: str  # completes "all of <fields> ...": "to create a new client"


@functools.cache
def _groups(model: type[WireModel]) -> tuple[tuple[tuple[str, ...], str], ...]:
    groups = tuple((tuple(g["required"]), g.get("description", "")) for g in model.__required_any_of__)
    if unknown := {name for names, _ in groups for name in names} - set(model.__struct_fields__):
        raise TypeError(f"{model.__qualname__}.__required_any_of__ names no field {sorted(unknown)}")
    return groups


def given(value: Any) -> bool:
    """Whether a body's value counts as given for :func:`unmet_requirement`: not ``None`` and not blank text
    (the server reads ``""`` as missing; the client and FakeBizstim judge by this one test)."""
    return value is not None and not (isinstance(value, str) and not value.strip())


def blank_required(body: msgspec.Struct) -> list[str]:
    """The required fields ``body`` gives as blank text (not :func:`given`): present, but what the server
    reads as missing."""
    return [f.name for f in msgspec.structs.fields(body) if f.required and not given(getattr(body, f.name))]


def unmet_requirement(model: type[msgspec.Struct], is_set: Callable[[str], bool]) -> str | None:
    """How a body of ``model`` breaks its ``__required_any_of__``, in one line; None if it does not.

    ``is_set(attribute)`` tells whether the body sets a field (by :func:`given`). The line names every
    member and what the started ones (some field set) still miss: "give client_id, or all of first_name,
    last_name, state, country, status to create a new client (missing: state, status)".
    """
    if not issubclass(model, WireModel) or not model.__required_any_of__:
        return None
    groups = _groups(model)
    missing = [[name for name in names if not is_set(name)] for names, _ in groups]
    if not all(missing):
        return None
    options = ", or ".join(_option(names, why) for names, why in groups)
    started = [", ".join(m) for m, (names, _) in zip(missing, groups, strict=True) if len(m) < len(names)]
    return f"give {options} ({'missing: ' + ' or '.join(started) if started else 'none of them is set'})"


def _option(names: tuple[str, ...], why: str) -> str:
    text = names[0] if len(names) == 1 else f"all of {', '.join(names)}"
    return f"{text} {why}" if why else text


class WireModel(msgspec.Struct, kw_only=True, omit_defaults=True, repr_omit_defaults=True, gc=False):
    """Base of every generated model: a msgspec Struct that finishes the wire conversions msgspec cannot do.

    Instances hold only scalars and lists of scalars, so they opt out of the cyclic GC (``gc=False``), which
    makes decoding large pages noticeably faster. A value sent under a field's second wire spelling (see
    :attr:`__wire_aliases__`) lands on the public attribute; when both are sent, the public one wins.
    Each subclass gets its own compiled ``__post_init__`` (see the module docstring).
    """

    __wire_aliases__: ClassVar[Mapping[str, str]] = {}
    """Second wire spellings: private alias attribute -> the public attribute its value is folded into
    (``{"_use_records": "user_records"}``). Generated from the schemas; a subclass inherits its parent's."""

    __required_any_of__: ClassVar[Sequence[RequiredGroup]] = ()
    """A request body's ``anyOf`` of required fields: it must set every field of at least one member
    (``[{"required": ["client_id"]}, {"required": ["first_name", ...], "description": "to create a new
    client"}]``). Generated from the schemas; checked when the body is sent (:func:`unmet_requirement`)."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # msgspec looks __post_init__ up once the class exists, i.e. after this hook returns.
        type.__setattr__(cls, "__post_init__", _make_hook(cls))

    def __post_init__(self) -> None:
        _run_generic(self)
