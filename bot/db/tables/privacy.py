"""Tables of the patients' data rights: erasures asked for and carried out."""
from __future__ import annotations

from sqlalchemy import JSON, Column, ForeignKey, Integer, String

from bot.db.tables.core import Base, UTCDateTime


class Erasure(Base):
    """One erasure of one patient: asked for (in chat or by the practice), due after a
    grace period in which the GP copies into the medical record what the law requires
    (the patient is told when), then carried out by the worker.

    ``senders`` holds pseudonyms (keyed hashes, bot.db.actors) of the patient's chat
    ids, only between the erasure and a second pass a few minutes later, which deletes
    whatever Rasa wrote back to its tracker store for a message in flight at the moment
    of the erasure; then it is emptied."""
    __tablename__ = "erasures"
    id = Column(Integer, primary_key=True)
    patient_id = Column(ForeignKey("patients.id"), nullable=False, index=True)
    requested_at = Column(UTCDateTime, nullable=False)
    requested_by = Column(String(32), nullable=False)  # "patient" | "cli" | "retention"
    due_at = Column(UTCDateTime, nullable=False, index=True)
    done_at = Column(UTCDateTime)
    cancelled_at = Column(UTCDateTime)
    senders = Column(JSON(none_as_null=True))
    second_pass_at = Column(UTCDateTime)
