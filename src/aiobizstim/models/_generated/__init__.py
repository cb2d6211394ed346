# Generated from schema/ by `make codegen` (codegen/generate.py, datamodel-code-generator). Do not edit.

from __future__ import annotations

from .testimonials import Testimonial, TestimonialsResponse
from .staffs import Staff, StaffsResponse
from .sessions import Session, SessionsResponse
from .services import Service, ServiceType, ServicesResponse, StartInterval
from .service import ServiceResponse
from .practitioners import Practitioner, PractitionersResponse
from .practitioner_create import PractitionerCreate, PractitionerCreateResponse, PractitionerStatus, WageTier
from .payments import Payment, PaymentsResponse, RevenueCredit
from .payment_create import PaymentCreate, PaymentCreateResponse
from .payment_add import PaymentAddResponse
from .payment import PaymentResponse
from .ondemand import OnDemandResponse
from .meetourstaff import MeetOurStaffResponse, StaffProfile
from .locations import Location, LocationsResponse
from .location import LocationResponse
from .discounts import Discount, DiscountKind, DiscountType, DiscountsResponse
from .discount import DiscountResponse
from .common import ClientStatus, Common, Envelope, RecordStatus, WeeklyHours
from .clients_import import ClientImport, ClientsImportResponse
from .clients import ClientSummary, ClientsResponse
from .client_update import ClientUpdate, ClientUpdateResponse
from .client_add import ClientAddResponse, ClientCreate
from .client import CalendarView, Client, ClientResponse
from .availability import Availability, AvailabilityResponse

__all__ = [
    "Availability",
    "AvailabilityResponse",
    "CalendarView",
    "Client",
    "ClientAddResponse",
    "ClientCreate",
    "ClientImport",
    "ClientResponse",
    "ClientStatus",
    "ClientSummary",
    "ClientUpdate",
    "ClientUpdateResponse",
    "ClientsImportResponse",
    "ClientsResponse",
    "Common",
    "Discount",
    "DiscountKind",
    "DiscountResponse",
    "DiscountType",
    "DiscountsResponse",
    "Envelope",
    "Location",
    "LocationResponse",
    "LocationsResponse",
    "MeetOurStaffResponse",
    "OnDemandResponse",
    "Payment",
    "PaymentAddResponse",
    "PaymentCreate",
    "PaymentCreateResponse",
    "PaymentResponse",
    "PaymentsResponse",
    "Practitioner",
    "PractitionerCreate",
    "PractitionerCreateResponse",
    "PractitionerStatus",
    "PractitionersResponse",
    "RecordStatus",
    "RevenueCredit",
    "Service",
    "ServiceResponse",
    "ServiceType",
    "ServicesResponse",
    "Session",
    "SessionsResponse",
    "Staff",
    "StaffProfile",
    "StaffsResponse",
    "StartInterval",
    "Testimonial",
    "TestimonialsResponse",
    "WageTier",
    "WeeklyHours",
]
