"""What the seeded generators share: the hash, the wire forms of values, the name pools, the default sizes.

The client store (:mod:`._clients`) and the small resources (:mod:`._tables`) both build their records from
these, so a record of one resource reads like a record of another (same names, places, phone and date forms).
Every value is a JSON string, as on the real wire, except where a quirk says otherwise.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any, Final

__all__ = [
    "DEFAULT_COUNTS",
    "FIRST_NAMES",
    "LAST_NAMES",
    "LOREM",
    "PLACES",
    "STREETS",
    "Record",
    "comma_list",
    "digits",
    "mix",
    "phone",
    "wire_date",
]

Record = dict[str, Any]

#: How many records of each small resource a fake holds unless told otherwise.
#: (Here rather than in ``_tables`` because the client variants point at the default availability records.)
DEFAULT_COUNTS: Final[Mapping[str, int]] = {
    "services": 45,
    "discounts": 30,
    "sessions": 450,
    "payments": 175,
    "practitioners": 25,
    "locations": 18,
    "staffs": 7,
    "meetourstaff": 7,
    "testimonials": 12,
    "availability": 40,
}

FIRST_NAMES: Final = (
    "Joe", "Beth", "Susan", "Mark", "jennifer", "Ana", "Łukasz", "Zoë", "Omar", "Priya", "Chen", "Olivia",
    "Liam", "Noah", "Emma", "Mia", "Lucas", "Sofia", "Mateo", "Aroha", "José", "Fatima", "Ivan", "Grace",
    "O'Neil", "Mary-Jane", "Kai", "Yuki", "André", "Nadia",
)  # fmt: skip
LAST_NAMES: Final = (
    "Smith", "Adder", "Middletown", "Billings", "Nguyen", "García", "Müller", "O'Brien", "Kowalski", "Patel",
    "Wong", "Da Silva", "Johnson", "Brown", "Tremblay", "Roy", "Gagnon", "Singh", "Lee", "Martin", "Dubois",
    "van der Berg", "Schmidt", "Rossi",
)  # fmt: skip
STREETS: Final = ("New Street East", "Main Street West", "Easy Street", "King St", "Queen Street", "Elm Ave")
#: ``(city, state, zipcode, country, phone area code)``; the last one is a record with no address.
PLACES: Final = (
    ("Milton", "Ontario", "L7D 5S2", "Canada", "905"),
    ("Hamilton", "Ontario", "L8R 2M6", "Canada", "905"),
    ("Toronto", "ON", "M5V 2T6", "Canada", "416"),
    ("Montréal", "Québec", "H2X 1Y4", "Canada", "514"),
    ("Austin", "TX", "78701", "USA", "512"),
    ("Portland", "Oregon", "97205", "United States", "503"),
    ("", "", "", "", "905"),
)
LOREM: Final = (
    "Lorem ipsum dolor sit amet, consectetur adipiscing elit.",
    "Curabitur posuere neque non quam hendrerit ornare.",
    'Mauris ut molestie lorem & "quoted" text.',
    "Aenean varius magna in vehicula ultrices.",
    "Nullam euismod consequat erat, ut vestibulum purus.",
)

_MASK: Final = (1 << 64) - 1


def mix(seed: int, n: int) -> int:
    """A well-spread 64-bit hash of ``(seed, n)`` (splitmix64 finaliser)."""
    z = (n * 0x9E3779B97F4A7C15 + (seed + 1) * 0xD1B54A32D192ED03) & _MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    return z ^ (z >> 31)


def phone(rng: random.Random, area: str) -> str:
    """A formatted phone number, ``(905) 454-6464``."""
    return f"({area}) {rng.randint(200, 999)}-{rng.randint(0, 9999):04d}"


def digits(rng: random.Random, area: str) -> str:
    """A phone number as bare digits with the country code, ``19054546464`` (the text-message form)."""
    return f"1{area}{rng.randint(2000000, 9999999)}"


def wire_date(rng: random.Random, lo: int = 2015, hi: int = 2026, blank: float = 0.15) -> str:
    """A ``YYYY-MM-DD`` string, or now and then the PHP/MySQL "no date" forms."""
    r = rng.random()
    if r < blank / 2:
        return "0000-00-00"
    if r < blank:
        return ""
    return f"{rng.randint(lo, hi)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"


def comma_list(rng: random.Random, items: list[str]) -> str:
    """Join ``items`` the ways the real API does: with or without spaces, sometimes a trailing comma."""
    style = rng.random()
    text = ", ".join(items) if style < 0.35 else ",".join(items)
    if items and style > 0.9:
        text += ","
    return text
