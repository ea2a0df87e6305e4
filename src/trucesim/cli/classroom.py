"""`trucesim classroom`: the live what-if page for a class, served on this computer only,
or, with ``--class``, to the students on the local network.

Starts Streamlit (the optional extra `classroom`) on 127.0.0.1 (``--class``: on every
interface, with the machine's network address printed for the students, as text and a
QR code, and a short access code for the lecturer's view at /lecturer), headless, with its usage
statistics off and nothing read from a project's or the user's Streamlit settings that
could change that: every setting that matters is passed on the command line, and the
server runs in a temporary folder. Prints the address, opens the browser unless told
not to, and serves until the user stops it.

The server runs in a process group of its own, so that the command alone decides how it
stops: Ctrl-C or SIGTERM (counted, never raised, :func:`trucesim.run.interrupt.
stop_on_interrupt`) asks the whole group to stop, waits for it, kills what is left, and
ends with one line and exit code 0 (stopping a server is what the user asked for, not a
failure). A port in use is found before Streamlit starts (the same bind Streamlit
makes), and again if Streamlit fails to bind it anyway: one line, exit code 2.

Only typer and the standard library are imported at start-up.
"""

from __future__ import annotations

import errno
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import IO, Annotated

import typer

from trucesim.cli.lan import EVERYWHERE, access_code, announce, network_address
from trucesim.cli.options import DEFAULT_SEED, SeedOption, WorkersOption, fail, load_all

ADDRESS = "127.0.0.1"
# what the server is told, whatever any config file says
SETTINGS = {
    "server.headless": "true",  # no browser opened by Streamlit, no e-mail prompt
    "browser.gatherUsageStats": "false",  # no telemetry
    "server.fileWatcherType": "none",
    "server.runOnSave": "false",
    "global.developmentMode": "false",
    "client.toolbarMode": "viewer",
    "client.showErrorDetails": "false",
    "logger.level": "warning",
    "theme.base": "light",
    "server.disconnectedSessionTTL": "60",  # a closed tab's session is freed after 60 s
    # no full collection after every rerun: with 30 students it took half the server's
    # time (benchmarks/classroom_load.py); Python's own collections still run
    "runner.postScriptGC": "false",
}
POSIX = os.name == "posix"
GRACE = 10.0  # seconds the server has to stop after SIGTERM before it is killed
START = 90  # seconds it may take to answer
KILL = getattr(signal, "SIGKILL", signal.SIGTERM)  # Windows has no SIGKILL
# the health check goes straight to 127.0.0.1, never through a proxy of the environment
DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def command(port: int, shared: str | None = None) -> list[str]:
    """The Streamlit command line that serves the page on 127.0.0.1:`port`, or in class
    mode (`shared`: the network address) on every interface with the lecturer's view.
    Streamlit is told the address the students use, so that it accepts their pages
    without looking up an external address on the internet (its headless default)."""
    import importlib.util

    app = "classapp" if shared else "classroom"
    spec = importlib.util.find_spec(f"trucesim.teaching.{app}")
    assert spec is not None and spec.origin is not None
    flags = [f"--{key}={value}" for key, value in SETTINGS.items()]
    return [sys.executable, "-m", "streamlit", "run", spec.origin, *flags,
            f"--server.address={EVERYWHERE if shared else ADDRESS}", f"--server.port={port}",
            *([f"--browser.serverAddress={shared}"] if shared else [])]


def port_problem(port: int, address: str = ADDRESS) -> str | None:
    """Why Streamlit could not listen on `address`:`port`, or None if it can: the bind it
    makes (SO_REUSEADDR outside Windows, so a port a stopped server left in TIME_WAIT is
    free)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        if POSIX:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((address, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return f"port {port} is in use; choose another with --port N"
            if exc.errno == errno.EACCES:
                return f"port {port} cannot be used here; choose another with --port N"
            return None  # something else: Streamlit reports it
    return None


class Server:
    """The Streamlit server, in a process group (a session) of its own. Its warnings and
    errors (stderr) are passed on, except its line about a port in use, which is
    remembered and reported as trucesim's own."""

    def __init__(self, port: int, env: dict[str, str], folder: str,
                 shared: str | None = None) -> None:
        # Streamlit's own banner (stdout) is replaced by the command's line
        self.process = subprocess.Popen(command(port, shared), env=env, cwd=folder,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                        start_new_session=POSIX)
        self.port_taken = False
        taken = re.compile(rf"Port {port} is not available\s*$")
        assert self.process.stderr is not None
        self._relay = threading.Thread(target=self._pass_on, daemon=True,
                                       args=(self.process.stderr, taken))
        self._relay.start()

    def _pass_on(self, stream: IO[bytes], taken: re.Pattern[str]) -> None:
        for raw in stream:
            line = raw.decode(errors="replace")
            if taken.search(line):
                self.port_taken = True
            else:
                sys.stderr.write(line)
                sys.stderr.flush()

    @property
    def running(self) -> bool:
        """The server has not ended. Where waitid can, it is left unreaped (reaped by
        :meth:`stop`), so that its group id stays its own until the group is killed."""
        if POSIX and hasattr(os, "waitid"):
            try:
                ended = os.waitid(os.P_PID, self.process.pid,
                                  os.WEXITED | os.WNOHANG | os.WNOWAIT)
            except ChildProcessError:  # already reaped
                return False
            return ended is None
        return self.process.poll() is None

    def wait_until_up(self, url: str, stopping: Callable[[], bool],
                      seconds: float = START) -> bool:
        """True once the server answers; False if it ended, the user stopped, or it took
        longer than `seconds`."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and self.running and not stopping():
            try:
                with DIRECT.open(f"{url}/_stcore/health", timeout=1) as answer:
                    if answer.status == 200:
                        return self.running
            except OSError:
                time.sleep(0.2)
        return False

    def _signal(self, signum: int) -> None:
        """Send `signum` to the server's whole group (its workers too)."""
        try:
            if POSIX:
                os.killpg(self.process.pid, signum)
            elif self.process.poll() is None:
                self.process.send_signal(signum)  # Windows: SIGTERM and SIGKILL terminate
        except (ProcessLookupError, PermissionError):
            pass  # the group has already ended

    def stop(self, hurry: Callable[[], bool]) -> None:
        """Stop the server and everything in its group: SIGTERM, then SIGKILL after
        GRACE seconds, or at once if `hurry()` (the user pressed Ctrl-C again). The
        process is reaped only after that (see :attr:`running`)."""
        if self.running:
            self._signal(signal.SIGTERM)
            deadline = time.monotonic() + GRACE
            while self.running and time.monotonic() < deadline and not hurry():
                time.sleep(0.05)
        self._signal(KILL)  # anything left in the group
        self.process.wait()
        self._relay.join(2)


