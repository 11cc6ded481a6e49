"""Every table, one module per domain: core (practices, GPs, patients, consent,
progress, workbook, risk events, audit), checkins, escalation. Import tables from here."""

from bot.db.tables.checkins import (  # noqa: F401
    CheckIn,
    CheckInAnswer,
    ReminderPreference,
    ReminderSend,
)
from bot.db.tables.core import (  # noqa: F401
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
