"""The small resources the fake serves (services, discounts, sessions, ... availability), built once per seed.

They hold tens to a few thousand records, so unlike the clients they are generated up front as plain dicts
in wire form. Records point at each other the way the real data does: a session's ``client_id`` is a seeded
client, a location's ``practs`` are practitioner ids, a discount's ``services`` are service ids.
"""

from __future__ import annotations

import functools
import random
from typing import Any

from aiobizstim.testing._clients import ClientStore
from aiobizstim.testing._seeded import (
    FIRST_NAMES,
    LAST_NAMES,
    LOREM,
    PLACES,
    STREETS,
    Record,
    comma_list,
    digits,
    phone,
    wire_date,
)

__all__ = ["seeded_tables"]


def _services(rng: random.Random, n: int) -> list[Record]:
    out = []
    for i in range(n):
        lo = rng.choice((30, 45, 60, 60, 90))
        out.append(
            {
                "id": str(19 + i),
                "group_id": str(rng.randint(1, 15)),
                "group_num": str(rng.choice((1, 5, 10, 20))),
                "service_description": rng.choice(
                    ("Calculus Preparation", "Piano", "Reading Club", "Física")
                ),
                "service_cost": f"{rng.randint(10, 120)}.{rng.choice(('00', '50', '99'))}",
                "service_default_wage": f"{rng.randint(10, 60)}.00",
                "service_taxable": rng.choice("01"),
                "service_type": rng.choice("01"),
                "service_status": rng.choice("0112"),
                "online_booking": rng.choice("01"),
                "min_duration": str(lo),
                "max_duration": str(lo + rng.choice((0, 0, 30))),
                "start_interval": rng.choice("012"),
                "name": rng.choice(("Gold Tutoring Plan (20 hours)", "Single lesson", "", "Starter pack")),
            }
        )
    return out


def _discounts(rng: random.Random, n: int, services: int) -> list[Record]:
    out = []
    for i in range(n):
        pct = rng.choice((5, 10, 15, 25))
        fixed = rng.choice("01")
        sids = [str(19 + rng.randrange(max(services, 1))) for _ in range(rng.choice((0, 0, 1, 3)))]
        out.append(
            {
                "id": str(12 + i),
                "uses": str(rng.choice((0, 0, 1, 3))),
                "secret": rng.choice("01"),
                "expires": wire_date(rng, 2020, 2028, blank=0.3),
                "code": f"{pct}%{rng.choice(('OFF', 'CRED'))}{i}" if fixed == "0" else f"SAVE{pct}-{i}",
                "fixed": fixed,
                "type": rng.choice("01"),
                "amount": f"{pct}.00" if rng.random() > 0.05 else pct,  # sometimes a JSON number
                "services": comma_list(rng, sids),
            }
        )
    return out


def _sessions(rng: random.Random, n: int, clients: int) -> list[Record]:
    out = []
    for i in range(n):
        multi = rng.random() < 0.2
        cancels = [f"{rng.randint(21, 900)}|{rng.randint(2000, 3000)}|{rng.randint(470000, 480000)}"]
        out.append(
            {
                "id": str(479000 + i),
                "confirmed": rng.choice("01"),
                "multi": "1" if multi else "0",
                "slots": str(rng.randint(2, 12) if multi else 1),
                "class_id": str(rng.randint(1, 40)) if multi else "0",
                "display": rng.choice("01"),
                "pract_d": str(81 + rng.randrange(25)),
                "wage_id": str(rng.randint(1000, 9000)),
                "client_id": str(ClientStore.seeded_id(rng.randrange(max(clients, 1)))),
                "client_due_id": str(rng.randint(2000, 3000)),
                "cancel_clients": ",".join(cancels * rng.choice((1, 2)))
                if multi and rng.random() < 0.5
                else "",
                "temp": "0" if rng.random() < 0.9 else str(479000 + rng.randrange(max(i, 1))),
                "service_id": str(19 + rng.randrange(45)),
                "location_id": str(19 + rng.randrange(18)),
                "recurr_id": str(rng.randint(0, 500)),
                "recurr_on": rng.choice("01"),
                "qb_invoice_id": rng.choice(("", "0", str(rng.randint(100, 999)))),
                "session_status": rng.choice("01"),
                # past the documented field table's truncation: undocumented extras
                "session_date": wire_date(rng, 2021, 2026, blank=0.0),
                "start_time": f"{rng.randint(8, 20):02d}:{rng.choice(('00', '30'))}:00",
                "duration": str(rng.choice((30, 60, 90))),
            }
        )
    return out


def _payments(rng: random.Random, n: int, clients: int) -> list[Record]:
    return [
        {
            "id": str(61 + i),
            "client_id": str(ClientStore.seeded_id(rng.randrange(max(clients, 1)))),
            "qb_payment_id": rng.choice(("0", "0", str(rng.randint(1, 999)))),
            "revenue_amount": f"{rng.randint(1, 500)}.{rng.randint(0, 99):02d}",
            "revenue_tax": "0.00",
            "revenue_date": wire_date(rng, 2020, 2026, blank=0.05),
            "revenue_credit": rng.choice("0000123"),
            "revenue_note": rng.choice(("", "", "cash", "Paid by e-transfer, thanks!")),
        }
        for i in range(n)
    ]


