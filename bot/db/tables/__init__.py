"""Every table, one module per domain: core (practices, GPs, patients, consent,
progress, workbook, risk events, audit), checkins, escalation, privacy. Import tables from here."""

from bot.db.tables.checkins import (  # noqa: F401
    CheckIn,
    CheckInAnswer,
    ReminderPreference,
    ReminderSend,
)
from bot.db.tables.core import (  # noqa: F401
    AuditChain,
    AuditHead,
    AuditLog,
    Base,
    ChannelIdentity,
    ConsentRecord,
    Escalation,
    Gp,
    Invite,
    ModuleProgress,
    Notification,
    Patient,
    PendingLink,
    Practice,
    RiskEvent,
    UTCDateTime,
    WorkbookEntry,
)
from bot.db.tables.escalation import (  # noqa: F401
    DeliveryAttempt,
    FollowUp,
    GpLinkCode,
)
from bot.db.tables.privacy import Erasure  # noqa: F401
