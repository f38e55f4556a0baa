"""The synced entities, written once: what the change log tracks and a pull delivers."""

from server.dealers.models import Dealer
from server.desk.models import Customer, Job, Unit
from server.field.models import EVIDENCE, Visit
from server.sync.models import SyncConflict
from server.warranty.models import LiabilityDecision, WarrantyRecord

# What a device needs beside a job to work on it.
CONTEXT = (Customer, Unit, WarrantyRecord, Dealer)
# Rows that hang off a job (`job_id`): its visits, evidence and liability decision.
JOB_RECORDS = (Visit, *EVIDENCE, LiabilityDecision)
SYNCED = (Job, *CONTEXT, *JOB_RECORDS, SyncConflict)
BY_NAME = {model.__tablename__: model for model in SYNCED}