def _person(rng: random.Random) -> Record:
    city, state, zipcode, country, area = rng.choice(PLACES)
    return {
        "first_name": rng.choice(FIRST_NAMES),
        "last_name": rng.choice(LAST_NAMES),
        "address1": f"{rng.randint(1, 999)} {rng.choice(STREETS)}",
        "address2": rng.choice(("", "201", "501")),
        "city": city,
        "state": state,
        "zipcode": zipcode,
        "country": country,
        "p_phone": phone(rng, area),
        "s_phone": phone(rng, area) if rng.random() < 0.5 else "",
    }


def _practitioners(rng: random.Random, n: int) -> list[Record]:
    out = []
    for i in range(n):
        person = _person(rng)
        avail = [str(rng.randint(500, 539)) for _ in range(rng.choice((1, 1, 3)))]
        name = f"{person['first_name']}.{person['last_name']}".lower().replace(" ", "")
        out.append(
            {
                "id": str(81 + i),
                "pract_settings_id": str(125 + i),
                "users_id": str(176 + i * 7),
                "avail_id": comma_list(rng, avail),
                **person,
                "text_phone": comma_list(rng, [digits(rng, "905") for _ in range(rng.choice((0, 1, 2)))]),
                "email": comma_list(rng, [f"{name}{i}@example.com", f"p{i}@mail.com"][: rng.choice((1, 2))]),
            }
        )
    return out


def _locations(rng: random.Random, n: int, practitioners: int) -> list[Record]:
    out = []
    for i in range(n):
        person = _person(rng)
        booking = rng.choice("01")
        practs: Any = ""
        if booking == "1":
            practs = [str(81 + rng.randrange(max(practitioners, 1))) for _ in range(rng.randint(0, 3))]
        out.append(
            {
                "id": str(19 + i),
                "location_status": rng.choice("0112"),
                "location_name": rng.choice(("TestLocation", "Main Campus", "Online", "Annex — 2nd floor")),
                "location_address": person["address1"] if rng.random() < 0.7 else "",
                "location_zipcode": person["zipcode"],
                "location_city": person["city"],
                "location_state": person["state"],
                "location_country": person["country"],
                "location_p_phone": person["p_phone"],
                "location_s_phone": person["s_phone"],
                "location_email": rng.choice(("", f"loc{i}@example.com")),
                "online_booking": booking,
                "practs": practs,
            }
        )
    return out


def _staffs(rng: random.Random, n: int) -> list[Record]:
    return [
        {
            "id": str(31 + i),
            "users_id": str(5290 + i),
            "staff_settings_id": str(35 + i),
            **_person(rng),
            "text_phone": digits(rng, "905") if rng.random() < 0.8 else "",
        }
        for i in range(n)
    ]


def _meetourstaff(rng: random.Random, n: int) -> list[Record]:
    # The documented field table is truncated; these are a plausible public-profile shape.
    return [
        {
            "id": str(31 + i),
            "users_id": str(5290 + i),
            "first_name": rng.choice(FIRST_NAMES),
            "last_name": rng.choice(LAST_NAMES),
            "title": rng.choice(("Tutor", "Director", "")),
            "bio": f"<p>{rng.choice(LOREM)}</p>",
            "image": rng.choice(("", f"https://www.bizstim.com/uploads/staff/{31 + i}.jpg")),
        }
        for i in range(n)
    ]


def _testimonials(rng: random.Random, n: int) -> list[Record]:
    return [
        {
            "id": str(54 + i * 3),
            "first_name": rng.choice(FIRST_NAMES),
            "last_name": rng.choice(LAST_NAMES),
            "testimonial": "<p>" + "\n                    ".join(rng.sample(LOREM, 3)) + "</p>",
        }
        for i in range(n)
    ]


def _availability(rng: random.Random, n: int) -> list[Record]:
    out = []
    for i in range(n):
        rec: Record = {
            "id": str(500 + i),
            "label": "Default" if i % 3 == 0 else rng.choice(("Summer", "Alt schedule", "Weekends")),
            "start": wire_date(rng, 2019, 2024, blank=0.1),
            "end": wire_date(rng, 2024, 2027, blank=0.1),
        }
        for day in ("m", "t", "w", "r", "f", "sat", "sun"):
            lo = rng.randint(6, 14)
            rec[f"{day}Availf"] = f"{lo:02d}:{rng.choice(('00', '30'))}"
            rec[f"{day}Availt"] = rng.choice(
                ("24:00", f"{rng.randint(lo + 1, 23):02d}:{rng.choice(('00', '31'))}")
            )
        out.append(rec)
    return out


@functools.lru_cache(maxsize=16)
def seeded_tables(seed: int, clients: int, counts: tuple[tuple[str, int], ...]) -> dict[str, list[Record]]:
    """The small resources for one seed (cached; callers copy before changing anything)."""
    wanted = dict(counts)

    def rng(name: str) -> random.Random:
        return random.Random(f"{name}-{seed}")

    return {
        "services": _services(rng("services"), wanted["services"]),
        "discounts": _discounts(rng("discounts"), wanted["discounts"], wanted["services"]),
        "sessions": _sessions(rng("sessions"), wanted["sessions"], clients),
        "payments": _payments(rng("payments"), wanted["payments"], clients),
        "practitioners": _practitioners(rng("practitioners"), wanted["practitioners"]),
        "locations": _locations(rng("locations"), wanted["locations"], wanted["practitioners"]),
        "staffs": _staffs(rng("staffs"), wanted["staffs"]),
        "meetourstaff": _meetourstaff(rng("meetourstaff"), wanted["meetourstaff"]),
        "testimonials": _testimonials(rng("testimonials"), wanted["testimonials"]),
        "availability": _availability(rng("availability"), wanted["availability"]),
    }
