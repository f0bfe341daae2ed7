"""Asking the checkout's warm server to run a command (standard library only, loaded by every step).

:func:`run` is what ``python -m tieval run`` calls first: it connects to the server of this
checkout, interpreter and environment (starting one when there is none), hands it the
command line, working directory, environment and its own stdin, stdout and stderr, relays
SIGINT, SIGTERM and SIGHUP to the forked worker, and returns the worker's exit status.  It
returns ``None`` (the caller then runs the command itself) when serving is off
(``TIEVAL_WARM=0``), not possible on this system, or refused by the server.

The server's address is an abstract Unix socket (Linux; no file to leave behind or to outgrow
the 108-byte path limit) named from the user, the working directory, the interpreter and the
environment, less the variables that change between builds without changing what a process
imports (:data:`VOLATILE`).  A build with other settings (``PYTHONHASHSEED``, ``MPLBACKEND``,
another virtual environment) therefore gets a server of its own.

Messages are one JSON object per line; file descriptors travel with a message as ancillary
data (``SCM_RIGHTS``).  :class:`Channel` is the one reader and writer of both sides.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import time

__all__ = [
    "IDLE_SECONDS",
    "VOLATILE",
    "Channel",
    "address",
    "connect",
    "enabled",
    "run",
    "served_kernel_manager",
    "servers",
    "status",
    "stop",
]

#: Seconds a server waits for the next request before it exits.  A build's steps follow each other
#: within a second or two; the next build of an edit made within this time starts warm.
IDLE_SECONDS = 20.0

#: Seconds a client waits for a server it started to listen (the server imports ~1.5 s of libraries).
START_SECONDS = 30.0

#: Environment variables left out of the server's name: they differ between two builds of the same
#: checkout, and nothing the server imports reads them (make's own, the shell's, and the runner's
#: ``TIEVAL_ROOT``, which it sets itself for each kernel).
VOLATILE = frozenset(
    {
        "MAKEFLAGS",
        "MFLAGS",
        "MAKELEVEL",
        "MAKEOVERRIDES",
        "MAKE_TERMOUT",
        "MAKE_TERMERR",
        "MAKE_RESTARTS",
        "OLDPWD",
        "PWD",
        "SHLVL",
        "_",
        "TIEVAL_ROOT",
        "PYTEST_CURRENT_TEST",
    }
)

#: Set in a worker's environment: the address of the server it was forked from (its kernels come
#: from there; a command run inside a worker is never sent to a server again).
WORKER_VARIABLE = "TIEVAL_WARM_SERVER"

PROTOCOL = 1


def enabled(env=None) -> bool:
    """Whether commands may be served: on Linux (abstract sockets, fork), not inside a worker, and
    unless ``TIEVAL_WARM=0``."""
    env = os.environ if env is None else env
    return (
        sys.platform.startswith("linux")
        and hasattr(socket, "send_fds")
        and env.get("TIEVAL_WARM", "1") != "0"
        and WORKER_VARIABLE not in env
    )


def address(cwd: str | None = None, env=None, executable: str | None = None) -> str:
    """The abstract socket name of the server for ``cwd``, ``env`` and ``executable`` (defaults: this
    process's): ``\\0tieval-warm-<16 hex digits>``."""
    env = os.environ if env is None else env
    key = {
        "protocol": PROTOCOL,
        "uid": os.getuid(),
        "cwd": os.path.realpath(cwd or os.getcwd()),
        "python": os.path.realpath(executable or sys.executable),
        "env": sorted((k, v) for k, v in env.items() if k not in VOLATILE),
    }
    digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:16]
    return f"\0tieval-warm-{digest}"


class Channel:
    """One end of a connection: :meth:`send` and :meth:`receive` JSON lines, with descriptors."""

    def __init__(self, sock: socket.socket):
        self.sock = sock
        self._buffer = b""
        self._fds: list[int] = []

    def send(self, message: dict, fds=()) -> None:
        """Send ``message`` as one line, with the descriptors ``fds`` attached to it."""
        data = json.dumps(message).encode() + b"\n"
        if fds:
            sent = socket.send_fds(self.sock, [data], list(fds))
            data = data[sent:]
        if data:
            self.sock.sendall(data)

    def receive(self) -> tuple[dict | None, list[int]]:
        """The next message and the descriptors that came with it; ``(None, [])`` when the other end
        closed the connection first."""
        while b"\n" not in self._buffer:
            chunk, fds, _flags, _addr = socket.recv_fds(self.sock, 1 << 16, 8)
            self._fds.extend(fds)
            if not chunk:
                return None, []
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        fds, self._fds = self._fds, []
        return json.loads(line), fds

    def close(self) -> None:
        """Close the connection (and any descriptor received but not taken)."""
        for fd in self._fds:
            with contextlib.suppress(OSError):
                os.close(fd)
        self._fds = []
        self.sock.close()


