"""The contract between Antrian nodes: topics and messages, defined once."""

from protocol.codec import ProtocolError, decode, decode_request, encode
from protocol.messages import SCHEMA_VERSION
from protocol.topics import CENTRAL_ID, SPECS, Topics

__all__ = [
    "CENTRAL_ID",
    "SCHEMA_VERSION",
    "SPECS",
    "ProtocolError",
    "Topics",
    "decode",
    "decode_request",
    "encode",
]
