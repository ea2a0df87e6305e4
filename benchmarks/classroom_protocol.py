"""A classroom session that speaks the page's own protocol, for the load test
(benchmarks/classroom_load.py --client protocol).

Streamlit's browser page and its server talk over one websocket (``/_stcore/stream``) in
protobuf messages: the page sends a ``BackMsg`` asking for a rerun with the state of
every widget it has changed, the server answers with ``ForwardMsg`` deltas (each element
drawn) and a ``script_finished``. This session sends those messages as the browser does
when a student flips the "Show results without a prediction" toggle and moves the
crisis-threshold slider, and reads the deltas as the browser would draw them, without
drawing anything: the time it measures is the server's.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

SKIP, THRESHOLD = "skip", "assume:crisis.threshold"  # the widgets' keys on the page
REFERENCE = 12.0  # base's crisis threshold; each move changes it by STEP
STEP = 0.2


def shown(value: float) -> str:
    """The page's words for the version at crisis threshold `value`."""
    if abs(value - REFERENCE) < 1e-9:
        return "the reference"
    return f"your version (crisis.threshold={value:.1f})"


def path(rng: random.Random, spread: int) -> Iterator[tuple[int, float]]:
    """A student's moves: (+1 or -1 steps, the new value), a random walk that never goes
    more than `spread` steps from the reference."""
    k = 0
    while True:
        step = rng.choice([-1, 1]) if abs(k) < spread else -k // abs(k)
        k += step
        yield step, REFERENCE + STEP * k


async def paced(seed: int, args: argparse.Namespace, duration: float
                ) -> AsyncIterator[tuple[int, float]]:
    """A student's moves (as :func:`path`) for `duration` seconds: the first after up to
    one pause (students do not move in step), then one every pause or so."""
    rng = random.Random(seed)
    stop = time.monotonic() + duration
    await asyncio.sleep(rng.uniform(0, args.pause))
    for move in path(rng, args.spread):
        if time.monotonic() >= stop:
            return
        yield move
        await asyncio.sleep(rng.uniform(0.5 * args.pause, 1.5 * args.pause))


def rerun(states: dict[str, bool | float]) -> bytes:
    """A request to rerun the page with these widgets (by id) set: a toggle's value, or a
    float slider's."""
    msg = BackMsg()
    msg.rerun_script.query_string = ""
    msg.rerun_script.page_script_hash = ""
    for wid, value in states.items():
        w = msg.rerun_script.widget_states.widgets.add()
        w.id = wid
        if isinstance(value, bool):
            w.bool_value = value
        else:
            w.double_array_value.data.append(value)
    return msg.SerializeToString()


async def until(ws: Any, text: str | None) -> tuple[bytes, dict[str, str]]:
    """Read the server's messages until one draws `text` (or, for None, until the run
    finishes); that message, and the ids of the widgets drawn meanwhile by key."""
    ids: dict[str, str] = {}
    wanted = None if text is None else text.encode()
    while True:
        data = await ws.recv()
        if wanted is not None and wanted in data:
            return data, ids
        msg = ForwardMsg()
        msg.ParseFromString(data)
        kind = msg.WhichOneof("type")
        if kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            element = msg.delta.new_element
            widget = getattr(element, element.WhichOneof("type") or "", None)
            wid = getattr(widget, "id", "")
            if wid:
                ids[wid.rsplit("-", 1)[-1]] = wid  # "$$ID-<hash>-<key>"
        elif kind == "script_finished" and wanted is None:
            return data, ids


async def student(url: str, args: argparse.Namespace, seed: int, duration: float,
                  moves: list[tuple[float, bool]]) -> None:
    """One student: the page opened, results without a prediction, then a move every
    few seconds for `duration` seconds; each move's time and whether the page said its
    runs were kept from before."""
    address = url.replace("http://", "ws://", 1) + "/_stcore/stream"
    assert address.startswith("ws://127.0.0.1:"), address  # loopback only
    async with websockets.connect(address, subprotocols=["streamlit"],
                                  max_size=None) as ws:
        await ws.send(rerun({}))
        _, ids = await until(ws, None)
        skip, slider = ids[SKIP], ids[THRESHOLD]
        await ws.send(rerun({skip: True}))
        await until(ws, f"runs of {shown(REFERENCE)} took")
        async for _, value in paced(seed, args, duration):
            t0 = time.monotonic()
            await ws.send(rerun({skip: True, slider: round(value, 1)}))
            done, _ = await until(ws, f"runs of {shown(value)} took")
            moves.append((time.monotonic() - t0, b"kept from before" in done))
