"""Reports for hall managers from central's ledger: waits, service, no-shows, IKM, fairness."""

from reports._ledger import LedgerData, LedgerError, LedgerStream, TicketRecord, read_period
from reports.figures import Report, build_report
from reports.ikm import Ikm, ikm

__all__ = [
    "Ikm",
    "LedgerData",
    "LedgerError",
    "LedgerStream",
    "Report",
    "TicketRecord",
    "build_report",
    "ikm",
    "read_period",
]
