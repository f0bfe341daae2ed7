"""The warm server: imports the pipeline once, then forks a worker per step and a kernel per notebook.

Started by :func:`tieval.warm.client.run` as ``python -m tieval.warm.server NAME`` in its own
session, with the first client's working directory and environment.  In order:

1. it records the modification time and size of every file of the package (modules, templates,
   style sheets) and of every folder on ``sys.path`` (:func:`fingerprint`), *before* importing
   anything;
2. it imports the runner's libraries (:data:`RUNNER_MODULES`) and the kernels' libraries
   (:data:`KERNEL_MODULES`), with ``MPLBACKEND`` set as ipykernel sets it, since matplotlib
   reads it at import.  pyplot and the inline backend are not imported: they register with
   the kernel's shell, which exists only in a kernel;
3. it listens on the abstract socket ``NAME`` (when another server took the name first it
   exits) and serves, one request per connection, to processes of its own user only (an
   abstract socket has no file permissions; the peer's credentials are checked):

   - ``run``: forks a *worker*, which takes the client's stdin, stdout and stderr, working
     directory, environment and command line and runs ``tieval.__main__.main`` as the
     ``python -m tieval`` process would; its exit status goes back to the client;
   - ``kernel``: forks a *kernel* for a worker's papermill (:mod:`tieval.warm.kernel`): a new
     session, the worker's stdout and stderr, the kernel's working directory and
     environment, then ipykernel's own start-up with the kernel's command-line options;
     a worker and its kernel are named ``t:<step>`` in ``ps`` (:func:`set_title`);
   - ``status``: answers with its process id, the number of children running and its folder;
   - ``stop``: stops listening, and answers when its last child has exited.

Every child is forked from the server's state after step 2, never from one that ran a step, and
is reaped by the server.  When a client or a worker disconnects before its child exited (make
was interrupted, a worker was killed), the child's process group is killed.  Before each ``run``
or ``kernel`` request the fingerprint is taken again; when any file changed, the request is
refused (the client then starts a new server) and the server exits after its last child.  It also
exits after :data:`tieval.warm.client.IDLE_SECONDS` without work, or when its folder is gone.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib
import io
import os
import selectors
import signal
import socket
import struct
import sys
import threading
import time
from pathlib import Path

from tieval.warm.client import IDLE_SECONDS, WORKER_VARIABLE, Channel

__all__ = ["KERNEL_MODULES", "RUNNER_MODULES", "fingerprint", "main"]

#: What a step's runner imports (``python -m tieval run``): the command line, the pipeline, papermill,
#: nbclient, jupyter_client and nbconvert's HTML exporter.
RUNNER_MODULES = (
    "yaml",
    "tieval.__main__",
    "tieval.pipeline",
    "tieval.warm.kernel",
    "nbclient",
    "jupyter_client.asynchronous",
    "nbconvert",
)

#: What a kernel imports before and while running a pipeline notebook: ipykernel and IPython, the
#: data libraries, and the package's step modules.
KERNEL_MODULES = (
    "ipykernel.kernelapp",
    "ipykernel.ipkernel",
    "numpy",
    "pandas",
    "pyarrow",
    "pyarrow.parquet",
    "matplotlib",
    "tieval.report.present",
    "tieval.steps.overview",
    "tieval.steps.clean",
    "tieval.steps.tables",
    "tieval.steps.qualitative",
    "tieval.steps.triangulation",
    "tieval.steps.audit",
)

#: What ipykernel sets before a notebook can import matplotlib (``IPKernelApp.init_gui_pylab``).
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"

POLL_SECONDS = 0.05


def fingerprint() -> tuple:
    """Modification times and sizes of the package's files (but its byte-code caches) and of the
    folders on ``sys.path`` (a package installed or removed changes its folder's time)."""
    package = Path(__file__).resolve().parents[1]
    entries = []
    for path in sorted(package.rglob("*")):
        if "__pycache__" in path.parts or path.is_dir():
            continue
        with contextlib.suppress(OSError):
            st = path.stat()
            entries.append((str(path), st.st_mtime_ns, st.st_size))
    for folder in sys.path:
        with contextlib.suppress(OSError):
            entries.append((folder, os.stat(folder or ".").st_mtime_ns, 0))
    return tuple(entries)


def _preload() -> None:
    """Import :data:`RUNNER_MODULES` and :data:`KERNEL_MODULES` (see the module notes)."""
    os.environ.setdefault("MPLBACKEND", INLINE_BACKEND)
    from tieval import notebook_io  # noqa: PLC0415 - the server's whole purpose is these imports

    notebook_io._papermill()  # before pyarrow: papermill without its HDFS handler, as in a runner
    for name in RUNNER_MODULES + KERNEL_MODULES:
        importlib.import_module(name)
    notebook_io.HTMLExporter  # noqa: B018 - nbconvert's exporter, loaded on first use


class Server:
    """The listening socket, the children and their connections (see the module notes)."""

    def __init__(self, name: str, listener: socket.socket, stamp: tuple):
        self.name = name
        self.listener = listener
        self.stamp = stamp
        self.selector = selectors.DefaultSelector()
        self.selector.register(listener, selectors.EVENT_READ)
        self.children: dict[int, Channel] = {}  # pid -> the connection waiting for its status
        self.stoppers: list[Channel] = []
        self.stopping = False
        self.last_work = time.monotonic()
        self.folder = os.path.realpath(os.getcwd())

    def serve(self) -> None:
        """Serve until stopped, stale or idle, and every child has exited."""
        while True:
            for key, _ in self.selector.select(POLL_SECONDS):
                if key.fileobj is self.listener:
                    self._accept()
                else:
                    self._hung_up(key.data)
            self._reap()
            if self.children:
                self.last_work = time.monotonic()
                continue
            idle = time.monotonic() - self.last_work > IDLE_SECONDS
            if self.stopping or idle or not os.path.isdir(self.folder):
                break
        for channel in self.stoppers:
            with contextlib.suppress(OSError):
                channel.send({"stopped": True})
            channel.close()

    def _stop_listening(self) -> None:
        if not self.stopping:
            self.stopping = True
            self.selector.unregister(self.listener)
            self.listener.close()

    def _accept(self) -> None:
        try:
            sock, _ = self.listener.accept()
        except OSError:
            return
        if not _same_user(sock):  # an abstract socket has no file permissions: the peer is checked
            sock.close()
            return
        sock.settimeout(5.0)
        channel = Channel(sock)
        try:
            request, fds = channel.receive()
        except (OSError, ValueError):
            channel.close()
            return
        sock.settimeout(None)
        op = (request or {}).get("op")
        if op == "status":
            with contextlib.suppress(OSError):
                channel.send({"pid": os.getpid(), "children": len(self.children), "folder": self.folder})
            channel.close()
            return
        if op == "stop":
            self._stop_listening()
            self.stoppers.append(channel)
            return
        if op not in ("run", "kernel") or self.stopping or fingerprint() != self.stamp:
            if op in ("run", "kernel"):
                self._stop_listening()
            _close_fds(fds)
            with contextlib.suppress(OSError):
                channel.send({"refused": "stale" if op in ("run", "kernel") else "unknown request"})
            channel.close()
            return
        self.last_work = time.monotonic()
        try:
            pid = os.fork()
        except OSError:  # no memory or process left for a copy: the client runs the command itself
            _close_fds(fds)
            with contextlib.suppress(OSError):
                channel.send({"refused": "fork failed"})
            channel.close()
            return
        if pid == 0:  # the child: never returns
            _child(self, channel, request, fds)
        _close_fds(fds)
        self.children[pid] = channel
        self.selector.register(channel.sock, selectors.EVENT_READ, pid)
        with contextlib.suppress(OSError):
            channel.send({"pid": pid})

    def _hung_up(self, pid: int) -> None:
        """The connection of child ``pid`` became readable before the child exited: its client went
        away; the child's process group is killed (the child is reaped by :meth:`_reap`)."""
        channel = self.children.get(pid)
        if channel is None:
            return
        self.selector.unregister(channel.sock)
        with contextlib.suppress(OSError):
            os.killpg(pid, signal.SIGKILL)

    def _reap(self) -> None:
        while self.children:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            channel = self.children.pop(pid, None)
            if channel is None:
                continue
            with contextlib.suppress(KeyError, ValueError):
                self.selector.unregister(channel.sock)
            code = os.waitstatus_to_exitcode(status)
            with contextlib.suppress(OSError):
                channel.send({"status": code})
            channel.close()


def _same_user(sock: socket.socket) -> bool:
    """Whether the process at the other end of ``sock`` runs as this server's user (``SO_PEERCRED``)."""
    try:
        _pid, uid, _gid = struct.unpack(
            "3i", sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
        )
    except OSError:
        return False
    return uid == os.getuid()


def _close_fds(fds) -> None:
    for fd in fds:
        with contextlib.suppress(OSError):
            os.close(fd)


def _child(server: Server, channel: Channel, request: dict, fds: list[int]) -> None:
    """In a forked child: become a worker or a kernel; exit with its status (never returns)."""
    status = 1
    try:
        # its own process group, killed as a whole when its client goes away (a kernel: its own session,
        # as jupyter_client starts kernels)
        if request["op"] == "kernel":
            os.setsid()
        else:
            os.setpgid(0, 0)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        server.selector.close()
        if not server.stopping:
            server.listener.close()
        for other in [*server.children.values(), *server.stoppers]:
            other.sock.close()
        channel.sock.close()
        status = _worker(request, fds, server.name) if request["op"] == "run" else _kernel(request, fds)
    except SystemExit as exc:
        status = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except KeyboardInterrupt:
        _flush()
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGINT)
    except BaseException:  # noqa: BLE001 - a child must never return into the server's loop
        import traceback  # noqa: PLC0415

        traceback.print_exc()
    finally:
        with contextlib.suppress(BaseException):
            atexit._run_exitfuncs()
        _flush()
        os._exit(status)


