"""Kernels forked by the warm server, for papermill inside a worker (:mod:`tieval.warm.server`).

:class:`ServedKernelManager` is nbclient's kernel manager with one difference: its provisioner
(:class:`ServedProvisioner`) asks the server the worker was forked from to fork a kernel,
instead of starting ``python -m ipykernel_launcher``.  Everything else (the connection file,
the IPC sockets, the kernel's environment and working directory, interrupt and shutdown) is
jupyter_client's own.  The kernel is the server's child: :class:`ServedProcess` stands for it
where jupyter_client expects a ``Popen`` (poll, wait, signals), and learns its exit status from
the server.  When the server cannot fork one (it is exiting, or the command is not
ipykernel's), the kernel is started as usual.

:func:`tieval.warm.client.served_kernel_manager` names this manager for papermill's
configuration inside a worker (and nothing elsewhere), without importing jupyter_client.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import uuid

from jupyter_client import AsyncKernelManager
from jupyter_client.provisioning import LocalProvisioner

from tieval.warm.client import WORKER_VARIABLE, connect

__all__ = ["ServedKernelManager", "ServedProcess", "ServedProvisioner"]

#: The start of a kernel command this server can fork: ``python -m ipykernel_launcher OPTIONS``.
LAUNCHER = ["-m", "ipykernel_launcher"]


class ServedProcess:
    """A kernel forked by the server, with the part of ``subprocess.Popen`` jupyter_client uses."""

    stdin = stdout = stderr = None

    def __init__(self, channel, pid: int):
        self.channel = channel
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        """The kernel's exit status when the server reported it, else ``None``."""
        if self.returncode is None:
            readable, _, _ = select.select([self.channel.sock], [], [], 0)
            if readable:
                self._collect()
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        """Block until the server reports the kernel's exit status."""
        if self.returncode is None:
            readable, _, _ = select.select([self.channel.sock], [], [], timeout)
            if not readable:
                raise TimeoutError(f"kernel {self.pid} still running")
            self._collect()
        return self.returncode

    def _collect(self) -> None:
        try:
            reply, _ = self.channel.receive()
        except OSError:
            reply = None
        self.returncode = reply["status"] if reply and "status" in reply else -signal.SIGKILL
        self.channel.close()

    def send_signal(self, signum: int) -> None:
        """Send ``signum`` to the kernel (nothing when it has exited)."""
        if self.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signum)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


class ServedProvisioner(LocalProvisioner):
    """jupyter_client's local provisioner, launching through the warm server when it can."""

    async def launch_kernel(self, cmd: list[str], **kwargs):
        server = os.environ.get(WORKER_VARIABLE)
        channel = connect("\0" + server) if server and cmd[1:3] == LAUNCHER else None
        if channel is None:
            return await super().launch_kernel(cmd, **kwargs)
        request = {
            "op": "kernel",
            "options": cmd[3:],
            "cwd": str(kwargs.get("cwd") or os.getcwd()),
            "env": dict(kwargs.get("env") or os.environ),
            "title": _title(),
        }
        try:
            channel.send(request, fds=(1, 2))
            reply, _ = channel.receive()
        except OSError:
            reply = None
        if not reply or "pid" not in reply:
            channel.close()
            return await super().launch_kernel(cmd, **kwargs)
        self.process = ServedProcess(channel, reply["pid"])
        self.pid = self.pgid = reply["pid"]  # the kernel leads its own session, as jupyter_client's do
        self.cwd = request["cwd"]
        return self.connection_info


def _title() -> str:
    """This worker's process name (``t:<step>``), which its kernel takes too."""
    try:
        with open("/proc/self/comm", encoding="utf-8") as comm:
            return comm.read().strip()
    except OSError:
        return ""


class ServedKernelManager(AsyncKernelManager):
    """nbclient's kernel manager with :class:`ServedProvisioner` as its provisioner."""

    async def _async_pre_start_kernel(self, **kw):
        if self.provisioner is None:
            self.kernel_id = self.kernel_id or kw.pop("kernel_id", str(uuid.uuid4()))
            self.provisioner = ServedProvisioner(kernel_id=self.kernel_id, kernel_spec=self.kernel_spec, parent=self)
        return await super()._async_pre_start_kernel(**kw)
