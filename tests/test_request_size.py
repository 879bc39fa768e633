"""A request body larger than MAX_CONTENT_LENGTH (1 MB) is refused before it is read.

The test speaks HTTP over a socket to a real server: it announces a 50 MB body and reads the
answer before sending any of it, as a server that waited for the body would never answer.
"""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

from tests.serving import serving

FIFTY_MB = 50 * 1024 * 1024


def announce_body(url: str, path: str, length: int) -> bytes:
    """Send only the headers of a POST with a body of `length` bytes; the whole answer."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as connection:
        connection.sendall(
            f"POST {path} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {length}\r\nConnection: close\r\n\r\n".encode()
        )
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    return answer


def test_a_fifty_megabyte_login_is_refused_with_the_friendly_page_before_it_is_sent(app):
    assert app.config["MAX_CONTENT_LENGTH"] == 1024 * 1024

    with serving(app) as url:
        answer = announce_body(url, "/login", FIFTY_MB)

    status_line, _, rest = answer.partition(b"\r\n")
    assert status_line.split()[1] == b"413"
    assert b"Too much data" in rest


def test_a_body_within_the_limit_is_read_as_usual(app, make_user):
    make_user()
    with app.test_client() as client:
        response = client.post("/login", data={"email": "pat@example.org",
                                               "password": "x" * (512 * 1024)})

    assert response.status_code == 200  # read, checked and refused as a wrong password
