"""Central's handling of one request or one device status within a batch: checks,
duplicates, authorization, and the hall's answer."""

from __future__ import annotations

import logging
import re
from collections import Counter as Tally
from datetime import datetime, timedelta

from central._batch import Batch
from central._liveness import Liveness
from central.authz import Authorizer
from central.config import CentralConfig
from central.fleet import Fleet
from central.hall import Hall
from central.ledger import Ledger
from central.tokens import TicketTokens
from protocol import CENTRAL_ID, ProtocolError, Topics, decode, decode_request
from protocol import messages as m
from protocol.codec import STATUS_MAX_BYTES, clip
from protocol.refusals import refusal

log = logging.getLogger(__name__)

REFUSAL_LOG_EVERY = 1000
# A device's session counter grows by one per start; more than this at once is not a
# restart (issue 13: a status with session 2^64 made the real device's births stale).
MAX_SESSION_JUMP = 1000
_NODE_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,47}$")  # protocol.messages.Ident


class RequestHandling:
    """Central's request and status handling; Central supplies the state below."""

    config: CentralConfig
    topics: Topics
    hall: Hall
    ledger: Ledger
    fleet: Fleet
    authz: Authorizer
    tokens: TicketTokens
    liveness: Liveness
    errors: Tally[str]
    not_allowed: Tally[str]
    _refusals_logged: dict[tuple[str, str], int]

    def _refuse(
        self, batch: Batch, node: str, request_id: str, code: m.RefusalCode, detail: str
    ) -> None:
        self.errors[code] += 1
        self._log_refusal(node, code, request_id, detail)
        batch.replies.append(
            (node, m.Reply(request_id=request_id, ok=False, refusal=refusal(code, detail)))
        )

    def _log_refusal(
        self, node: str, code: str, request_id: str, detail: str, kind: str = ""
    ) -> None:
        """The first refusal per node, code and request kind at WARNING, then every
        REFUSAL_LOG_EVERY-th: a device sending garbage in a loop must not fill the journal."""
        key = (node, f"{code}:{kind}")
        n = self._refusals_logged.get(key, 0) + 1
        if len(self._refusals_logged) < 10_000 or key in self._refusals_logged:
            self._refusals_logged[key] = n
        if n == 1 or n % REFUSAL_LOG_EVERY == 0:
            more = f" ({n} so far)" if n > 1 else ""
            log.warning(
                "refused %s %r from %s: %s: %s%s",
                "status" if kind == "status" else "request",
                clip(request_id, 64),
                node,
                code,
                detail,
                more,
            )

    def _handle_request(self, batch: Batch, topic: str, payload: bytes, now: datetime) -> None:
        node = self.topics.node_of(topic)
        if not _NODE_ID.match(node):
            # No reply: its topic would carry the bad id. The broker's ACL keeps devices
            # to their own request/{id}; this is a tool or a misconfigured broker.
            self.errors["invalid_topic"] += 1
            log.warning("request on %s ignored: not a valid node id", clip(topic, 120))
            return
        try:
            req = decode_request(payload)
        except ProtocolError as exc:
            self._refuse(batch, node, exc.request_id or "", exc.code, exc.detail)
            return
        if req.node_id != node:
            self._refuse(
                batch,
                node,
                req.request_id,
                "invalid_request",
                f"node_id {req.node_id!r} does not match topic node {node!r}",
            )
            return
        # Request ids are scoped to the node that sent them: the same id from another node
        # is another request, and a stored reply only ever goes back to its own node.
        duplicate = batch.seen.get((node, req.request_id)) or self.ledger.stored_reply(
            node, req.request_id
        )
        if duplicate is not None:
            batch.replies.append((node, duplicate))
            return
        if self.config.authorization:
            why = self.authz.check(node, req)
            if why is not None:
                self.errors["not_allowed"] += 1
                self.not_allowed[node] += 1
                self._log_refusal(node, "not_allowed", req.request_id, why, req.type)
                batch.replies.append(
                    (
                        node,
                        m.Reply(
                            request_id=req.request_id,
                            ok=False,
                            refusal=refusal("not_allowed", why),
                        ),
                    )
                )
                return
        max_age = self.config.max_request_age_s
        if max_age and req.sent_at < now - timedelta(seconds=max_age):
            self._refuse(
                batch,
                node,
                req.request_id,
                "stale_request",
                f"sent {req.sent_at.isoformat()}, older than {max_age}s",
            )
            return
        if max_age and req.sent_at > now + timedelta(seconds=max_age):
            self._refuse(
                batch,
                node,
                req.request_id,
                "invalid_request",
                f"sent_at {req.sent_at.isoformat()} is more than {max_age}s ahead of central's "
                "clock; check the device's time (NTP)",
            )
            return
        voidable = lease = None
        if isinstance(req, m.ReplayTicket):
            origin = req.ticket.origin_request_id
            if origin:
                same_batch = batch.seen.get((node, origin))
                voidable = (
                    same_batch.ticket.ticket_id
                    if same_batch is not None and same_batch.ticket is not None
                    else self.ledger.ticket_of_request(node, origin)
                )
            if req.ticket.lease_id not in self.hall.leases:
                lease = self.ledger.lease(req.ticket.lease_id)
        token_ticket = None
        if isinstance(req, m.LookupTicket | m.SubmitSurvey):
            token_ticket = self.tokens.find(self.hall, req.token)
        if isinstance(req, m.LookupTicket):
            # Read-only: answered now, nothing stored (a ticket page asks often).
            batch.replies.append((node, self.hall.lookup(req, token_ticket)))
            return
        out = self.hall.apply(req, now, voidable, lease, token_ticket)
        if out.reply.refusal is not None:
            self.errors[out.reply.refusal.code] += 1
        elif isinstance(req, m.IssueTicket) and out.reply.ticket is not None:
            # The kiosk prints the ticket page's link from this; events never carry it.
            token = self.tokens.token(out.reply.ticket.ticket_id)
            out.reply = out.reply.model_copy(update={"page_token": token})
        batch.applied.append((req, out))
        batch.seen[(node, req.request_id)] = out.reply
        for alias in out.aliases:
            batch.seen[(node, alias.request_id)] = alias
        batch.replies.append((node, out.reply))

    def _handle_status(self, batch: Batch, topic: str, payload: bytes, now: datetime) -> None:
        if not payload:
            # A cleared retained status: `antrian provision remove` took the device out of
            # the hall, so it leaves the fleet list too (else it showed OFFLINE for good).
            node = topic.rsplit("/", 1)[-1]
            session = self.fleet.remove(node)
            if session is not None:
                # One batch may hold this node's birth too: the ledger keeps the last word.
                batch.fleet = [e for e in batch.fleet if e.node_id != node]
                batch.fleet_removed.append((node, session))
                log.info("%s removed from the fleet (its status was cleared)", node)
            return
        try:
            status = decode(m.NodeStatus, payload, STATUS_MAX_BYTES)
        except ProtocolError as exc:
            self.errors["invalid_status"] += 1
            log.warning("malformed status on %s ignored: %s", clip(topic, 120), exc.detail)
            return
        node = self.topics.node_of(topic)
        if status.node_id != node:
            # A device may only speak for itself (the ACL gives it its own status topic):
            # a payload naming another node made phantom rows and poisoned real ones.
            self._ignore_status(node, "status_spoofed", f"names {status.node_id!r}")
            return
        if node == CENTRAL_ID:
            return
        self.liveness.heard(node)
        grant = self.authz.grants.get(node)
        if grant is not None and status.role not in (grant.role, "tool"):
            self._ignore_status(node, "status_wrong_role", f"says {status.role}, is {grant.role}")
            return
        old = self.fleet.nodes.get(node)
        if old is not None and status.session > old.session + MAX_SESSION_JUMP:
            # A session far ahead would make every later birth of the real device look
            # stale. A device re-provisioned (remove, add) starts over from its tombstone.
            self._ignore_status(
                node, "status_session_jump", f"session {status.session} after {old.session}"
            )
            return
        entry = self.fleet.apply(status, now)
        if entry is not None:
            batch.fleet_removed = [r for r in batch.fleet_removed if r[0] != entry.node_id]
            batch.fleet.append(entry)

    def _ignore_status(self, node: str, code: str, detail: str) -> None:
        self.errors[code] += 1
        self._log_refusal(node, code, "", detail, "status")
