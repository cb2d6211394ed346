# Generated from schema/ by `make codegen` (codegen/generate.py, datamodel-code-generator). Do not edit.

from .testimonials import Testimonial
from .staffs import Staff
from .sessions import Session
from .services import Service, ServiceType, StartInterval
from .practitioners import Practitioner
from .practitioner_create import PractitionerCreate, PractitionerStatus, WageTier
from .payments import Payment, RevenueCredit
from .payment_create import PaymentCreate
from .meetourstaff import StaffProfile
from .locations import Location
from .discounts import Discount, DiscountKind, DiscountType
from .common import ClientStatus, RecordStatus, WeeklyHours
from .clients_import import ClientImport
from .clients import ClientSummary
from .client_update import ClientUpdate
from .client_add import ClientCreate
from .client import CalendarView, Client
from .availability import Availability

__all__ = [
    "Availability",
    "CalendarView",
    "Client",
    "ClientCreate",
    "ClientImport",
    "ClientStatus",
    "ClientSummary",
    "ClientUpdate",
    "Discount",
    "DiscountKind",
    "DiscountType",
    "Location",
    "Payment",
    "PaymentCreate",
    "Practitioner",
    "PractitionerCreate",
    "PractitionerStatus",
    "RecordStatus",
    "RevenueCredit",
    "Service",
    "ServiceType",
    "Session",
    "Staff",
    "StaffProfile",
    "StartInterval",
    "Testimonial",
    "WageTier",
    "WeeklyHours",
]
