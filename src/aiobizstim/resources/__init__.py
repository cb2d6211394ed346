"""Resource namespaces of :class:`~aiobizstim.Bizstim` (``bz.clients``, ``bz.discounts``, ...)."""

from aiobizstim.resources.availability import AvailabilityResource
from aiobizstim.resources.clients import Clients
from aiobizstim.resources.discounts import Discounts
from aiobizstim.resources.locations import Locations
from aiobizstim.resources.meetourstaff import MeetOurStaff
from aiobizstim.resources.ondemand import OnDemand
from aiobizstim.resources.payments import Payments
from aiobizstim.resources.practitioners import Practitioners
from aiobizstim.resources.services import Services
from aiobizstim.resources.sessions import Sessions
from aiobizstim.resources.staffs import Staffs
from aiobizstim.resources.testimonials import Testimonials

__all__ = [
    "AvailabilityResource",
    "Clients",
    "Discounts",
    "Locations",
    "MeetOurStaff",
    "OnDemand",
    "Payments",
    "Practitioners",
    "Services",
    "Sessions",
    "Staffs",
    "Testimonials",
]
