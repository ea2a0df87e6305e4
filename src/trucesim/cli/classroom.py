"""`trucesim classroom`: the live what-if page for a class, served on this computer only.

Starts Streamlit (the optional extra `classroom`) on 127.0.0.1, headless, with its usage
statistics off and nothing read from a project's or the user's Streamlit settings that
could change that: every setting that matters is passed on the command line, and the
server runs in a temporary folder. Prints the address, opens the browser unless told
not to, and stops the server on Ctrl-C.

Only typer and the standard library are imported at start-up.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Annotated

import typer

from trucesim.cli.options import DEFAULT_SEED, SeedOption, WorkersOption, fail, load_all

# what the server is told, whatever any config file says
SETTINGS = {
    "server.address": "127.0.0.1",  # this computer only
    "server.headless": "true",  # no browser opened by Streamlit, no e-mail prompt
    "browser.gatherUsageStats": "false",  # no telemetry
    "server.fileWatcherType": "none",
    "server.runOnSave": "false",
    "global.developmentMode": "false",
    "client.toolbarMode": "viewer",
    "client.showErrorDetails": "false",
    "logger.level": "warning",
    "theme.base": "light",
}


def command(port: int) -> list[str]:
    """The Streamlit command line that serves the page on 127.0.0.1:`port`."""
    import importlib.util

    spec = importlib.util.find_spec("trucesim.teaching.classroom")
    assert spec is not None and spec.origin is not None
    flags = [f"--{key}={value}" for key, value in SETTINGS.items()]
    return [sys.executable, "-m", "streamlit", "run", spec.origin, *flags,
            f"--server.port={port}"]


def wait_until_up(url: str, server: subprocess.Popen[bytes], seconds: float = 90) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                if answer.status == 200:
                    return True
        except OSError:
            time.sleep(0.3)
    return False


def classroom(
    path: Annotated[Path, typer.Argument(help="Scenario TOML file: the reference the class "
                                              "starts from.", show_default=True,
                                              metavar="[SCENARIO]")]
    = Path("scenarios/base.toml"),
    port: Annotated[int, typer.Option("--port", "-p", min=1, max=65535, metavar="PORT",
                                      help="Port on 127.0.0.1.")] = 8501,
    no_browser: Annotated[bool, typer.Option(
        "--no-browser", help="Do not open a browser; only print the address.")] = False,
    replications: Annotated[int, typer.Option(
        "--replications", "-n", metavar="N", help="Runs of each version (the page can change "
        "it: 200, 500, 1000, 2000 or 5000).")] = 1000,
    seed: SeedOption = DEFAULT_SEED,
    workers: WorkersOption = 0,
) -> None:
    """Serve the classroom page: move the deal's terms, predict, and compare the outcomes
    with the reference (needs the 'classroom' extra)."""
    load_all([path], None)  # a bad file is reported here, not on the page
    if replications not in (200, 500, 1000, 2000, 5000):
        fail("--replications must be 200, 500, 1000, 2000 or 5000")
    import importlib.util

    if importlib.util.find_spec("streamlit") is None:
        fail("the classroom needs the 'classroom' extra: pip install -e '.[classroom]'", 1)
    env = {**os.environ, "TRUCESIM_CLASSROOM_SCENARIO": str(path.resolve()),
           "TRUCESIM_CLASSROOM_REPLICATIONS": str(replications),
           "TRUCESIM_CLASSROOM_SEED": str(seed), "TRUCESIM_CLASSROOM_WORKERS": str(workers),
           "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="trucesim-classroom-") as folder:
        # Streamlit's own banner (stdout) is replaced by the line below; its warnings and
        # errors (stderr) still show
        server = subprocess.Popen(command(port), env=env, cwd=folder,
                                  stdout=subprocess.DEVNULL)
        try:
            if not wait_until_up(url, server):
                server.terminate()
                fail(f"the classroom server did not start (is port {port} in use? try "
                     "--port)", 1)
            typer.echo(f"trucesim classroom: {url}  (this computer only; Ctrl-C to stop)")
            if not no_browser:
                import webbrowser

                webbrowser.open(url)
            server.wait()
        except KeyboardInterrupt:
            pass
        finally:
            if server.poll() is None:
                server.terminate()
                try:
                    server.wait(10)
                except subprocess.TimeoutExpired:
                    server.kill()
