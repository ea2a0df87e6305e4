"""Class mode of `trucesim classroom` (``--class``): the machine's address on its
network, found without sending anything; the access code of the lecturer's view; and
what the command prints for the class (the address as text and as a QR code drawn in
the terminal, with segno, imported only when it is drawn)."""

from __future__ import annotations

import socket

import typer

EVERYWHERE = "0.0.0.0"
CODE_LETTERS = "ACDEFGHJKMNPQRTUVWXY34679"  # nothing read two ways (0/O, 1/I, 5/S, 8/B)


def network_address() -> str | None:
    """This machine's address on its network (the source address of its default route),
    or None if it has none. Connecting a UDP socket only asks the kernel for a route: no
    packet is sent."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1 (RFC 5737); only routed, not sent
            found = str(probe.getsockname()[0])
        except OSError:
            return None
    return None if found.startswith("127.") or found == EVERYWHERE else found


def access_code(length: int = 6) -> str:
    import secrets

    return "".join(secrets.choice(CODE_LETTERS) for _ in range(length))


def qr_code(text: str) -> str:
    """`text` as a QR code drawn with block characters for a terminal."""
    import io

    import segno

    out = io.StringIO()
    segno.make(text, error="m").terminal(out=out, compact=True, border=2)
    return out.getvalue()


def announce(address: str, code: str) -> None:
    """What the lecturer reads out or projects: the students' address and its QR code,
    the lecturer's view and its access code."""
    typer.echo(f"trucesim classroom for the class: {address}")
    typer.echo("students: open that address on the same network, or scan this code")
    typer.echo(qr_code(address), nl=False)
    typer.echo(f"lecturer's view: {address}/lecturer  access code: {code}")
    typer.echo("(serving on the local network; Ctrl-C to stop)")