def _adopt(cwd: str, env: dict, fds: list[int], *, stdin_fd: int | None) -> None:
    """Take a client's standard streams, working directory and environment, as a process started
    there with ``python -m`` would have them (``sys.path[0]`` is the working directory)."""
    if stdin_fd is None:
        stdin_fd = os.open(os.devnull, os.O_RDONLY)
    for fd, target in ((stdin_fd, 0), (fds[-2], 1), (fds[-1], 2)):
        os.dup2(fd, target)
    _close_fds({stdin_fd, *fds})
    sys.stdin = sys.__stdin__ = io.TextIOWrapper(open(0, "rb", closefd=False), encoding=sys.stdin.encoding)
    sys.stdout = sys.__stdout__ = io.TextIOWrapper(
        open(1, "wb", closefd=False), encoding=sys.stdout.encoding, line_buffering=os.isatty(1)
    )
    sys.stderr = sys.__stderr__ = io.TextIOWrapper(
        open(2, "wb", closefd=False), encoding=sys.stderr.encoding, errors="backslashreplace", line_buffering=True
    )
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(env)
    sys.path[0] = os.getcwd()


def set_title(title: str) -> None:
    """Name this process ``title`` (its first 15 bytes) in ``ps`` and ``/proc/<pid>/comm``
    (``prctl(PR_SET_NAME)``), so that a worker and its kernel can be told apart and measured
    per step (:mod:`tieval.tools.bench_e2e`): ``t:<step>`` for ``run <step>``."""
    import ctypes  # noqa: PLC0415

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(15, title.encode()[:15], 0, 0, 0)