def classroom(
    path: Annotated[Path, typer.Argument(help="Scenario TOML file: the reference the class "
                                              "starts from.", show_default=True,
                                              metavar="[SCENARIO]")]
    = Path("scenarios/base.toml"),
    port: Annotated[int, typer.Option("--port", "-p", min=1, max=65535, metavar="PORT",
                                      help="Port to serve on.")] = 8501,
    lan: Annotated[bool, typer.Option(
        "--class", "--lan", help="Serve the students on this computer's network address "
        "(printed, with a QR code) and the lecturer's view at /lecturer with an access "
        "code. Without it, this computer only.")] = False,
    no_browser: Annotated[bool, typer.Option(
        "--no-browser", help="Do not open a browser; only print the address.")] = False,
    replications: Annotated[int, typer.Option(
        "--replications", "-n", metavar="N", help="Runs of each version (the page can change "
        "it: 200, 500, 1000, 2000 or 5000).")] = 1000,
    seed: SeedOption = DEFAULT_SEED,
    workers: WorkersOption = 0,
) -> None:
    """Serve the classroom page: move the deal's terms, predict, and compare the outcomes
    with the reference (needs the 'classroom' extra). With --class, the students on the
    local network can connect and the lecturer sees the class's predictions. Ctrl-C (or
    SIGTERM) stops the server and ends with exit code 0; a port in use ends with exit
    code 2 before anything starts."""
    load_all([path], None)  # a bad file is reported here, not on the page
    if replications not in (200, 500, 1000, 2000, 5000):
        fail("--replications must be 200, 500, 1000, 2000 or 5000")
    import importlib.util

    if importlib.util.find_spec("streamlit") is None:
        fail("the classroom needs the 'classroom' extra: pip install -e '.[classroom]'", 1)
    shared = network_address() if lan else None
    if lan and shared is None:
        fail("--class needs a network: this computer has no address other than 127.0.0.1")
    if lan and importlib.util.find_spec("segno") is None:
        fail("--class needs the 'classroom' extra (segno): pip install -e '.[classroom]'", 1)
    listen = EVERYWHERE if lan else ADDRESS
    problem = port_problem(port, listen)
    if problem:
        fail(problem)
    secret = access_code() if lan else ""
    from trucesim.run import interrupt

    env = {**os.environ, "TRUCESIM_CLASSROOM_SCENARIO": str(path.resolve()),
           "TRUCESIM_CLASSROOM_REPLICATIONS": str(replications),
           "TRUCESIM_CLASSROOM_SEED": str(seed), "TRUCESIM_CLASSROOM_WORKERS": str(workers),
           "TRUCESIM_CLASSROOM_CODE": secret,
           "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    url = f"http://{ADDRESS}:{port}"  # checked and opened here, never the network address
    with (tempfile.TemporaryDirectory(prefix="trucesim-classroom-") as folder,
          interrupt.stop_on_interrupt() as stop):
        server = Server(port, env, folder, shared)
        try:
            up = server.wait_until_up(url, lambda: stop.requested)
            if up and not stop.requested:
                if shared:
                    announce(f"http://{shared}:{port}", secret)
                else:
                    typer.echo(f"trucesim classroom: {url}  (this computer only; "
                               "Ctrl-C to stop)")
                if not no_browser:
                    import webbrowser

                    webbrowser.open(url)
                while server.running and not stop.requested:
                    time.sleep(0.2)
        finally:  # whatever happened: no server left behind
            ended = not server.running  # by itself, before being asked to
            server.stop(lambda: stop.presses >= 2)
        if stop.requested:
            if sys.stdout.isatty():
                typer.echo()  # below the terminal's ^C
            typer.echo("classroom stopped")
            return
        if server.port_taken:  # taken between the check and Streamlit's bind
            fail(port_problem(port, listen)
                 or f"port {port} is in use; choose another with --port N")
        code = server.process.returncode
        if not up:
            fail(f"the classroom server did not start (exit code {code})" if ended else
                 f"the classroom server did not answer within {START} s", 1)
        if code:
            fail(f"the classroom server stopped with exit code {code}", 1)
        typer.echo("classroom stopped")

