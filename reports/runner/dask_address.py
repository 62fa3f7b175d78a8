"""A Dask scheduler's address, checked with a plain socket before Dask reads a byte from it.

Dask's client gives up on a connection only before the handshake: once a socket is open it waits for
the scheduler's first message without a deadline and reads whatever arrives as its own protocol. An
HTTP server (the dashboard's port, say) then keeps it waiting forever, and a proxy's "HTTP/1.1 400"
is read as the length of a message of exabytes. So the address is first tried with a plain socket:
a Dask scheduler speaks first on a new connection, with a handshake that names its compression and
Python version, and anything else is named and refused before Dask reads a byte of it.

Results come back through Dask's own protocol, which unpickles what the workers send: the scheduler
and the workers must be machines you trust.
"""

import socket
import struct
import time

CONNECT_SECONDS = 10  # to open the connection and hear the scheduler's handshake
# tls:// works with Dask's TLS settings (certificates in its configuration); the other schemes Dask
# knows (ucx://, inproc://, ws://) need libraries or a process this command does not have.
SCHEMES = ("tcp", "tls")
DEFAULT_PORT = 8786
HANDSHAKE_MARKS = (b"compression", b"python")  # keys of the handshake a Dask scheduler sends first


class ClusterError(Exception):
    """The cluster cannot be used; the message names the address and the problem."""


def parse_address(address):
    """(scheme, host, port) of a scheduler address `scheme://host:port` (tcp:// if no scheme is
    given), or a ClusterError naming it."""
    scheme, separator, location = address.strip().partition("://")
    if not separator:
        scheme, location = "tcp", address.strip()
    if scheme not in SCHEMES:
        raise ClusterError(f"Dask scheduler {address!r}: the {scheme}:// protocol is not supported here; "
                         f"give tcp://host:port (or tls://host:port with Dask's TLS settings)")
    host, colon, port = location.rpartition(":")
    if not colon:
        host, port = location, str(DEFAULT_PORT)
    host = host.strip("[]")  # an IPv6 address is written in brackets
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ClusterError(f"Dask scheduler {address!r}: not an address of the form {scheme}://host:port")
    return scheme, host, int(port)


def _receive(sock, n, deadline):
    """Up to `n` bytes, fewer if the peer closes; None if it says nothing before `deadline`."""
    data = b""
    while len(data) < n:
        sock.settimeout(max(deadline - time.monotonic(), 0.01))
        try:
            chunk = sock.recv(n - len(data))
        except TimeoutError:
            return data or None
        if not chunk:
            break
        data += chunk
    return data


def _first_line(data):
    return data.split(b"\r\n")[0].decode("latin-1")[:60]


def _silent_peer(sock, seconds):
    """What listens at a socket that sent nothing: ask it an HTTP question and see."""
    try:
        sock.sendall(b"HEAD / HTTP/1.0\r\n\r\n")
        reply = _receive(sock, 64, time.monotonic() + min(seconds, 3))
    except OSError:
        reply = None
    if reply and reply.startswith(b"HTTP/"):
        return (f"an HTTP server answers there ({_first_line(reply)}), not a Dask scheduler: the dashboard's "
                f"port, perhaps? The scheduler itself listens on {DEFAULT_PORT} unless told otherwise")
    return f"something accepted the connection but sent nothing within {seconds:g} s: not a Dask scheduler"


def what_answers(host, port, speaks_first=True, seconds=CONNECT_SECONDS):
    """None if a Dask scheduler answers at host:port within `seconds`, else what does, in words.

    With `speaks_first` (plain tcp://) its handshake is read and recognised; over TLS only the
    connection is tried, since the handshake is encrypted.
    """
    deadline = time.monotonic() + seconds
    try:
        sock = socket.create_connection((host, port), timeout=seconds)
    except socket.gaierror as error:
        return f"unknown host {host!r} ({error.strerror})"
    except ConnectionRefusedError:
        return "nothing listens there (connection refused); is `dask scheduler` running, on that port?"
    except TimeoutError:
        return f"no answer within {seconds:g} s (a wrong host, or a firewall in the way?)"
    except OSError as error:
        return error.strerror or str(error)
    with sock:
        if not speaks_first:
            return None
        head = _receive(sock, 8, deadline)
        if head is None:
            return _silent_peer(sock, seconds)
        if head.startswith(b"HTTP/"):
            return f"an HTTP server or proxy answers there ({_first_line(head + _receive(sock, 56, deadline) or b'')})"
        if len(head) < 8:
            return "the connection was closed at once: not a Dask scheduler (or one refusing this client)"
        # A Dask message starts with its length (8 bytes, little-endian); a handshake is small.
        (length,) = struct.unpack("<Q", head)
        message = _receive(sock, length, deadline) if length < 1 << 16 else None
        if message and all(mark in message for mark in HANDSHAKE_MARKS):
            return None
        return f"it answers in a protocol that is not Dask's (it began with {head!r})"