def _worker(request: dict, fds: list[int], name: str) -> int:
    """The ``python -m tieval`` command of ``request``, run here; its exit status."""
    argv = request["argv"]
    set_title(f"t:{argv[1]}" if len(argv) > 1 and argv[0] == "run" else "t:tieval")
    _adopt(request["cwd"], request["env"], fds, stdin_fd=fds[0])
    os.environ[WORKER_VARIABLE] = name[1:]
    from tieval import __main__ as command  # noqa: PLC0415 - imported by _preload already

    sys.argv = [command.__file__, *request["argv"]]
    return command.main(request["argv"])


def _kernel(request: dict, fds: list[int]) -> int:
    """ipykernel, started as ``python -m ipykernel_launcher OPTIONS`` would start it; its exit status."""
    set_title(request.get("title") or "t:kernel")
    _adopt(request["cwd"], request["env"], fds, stdin_fd=None)
    del sys.path[0]  # ipykernel_launcher removes the working directory (IPython adds it back)
    from importlib.util import find_spec  # noqa: PLC0415

    from ipykernel import kernelapp  # noqa: PLC0415 - imported by _preload already

    sys.argv = [find_spec("ipykernel_launcher").origin, *request["options"]]
    kernelapp.launch_new_instance()
    return 0


def _flush() -> None:
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(BaseException):
            stream.flush()


def main(argv: list[str] | None = None) -> int:
    """``python -m tieval.warm.server NAME``: prepare, then serve at the abstract socket ``\\0NAME``."""
    args = sys.argv[1:] if argv is None else argv
    name = "\0" + args[0]
    stamp = fingerprint()
    _preload()
    if threading.active_count() != 1:  # forking a process with threads is unsafe: serve nothing
        return 1
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        listener.bind(name)
    except OSError:  # another server took the name first: the clients use that one
        return 0
    listener.listen(64)
    Server(name, listener, stamp).serve()
    return 0


if __name__ == "__main__":
    sys.exit(main())