def connect(name: str, timeout: float | None = None) -> Channel | None:
    """A channel to the server listening at ``name``, or ``None`` when none listens there."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.settimeout(timeout)
        sock.connect(name)
    except OSError:
        sock.close()
        return None
    sock.settimeout(None)
    return Channel(sock)


def _start(name: str) -> Channel | None:
    """Start a server for this process's directory and environment and connect to it; ``None`` when
    it did not come up (another one that started at the same moment is used instead)."""
    with open(os.devnull, "r+b") as null:
        server = subprocess.Popen(
            [sys.executable, "-m", "tieval.warm.server", name[1:]],
            stdin=null,
            stdout=null,
            stderr=null,
            start_new_session=True,  # make's signals and the terminal's Ctrl-C reach the client only
            close_fds=True,
        )
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        channel = connect(name)
        if channel is not None:
            return channel
        if server.poll() is not None:  # it exited: another server took the name first, or it failed
            return connect(name)
        time.sleep(0.02)
    return None


def run(argv: list[str]) -> int | None:
    """Run ``python -m tieval`` with ``argv`` in the warm server; its exit status, or ``None`` when the
    command was not served (the caller runs it itself).  See the module notes."""
    if not enabled():
        return None
    name = address()
    for attempt in range(2):
        channel = connect(name) or _start(name)
        if channel is None:
            return None
        status = _served(channel, argv)
        if status is not None or attempt:
            return status
        # refused: a server that saw a changed file is exiting (the next one imports it anew); one that
        # could not fork refuses again, and the caller runs the command itself
    return None


def _served(channel: Channel, argv: list[str]) -> int | None:
    request = {"op": "run", "argv": argv, "cwd": os.getcwd(), "env": dict(os.environ)}
    try:
        channel.send(request, fds=(0, 1, 2))
        reply, _ = channel.receive()
    except OSError:
        channel.close()
        return None
    if not reply or "pid" not in reply:
        channel.close()
        return None
    pid = reply["pid"]
    relayed = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)

    def relay(signum, _frame):
        with contextlib.suppress(OSError):
            os.kill(pid, signum)

    previous = {s: signal.signal(s, relay) for s in relayed}
    try:
        while True:
            try:
                reply, _ = channel.receive()
                break
            except InterruptedError:
                continue
    except OSError:
        reply = None
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        channel.close()
    if reply is None or "status" not in reply:  # the server died: its worker must not write on alone
        with contextlib.suppress(OSError):
            os.killpg(pid, signal.SIGKILL)
        print(
            f"error: the warm runner (tieval.warm) stopped before `{' '.join(argv)}` finished: run it again "
            "(TIEVAL_WARM=0 runs each step in its own process)",
            file=sys.stderr,
        )
        return 1
    status = reply["status"]
    if status < 0:  # the worker was killed by a signal: end the same way, as a process of our own would
        signal.signal(-status, signal.SIG_DFL)
        os.kill(os.getpid(), -status)
        return 128 - status
    return status


def served_kernel_manager() -> str | None:
    """In a worker of the warm server, the dotted name of the kernel manager that asks the server for
    a forked kernel (:class:`tieval.warm.kernel.ServedKernelManager`); ``None`` anywhere else."""
    return "tieval.warm.kernel.ServedKernelManager" if os.environ.get(WORKER_VARIABLE) else None


def _ask(name: str, message: dict, timeout: float | None = None) -> tuple[bool, dict | None]:
    """Send ``message`` to the server at ``name``: whether one listened there, and its one answer
    (``None`` when it closed the connection first)."""
    channel = connect(name, timeout=timeout)
    if channel is None:
        return False, None
    try:
        channel.send(message)
        reply, _ = channel.receive()
    except OSError:
        reply = None
    finally:
        channel.close()
    return True, reply


def status(name: str) -> dict | None:
    """``{"pid", "children", "folder"}`` of the server listening at ``name`` (its process id, the number
    of children running, its working directory), or ``None`` when none listens there."""
    return _ask(name, {"op": "status"}, timeout=5.0)[1]


def servers(cwd: str | None = None) -> dict[str, dict]:
    """The servers of the folder ``cwd`` (default: this process's), whatever their environment:
    ``{name: status}``, found among the abstract sockets listed in ``/proc/net/unix``."""
    folder = os.path.realpath(cwd or os.getcwd())
    try:
        with open("/proc/net/unix", encoding="ascii", errors="replace") as table:
            names = {line.split()[-1] for line in table if line.rstrip().split()[-1].startswith("@tieval-warm-")}
    except OSError:
        return {}
    found = {}
    for name in sorted(names):
        state = status("\0" + name[1:])
        if state is not None and state.get("folder") == folder:
            found["\0" + name[1:]] = state
    return found


def stop(name: str) -> bool:
    """Ask the server at ``name`` to stop listening and wait until its last child has exited; whether
    one was listening there."""
    return _ask(name, {"op": "stop"})[0]
