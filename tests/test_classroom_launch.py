"""`trucesim classroom` as a person runs it: a real server in a real process, stopped by
Ctrl-C (at a terminal, or SIGINT/SIGTERM sent to it) with exit code 0 and one line, no
server left behind; a port in use refused with exit code 2 before Streamlit starts."""

from __future__ import annotations

import http.server
import os
import pty
import select
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("streamlit")

SRC = Path(__file__).resolve().parents[1] / "src"
ENV = {**os.environ, "PYTHONPATH": f"{SRC}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
UP = 60  # seconds the server may take to answer


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def line(port: int) -> list[str]:
    return [sys.executable, "-m", "trucesim.cli", "classroom", "--port", str(port),
            "--no-browser", "--workers", "1"]


DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # no proxy


def answers(port: int) -> bool:
    try:
        with DIRECT.open(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as answer:
            return bool(answer.status == 200)
    except OSError:
        return False


def wait_until_answers(port: int, alive) -> None:
    deadline = time.monotonic() + UP
    while not answers(port):
        assert alive(), "the classroom ended before it answered"
        assert time.monotonic() < deadline, f"no answer on port {port} within {UP} s"
        time.sleep(0.2)


def servers_on(port: int) -> list[int]:
    """Processes whose command line serves `port` (the Streamlit server, if left)."""
    mine = f"--server.port={port}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if mine in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                pass
    return found


def port_is_free(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def assert_nothing_left(port: int, group: int) -> None:
    assert servers_on(port) == [], "a Streamlit server was left running"
    assert port_is_free(port)
    with pytest.raises(ProcessLookupError):
        os.killpg(group, 0)  # no process left in the command's group


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="looks for left processes in /proc")
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_stops_the_classroom_with_one_line_and_exit_code_0(signum):
    port = free_port()
    cli = subprocess.Popen(line(port), env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           start_new_session=True)
    try:
        wait_until_answers(port, lambda: cli.poll() is None)
        cli.send_signal(signum)
        out, err = cli.communicate(timeout=15)
    finally:
        if cli.poll() is None:
            os.killpg(cli.pid, signal.SIGKILL)
            cli.wait()
    text = out.decode() + err.decode()
    assert cli.returncode == 0, text
    assert "classroom stopped" in out.decode()
    assert "error" not in text.lower() and "Traceback" not in text, text
    assert_nothing_left(port, cli.pid)


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="looks for left processes in /proc")
def test_ctrl_c_at_a_terminal_stops_the_classroom_with_one_line_and_exit_code_0():
    """At a terminal, Ctrl-C reaches every process of the foreground group."""
    port = free_port()
    pid, terminal = pty.fork()
    if pid == 0:  # the child: the command, on the terminal
        try:
            os.execve(sys.executable, line(port), ENV)
        finally:
            os._exit(127)
    seen = b""

    def read(seconds: float) -> bool:
        """Read what the terminal shows for up to `seconds`; False once it is closed."""
        nonlocal seen
        ready, _, _ = select.select([terminal], [], [], seconds)
        if ready:
            try:
                chunk = os.read(terminal, 4096)
            except OSError:  # EIO: the command has ended
                return False
            seen += chunk
            return bool(chunk)
        return True

    try:
        deadline = time.monotonic() + UP
        while b"Ctrl-C to stop" not in seen:
            assert time.monotonic() < deadline and read(0.5), seen
        wait_until_answers(port, lambda: True)
        os.write(terminal, b"\x03")
        deadline = time.monotonic() + 15
        while read(0.5):
            assert time.monotonic() < deadline, seen
        _, status = os.waitpid(pid, 0)
    finally:
        try:
            os.killpg(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
        os.close(terminal)
    text = seen.decode(errors="replace")
    assert os.waitstatus_to_exitcode(status) == 0, text
    assert "classroom stopped" in text
    assert "error" not in text.lower() and "Traceback" not in text, text
    assert_nothing_left(port, pid)


class Answering(http.server.BaseHTTPRequestHandler):
    """Another server on the port, answering every request (as another classroom would)."""

    def do_GET(self) -> None:
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(params=["listening", "answering"])
def taken(request) -> Iterator[int]:
    """A port in use: a socket that only listens, or a server answering HTTP."""
    if request.param == "listening":
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            s.listen()
            yield int(s.getsockname()[1])
        return
    server = http.server.HTTPServer(("127.0.0.1", 0), Answering)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield int(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()


def test_a_port_in_use_is_refused_with_one_line_and_exit_code_2(taken):
    started = time.monotonic()
    result = subprocess.run(line(taken), env=ENV, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"error: port {taken} is in use; choose another with --port N"]
    assert time.monotonic() - started < 30
    assert servers_on(taken) == []


def test_a_port_taken_after_the_check_is_still_refused_with_one_line(monkeypatch):
    """Streamlit failing to bind (the port taken between the check and its bind): its own
    log line is replaced by trucesim's."""
    from typer.testing import CliRunner

    from trucesim.cli import app
    from trucesim.cli import classroom as cli

    monkeypatch.setattr(cli, "port_problem", lambda *where: None)  # the check saw it free
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = int(s.getsockname()[1])
        result = CliRunner().invoke(app, ["classroom", "--port", str(port), "--no-browser",
                                          "--workers", "1"])
    assert result.exit_code == 2, result.output
    assert result.output.splitlines() == [
        f"error: port {port} is in use; choose another with --port N"]
    assert servers_on(port) == []


def listening(port: int) -> set[str]:
    """The addresses a socket listens on at `port`, from the kernel's socket table
    (/proc/net/tcp and tcp6; state 0A is LISTEN)."""
    found = set()
    for table, size in (("/proc/net/tcp", 4), ("/proc/net/tcp6", 16)):
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            local, state = row.split()[1], row.split()[3]
            host, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:
                raw = bytes.fromhex(host)
                # the kernel prints each 32-bit word in host (little-endian) order
                words = b"".join(raw[k:k + 4][::-1] for k in range(0, size, 4))
                found.add(socket.inet_ntop(socket.AF_INET if size == 4 else socket.AF_INET6,
                                           words))
    return found


def test_the_socket_table_reader_reads_a_known_listener():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        assert listening(int(s.getsockname()[1])) == {"127.0.0.1"}


def serve(port: int, *flags: str) -> tuple[subprocess.Popen, list[str]]:
    """The command started with `flags`, its printed lines collected as they come."""
    cli = subprocess.Popen([*line(port), *flags], env=ENV, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, start_new_session=True)
    printed: list[str] = []
    assert cli.stdout is not None
    threading.Thread(target=lambda: printed.extend(cli.stdout), daemon=True).start()
    return cli, printed


def stop(cli: subprocess.Popen) -> None:
    if cli.poll() is None:
        cli.send_signal(signal.SIGTERM)
        try:
            cli.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(cli.pid, signal.SIGKILL)
            cli.wait()


def wait_for(printed: list[str], text: str, cli: subprocess.Popen) -> None:
    deadline = time.monotonic() + UP
    while not any(text in seen for seen in printed):
        assert cli.poll() is None, "".join(printed)
        assert time.monotonic() < deadline, "".join(printed)
        time.sleep(0.2)


@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="reads the socket table")
def test_without_class_mode_the_server_listens_on_127_0_0_1_only():
    port = free_port()
    cli, printed = serve(port)
    try:
        wait_for(printed, "Ctrl-C to stop", cli)
        assert listening(port) == {"127.0.0.1"}
        assert "this computer only" in "".join(printed)
    finally:
        stop(cli)


@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="reads the socket table")
def test_class_mode_serves_the_network_address_it_prints_with_a_code():
    """Every connection goes to 127.0.0.1: the server listens on every interface, so the
    printed network address is covered without sending it anything."""
    import re

    from trucesim.cli.lan import CODE_LETTERS, network_address

    if network_address() is None:
        pytest.skip("this machine has no network address")
    port = free_port()
    cli, printed = serve(port, "--class")
    try:
        wait_for(printed, "Ctrl-C to stop", cli)
        text = "".join(printed)
        shown = re.search(rf"for the class: http://([0-9.]+):{port}\n", text)
        assert shown, text
        address = shown.group(1)
        assert not address.startswith("127.")
        with socket.socket() as s:  # an address of this machine: it can be bound here
            s.bind((address, 0))
        assert listening(port) == {"0.0.0.0"}  # every interface, the printed one too
        code = re.search(rf"http://{re.escape(address)}:{port}/lecturer  access code: (\w+)",
                         text)
        assert code and len(code.group(1)) == 6 and set(code.group(1)) <= set(CODE_LETTERS)
        assert "█" in text  # the QR code, drawn in the terminal
        assert answers(port)  # and it answers on 127.0.0.1
        with DIRECT.open(f"http://127.0.0.1:{port}/lecturer", timeout=5) as page:
            assert page.status == 200
    finally:
        stop(cli)
    assert cli.returncode == 0, "".join(printed)
