"""The test servers' own helpers: a free port is free wherever `localhost` may lead, and a server
that does not come up is reported with what the last try got."""

from __future__ import annotations

import socket

import pytest

from conftest import free_port, wait_for_http


def test_a_port_taken_on_ipv6_loopback_alone_is_never_handed_out(monkeypatch):
    taken = socket.socket(socket.AF_INET6)
    try:
        taken.bind(("::1", 0))
    except OSError:
        pytest.skip("this machine has no IPv6 loopback")
    taken.listen()
    port = taken.getsockname()[1]
    offered = iter([port, port, free_port()])

    class FirstOffersTheTakenPort(socket.socket):
        def getsockname(self):
            return ("127.0.0.1", next(offered))

    import servers
    monkeypatch.setattr(servers.socket, "socket", FirstOffersTheTakenPort)
    try:
        assert servers.free_port() != port
    finally:
        taken.close()


def test_a_server_that_never_answers_200_is_reported_with_its_last_answer():
    with pytest.raises(TimeoutError, match=r"the last try got: .*Connection refused"):
        wait_for_http(f"http://localhost:{free_port()}/", 0.5)
