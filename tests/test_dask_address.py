"""Connecting to a Dask scheduler: every address that is not one fails within the deadline, in one
line naming the address and what answered there."""

import http.server
import socket
import threading
import time

import pytest

from reports.runner.dask_address import ClusterError, parse_address
from reports.runner.executors import connect
from tests.deadlines import scaled

DEADLINE = 2  # seconds given to each connection attempt here


def serve(handler_class):
    """A server on a free loopback port, in a thread; yields its port."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler_class)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server


@pytest.fixture
def http_server():
    server = serve(http.server.SimpleHTTPRequestHandler)
    yield server.server_address[1]
    server.shutdown()


def answering(reply, linger=0.0):
    """A loopback server that sends `reply` to every connection at once, before any request, and keeps
    the connection open `linger` seconds; yields its port."""
    listener = socket.create_server(("127.0.0.1", 0))

    def answer():
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with conn:
                try:
                    conn.sendall(reply)
                    time.sleep(linger)
                except OSError:
                    pass

    threading.Thread(target=answer, daemon=True).start()
    yield listener.getsockname()[1]
    listener.close()


@pytest.fixture
def rude_proxy():
    """A server that answers every connection at once with an HTTP 400, before any request."""
    yield from answering(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fails_fast(address, message):
    start = time.monotonic()
    with pytest.raises(ClusterError, match=message) as caught:
        connect(address, seconds=DEADLINE)
    # It gave up instead of hanging: the deadline is part of the contract (a busy machine is allowed longer).
    assert time.monotonic() - start < scaled(DEADLINE + 5)
    assert "\n" not in str(caught.value) and address in str(caught.value)


def test_an_http_server_is_named_within_the_deadline(http_server):
    fails_fast(f"tcp://127.0.0.1:{http_server}", r"an HTTP server answers there \(HTTP/1.0 200 OK\), not a Dask")


def test_a_server_that_speaks_http_first_is_named(rude_proxy):
    fails_fast(f"tcp://127.0.0.1:{rude_proxy}", r"an HTTP server or proxy answers there \(HTTP/1.1 400 Bad Request\)")


def test_a_port_where_nothing_listens_is_named():
    fails_fast(f"tcp://127.0.0.1:{free_port()}", "nothing listens there")


@pytest.mark.parametrize("address, message", [
    ("ucx://127.0.0.1:8786", "the ucx:// protocol is not supported here"),
    ("inproc://127.0.0.1/1/2", "the inproc:// protocol is not supported"),
    ("tcp://127.0.0.1:port", "not an address of the form tcp://host:port"),
    ("tcp://:8786", "not an address of the form"),
])
def test_addresses_dask_cannot_use_here_are_refused_up_front(address, message):
    with pytest.raises(ClusterError, match=message):
        parse_address(address)


def test_an_address_without_a_scheme_or_port_is_dasks_default():
    assert parse_address("tcp://[::1]:8786") == ("tcp", "::1", 8786)
    assert parse_address("scheduler.example") == ("tcp", "scheduler.example", 8786)


def test_a_real_scheduler_is_recognised():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=1, processes=False, protocol="tcp", host="127.0.0.1",
                                  dashboard_address=":0") as cluster:
        with connect(cluster.scheduler_address, seconds=scaled(10)) as client:  # a real one: time to answer
            assert client.scheduler_info()["address"] == cluster.scheduler_address


@pytest.fixture
def impostor():
    """A server that sends what looks like a Dask handshake (a length, then the keys a real one holds),
    then garbage: it passes the socket check and fails inside Dask's own protocol."""
    handshake = b"\x81\xa1op\xa9handshake compression python pickle-protocol"
    yield from answering(len(handshake).to_bytes(8, "little") + handshake + b"\xff" * 64, linger=1)


def test_a_server_that_imitates_the_handshake_is_one_line_within_the_deadline(impostor):
    pytest.importorskip("distributed")
    start = time.monotonic()
    with pytest.raises(ClusterError) as caught:
        connect(f"tcp://127.0.0.1:{impostor}", seconds=DEADLINE)
    assert f"cannot use tcp://127.0.0.1:{impostor} as a Dask scheduler" in str(caught.value)
    assert "\n" not in str(caught.value) and time.monotonic() - start < scaled(6 * DEADLINE)


def test_a_cluster_lost_while_the_data_is_sent_is_one_line():
    from reports.runner.executors import DaskPool

    class Gone:
        def scatter(self, *args, **kwargs):
            raise OSError("Timed out trying to connect to tcp://127.0.0.1:8786 after 10 s:\nin <TCP ...>")

    pool = object.__new__(DaskPool)  # connected, then the scheduler went away
    pool.address, pool.client, pool.data, pool._data = "tcp://127.0.0.1:8786", Gone(), "the data", None
    with pytest.raises(ClusterError, match=r"^the Dask cluster at tcp://127.0.0.1:8786 was lost while the data was "
                                           r"sent \(OSError: Timed out .* in <TCP ...>\); check it") as caught:
        pool.dataset()
    assert "\n" not in str(caught.value)


def test_a_command_on_a_cluster_loads_the_data_once_and_sends_that_copy(monkeypatch):
    from types import SimpleNamespace

    from reports.runner import executors

    loads, sent = [], []

    def load_mnist(repair):
        loads.append(repair)
        return f"the data, load {len(loads)}"

    class Scattered:
        status = "lost"  # as if the cluster lost it: dataset() sends it again

    class Client:
        def nthreads(self):
            return {"tcp://127.0.0.1:1": 2}

        def scatter(self, data, **kwargs):
            sent.append(data)
            return Scattered()

    monkeypatch.setattr("data.load_mnist", load_mnist)
    monkeypatch.setattr(executors, "connect", lambda address: Client())
    monkeypatch.setattr(executors, "send_code", lambda client, experiments: None)
    pool = executors.executor_for(SimpleNamespace(scheduler="tcp://127.0.0.1:8786", experiments=[], jobs=2))
    pool.dataset(), pool.dataset()
    assert loads == [True] and sent == ["the data, load 1"] * 2  # verified (and repaired) once, then only sent
