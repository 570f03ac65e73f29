"""Reads ESC/POS bytes back into layout elements: for tests, the simulator and the PNG capture.

Covers the commands the kiosk sends (python-escpos output); anything else raises ValueError,
so a test never passes on bytes it did not understand.
"""

from __future__ import annotations

from edge.kiosk.layout import Cut, Element, Line, Qr, Size

ESC, GS, DLE = 0x1B, 0x1D, 0x10
ESC_T = b"\x1bt"  # ESC t n: select the character code table
# Epson's ESC t numbers of the code pages a kiosk may be set to (config printer.code_page).
CODE_PAGES = {"CP437": 0, "CP850": 2, "CP858": 19, "CP852": 18, "CP1252": 16}
_CODECS = {n: name.lower() for name, n in CODE_PAGES.items()}


def _size(width: int, height: int) -> Size:
    biggest = max(width, height)
    return "huge" if biggest >= 3 else "double" if biggest == 2 else "normal"


def decode(data: bytes) -> list[Element]:
    out: list[Element] = []
    buf = bytearray()
    align = "left"
    bold = False
    size: Size = "normal"
    qr_store = b""
    codec = "cp437"  # the printers' default table until ESC t selects another
    i = 0

    def flush() -> None:
        if buf:
            out.append(Line(buf.decode(codec), size, align, bold))  # type: ignore[arg-type]
            buf.clear()

    while i < len(data):
        b = data[i]
        if b == 0x0A:
            flush()
            i += 1
        elif b == ESC:
            cmd = data[i + 1]
            if cmd == ord("@"):
                align, bold, size = "left", False, "normal"
                i += 2
            elif cmd == ord("a"):
                align = {0: "left", 1: "center", 2: "right"}[data[i + 2] % 48]
                i += 3
            elif cmd == ord("E"):
                bold = bool(data[i + 2] & 1)
                i += 3
            elif cmd == ord("!"):
                n = data[i + 2]
                size = _size(2 if n & 0x20 else 1, 2 if n & 0x10 else 1)
                bold = bool(n & 0x08) or bold
                i += 3
            elif cmd == ord("t"):
                if data[i + 2] not in _CODECS:
                    raise ValueError(f"unknown code page {data[i + 2]} at byte {i}")
                flush()
                codec = _CODECS[data[i + 2]]
                i += 3
            elif cmd in (ord("M"), ord("-"), ord("G"), ord("{"), ord("V")):
                i += 3
            elif cmd == ord("d"):
                flush()
                i += 3
            else:
                raise ValueError(f"unknown ESC command 0x{cmd:02x} at byte {i}")
        elif b == GS:
            cmd = data[i + 1]
            if cmd == ord("!"):
                n = data[i + 2]
                size = _size((n >> 4) + 1, (n & 0x0F) + 1)
                i += 3
            elif cmd == ord("V"):
                flush()
                out.append(Cut())
                i += 4 if data[i + 2] in (65, 66) else 3
            elif cmd == ord("(") and data[i + 2] == ord("k"):
                length = data[i + 3] | (data[i + 4] << 8)
                body = data[i + 5 : i + 5 + length]
                if body[:2] == b"1P":  # store QR data: cn=49 fn=80 m=48
                    qr_store = body[3:]
                elif body[:2] == b"1Q":  # print the stored symbol
                    flush()
                    out.append(Qr(qr_store.decode("ascii")))
                i += 5 + length
            elif cmd in (ord("B"), ord("b")):
                i += 3
            else:
                raise ValueError(f"unknown GS command 0x{cmd:02x} at byte {i}")
        elif b == DLE:
            i += 3  # DLE EOT n: a status query, not printed
        elif b < 0x20:
            raise ValueError(f"unknown control byte 0x{b:02x} at byte {i}")
        else:
            buf.append(b)
            i += 1
    flush()
    return out


def decode_text(data: bytes) -> str:
    """The printed words, one line each."""
    return "\n".join(e.text for e in decode(data) if isinstance(e, Line))


def decode_qr(data: bytes) -> list[str]:
    return [e.data for e in decode(data) if isinstance(e, Qr)]


def split_jobs(data: bytes) -> list[bytes]:
    """A captured stream cut into one chunk per ticket (each job starts with ESC @)."""
    parts = data.split(b"\x1b@")
    return [b"\x1b@" + p for p in parts[1:]]
