"""Every model, imported in one place so metadata (and Alembic) sees them all."""

from server.audit.models import AuditEntry
from server.auth.models import DeviceToken, LoginAttempt, User
from server.care.models import CareMessage, Complaint, ComplaintNote, Survey
from server.dealers.models import Dealer
from server.delivery.models import DeliveryAttempt, OutboxEvent, WebhookEndpoint
from server.desk.models import (
    AppointmentCall,
    Customer,
    FormSubmission,
    Job,
    ServiceRequest,
    Unit,
)
from server.desk.technicians import TechnicianProfile
from server.evidence.models import EvidencePackage
from server.field.models import (
    ChecklistAnswer,
    FeeAgreement,
    FeeLine,
    Measurement,
    Note,
    PartUsed,
    Photo,
    Signature,
    Visit,
)
from server.media.models import MediaObject, MediaUpload
from server.sync.models import ChangeLog, SyncClient, SyncConflict, SyncMutation, SyncState
from server.warranty.models import FilterChange, LiabilityDecision, WarrantyRecord

__all__ = [
    "AppointmentCall",
    "AuditEntry",
    "CareMessage",
    "ChangeLog",
    "ChecklistAnswer",
    "Complaint",
    "ComplaintNote",
    "Customer",
    "Dealer",
    "DeliveryAttempt",
    "DeviceToken",
    "EvidencePackage",
    "FeeAgreement",
    "FeeLine",
    "FilterChange",
    "FormSubmission",
    "Job",
    "LiabilityDecision",
    "LoginAttempt",
    "Measurement",
    "MediaObject",
    "MediaUpload",
    "Note",
    "OutboxEvent",
    "PartUsed",
    "Photo",
    "ServiceRequest",
    "Signature",
    "Survey",
    "SyncClient",
    "SyncConflict",
    "SyncMutation",
    "SyncState",
    "TechnicianProfile",
    "Unit",
    "User",
    "Visit",
    "WarrantyRecord",
    "WebhookEndpoint",
]
