"""Typed models of every documented Bizstim method (generated from ``schema/``) and their wire types.

Records are msgspec Structs decoded straight from the API's JSON. Back out: :func:`to_wire` gives the exact
wire form (write bodies: wire names, every value a string), :func:`to_builtins` typed JSON-able values keyed
by wire names (to hand a record on). The files ``bizstim export`` writes use a third form, keyed by Python
attribute names with every field present, defined once in ``_export``.

Where things are:

* ``_generated/``: the record models, request bodies, enums and the ``ENDPOINTS`` table, written by
  ``make codegen`` from ``schema/`` (never edited by hand).
* ``_kinds``: the wire types the generated fields are declared with (``WireInt``, ``Money``, ``WireDecimal``,
  ``Flag``, ``LenientDate``, ``CommaList``, ``IdList``, ``WireClock``) and
  :func:`~aiobizstim.models._kinds.field_kinds`, the wire kind of every field, which decoding, encoding and
  the CLI all go by.
* ``_base``: :class:`WireModel`, the base of every model. msgspec decodes in C; what it cannot do (dates such
  as ``0000-00-00``, comma lists of strings or ids, ``24:00`` clock times, a second wire spelling such as
  ``use_records``) the model's ``__post_init__`` finishes. Each model class gets its own hook, compiled on its
  first record into straight-line code for exactly its fields (no loop, ``getattr`` or converter call in the
  common cases), because on a 1000-record page that hook is most of the Python work; ``_run_generic`` does
  the same as a plain loop and is the reference the compiled hooks are tested against. The ``_base``
  docstring has the details.
* ``_clock``: :class:`ClockTime`; ``_encode``: :func:`to_wire`, :func:`to_builtins`; ``_export``: the
  export form; ``_endpoint``: :class:`Endpoint`, :class:`Shape`.
"""

from aiobizstim.models._base import WireModel
from aiobizstim.models._clock import ClockTime
from aiobizstim.models._encode import to_builtins, to_wire
from aiobizstim.models._endpoint import Endpoint, Shape
from aiobizstim.models._generated import *  # noqa: F403
from aiobizstim.models._generated import __all__ as _generated_all
from aiobizstim.models._generated.endpoints import ENDPOINTS

__all__ = [
    "ENDPOINTS",
    "ClockTime",
    "Endpoint",
    "Shape",
    "WireModel",
    "to_builtins",
    "to_wire",
    *_generated_all,
]


def _publish(names: list[str]) -> None:
    """Show the public classes and functions as ``aiobizstim.models.X`` (reprs, type hints, docs, pickles)
    rather than under the private module that defines them.

    ``typing.get_type_hints`` and msgspec resolve a class's string annotations in the namespace of the module
    its ``__module__`` names, and this one does not import ``Annotated`` or the wire types. The generated
    models are written without ``from __future__ import annotations``, so their annotations are already
    objects; a hand-written class with string annotations (or ``ForwardRef``s, as a NamedTuple keeps them)
    gets them resolved in its own module first.
    """
    import inspect
    import typing

    public = [obj for obj in map(globals().__getitem__, names) if callable(obj)]  # not ENDPOINTS
    for obj in public:
        own = inspect.get_annotations(obj) if isinstance(obj, type) else {}
        if any(isinstance(annotation, str | typing.ForwardRef) for annotation in own.values()):
            hints = typing.get_type_hints(obj, include_extras=True)
            obj.__annotations__ = {name: hints[name] for name in own}
    for obj in public:
        obj.__module__ = __name__
    # pytest collects every class named Test* that a test module imports, by calling it with no arguments; a
    # Testimonial needs its id, so tell pytest it is no test class (users' test modules import it too).
    Testimonial.__test__ = False  # type: ignore[attr-defined]  # noqa: F405


_publish(__all__)
del _publish
