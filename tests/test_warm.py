"""The warm runner (tieval.warm): served commands behave as commands in their own process, kernels
forked by the server behave as ordinary kernels, a changed module retires a server, and a client
that goes away takes its children with it."""

from __future__ import annotations

import errno
import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import nbformat
import pytest

from tieval.warm import client

pytestmark = pytest.mark.skipif(not client.enabled({}), reason="the warm runner needs Linux")


def _project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / "data").mkdir(parents=True)
    (root / "notebooks").mkdir()
    (root / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    return root


def _env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("TIEVAL_ROOT", client.WORKER_VARIABLE, "TIEVAL_WARM")}
    return {**env, **extra}


def _stop(cwd: Path, env: dict) -> None:
    client.stop(client.address(str(cwd), env))


def _status(cwd: Path, env: dict) -> dict | None:
    return client.status(client.address(str(cwd), env))


SERVE = "import sys; from tieval.warm import client; status = client.run(sys.argv[1:]); print('served' if status is not None else 'not served', file=sys.stderr); sys.exit(status or 0)"  # noqa: E501


def test_the_address_leaves_out_only_what_changes_between_builds():
    base = {"PATH": "/bin", "HOME": "/root"}
    name = client.address("/tmp", base)
    assert name.startswith("\0tieval-warm-") and len(name) == len("\0tieval-warm-") + 16
    assert client.address("/tmp", {**base, "MAKEFLAGS": " -j2 --jobserver-auth=3,4", "MAKELEVEL": "1"}) == name
    assert client.address("/tmp", {**base, "PYTHONHASHSEED": "0"}) != name
    assert client.address("/var", base) != name
    assert client.address("/tmp", base, executable="/usr/bin/python3") != client.address(
        "/tmp", base, executable="/bin/sh"
    )


def test_a_channel_carries_lines_and_descriptors():
    a, b = socket.socketpair()
    left, right = client.Channel(a), client.Channel(b)
    read, write = os.pipe()
    try:
        left.send({"op": "run", "env": {"X": "line\nbreak"}}, fds=(write,))
        left.send({"second": 2})
        message, fds = right.receive()
        assert message == {"op": "run", "env": {"X": "line\nbreak"}} and len(fds) == 1
        os.write(fds[0], b"through")
        assert os.read(read, 7) == b"through"
        os.close(fds[0])
        assert right.receive() == ({"second": 2}, [])
        left.close()
        assert right.receive() == (None, [])
    finally:
        right.close()
        os.close(read)
        os.close(write)


def test_a_served_command_prints_and_exits_as_in_a_process_of_its_own(tmp_path):
    root = _project(tmp_path)
    argv = ["run", "09_missing", "--study", "some-study"]
    env = _env()
    try:
        served = subprocess.run([sys.executable, "-c", SERVE, *argv], cwd=root, env=env, capture_output=True, text=True)
        own = subprocess.run(
            [sys.executable, "-m", "tieval", *argv],
            cwd=root,
            env={**env, "TIEVAL_WARM": "0"},
            capture_output=True,
            text=True,
        )
        state = _status(root, env)
    finally:
        _stop(root, env)
    assert served.stderr.endswith("served\n") and not served.stderr.endswith("not served\n")
    assert served.returncode == own.returncode == 2
    assert served.stdout == own.stdout
    assert served.stderr.removesuffix("served\n") == own.stderr
    assert own.stderr.startswith("error: ") and own.stderr.count("\n") == 1
    assert state is not None and state["children"] == 0 and state["folder"] == os.path.realpath(root)
    assert _status(root, env) is None  # stopped
    assert client.servers(str(root)) == {}


def test_a_fork_that_fails_is_a_refusal_and_the_server_keeps_serving(monkeypatch, tmp_path):
    from tieval.warm import server as warm_server

    name = f"\0tieval-warm-test-{os.getpid()}"
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(name)
    listener.listen(4)
    served = warm_server.Server(name, listener, warm_server.fingerprint())

    def no_fork():
        raise OSError(errno.EAGAIN, "Resource temporarily unavailable")

    monkeypatch.setattr(warm_server.os, "fork", no_fork)
    loop = threading.Thread(target=served.serve, daemon=True)
    loop.start()
    read, write = os.pipe()
    try:
        channel = client.connect(name, timeout=10)
        channel.sock.settimeout(10)
        channel.send({"op": "run", "argv": ["--help"], "cwd": str(tmp_path), "env": {}}, fds=(read, write, write))
        assert channel.receive()[0] == {"refused": "fork failed"}  # the client then runs the command itself
        channel.close()
        assert client.status(name)["children"] == 0  # still listening
    finally:
        if loop.is_alive():
            client.stop(name)
            loop.join(10)
        else:  # the server's loop died: nobody would answer a stop
            listener.close()
        os.close(read)
        os.close(write)
    assert not loop.is_alive()


def test_a_changed_folder_on_the_path_retires_the_server(tmp_path):
    root = _project(tmp_path)
    extra = tmp_path / "extra"
    extra.mkdir()
    env = _env(PYTHONPATH=str(extra))
    argv = ["run", "09_missing", "--study", "some-study"]
    try:
        first = subprocess.run([sys.executable, "-c", SERVE, *argv], cwd=root, env=env, capture_output=True, text=True)
        before = _status(root, env)
        (extra / "new_module.py").write_text("")  # the folder's modification time changes
        second = subprocess.run([sys.executable, "-c", SERVE, *argv], cwd=root, env=env, capture_output=True, text=True)
        after = _status(root, env)
    finally:
        _stop(root, env)
    assert first.returncode == second.returncode == 2
    assert first.stderr == second.stderr and not first.stderr.endswith("not served\n")
    assert before and after and before["pid"] != after["pid"]


_PROBE = """
import json, os, sys
import matplotlib
import matplotlib.pyplot as plt
plt.figure(); plt.plot([1, 2])
ip = get_ipython()
print(json.dumps({
    "ppid": os.getppid(), "pid": os.getpid(), "cwd": os.getcwd(), "path0": sys.path[0],
    "argv0": os.path.basename(sys.argv[0]), "backend": matplotlib.get_backend(),
    "main": type(sys.modules["__main__"]).__name__, "study": study,
    "hooks": sorted(getattr(f, "__name__", "?") for f in ip.events.callbacks["post_execute"]),
    "env": sorted(k for k in os.environ if k not in ("JPY_PARENT_PID", "TIEVAL_WARM_SERVER", "PYTEST_CURRENT_TEST")),
}))
"""

_RUN = """
import json, sys
from pathlib import Path
from tieval import notebook_io
src, out, cwd, manager = sys.argv[1:5]
notebook_io.execute(Path(src), Path(out), {"study": "probe"}, Path(cwd), manager or None)
"""


def _probe_notebook(path: Path) -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    params = nbformat.v4.new_code_cell('study = "x"')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell(textwrap.dedent(_PROBE))]
    nbformat.write(nb, str(path))


def _probe_outputs(path: Path) -> tuple[dict, list[str]]:
    cell = nbformat.read(str(path), as_version=4).cells[-1]
    text = "".join(o.get("text", "") for o in cell.outputs if o.get("name") == "stdout")
    mimes = sorted(m for o in cell.outputs for m in o.get("data", {}))
    return json.loads(text), mimes


def test_a_forked_kernel_is_started_as_an_ordinary_kernel(tmp_path):
    root = _project(tmp_path)
    source = root / "notebooks" / "probe.ipynb"
    _probe_notebook(source)
    env = _env()
    name = client.address(str(root), env)
    server = subprocess.Popen([sys.executable, "-m", "tieval.warm.server", name[1:]], cwd=root, env=env)
    try:
        deadline = time.monotonic() + 60
        while _status(root, env) is None and time.monotonic() < deadline:
            time.sleep(0.05)
        served_env = {**env, client.WORKER_VARIABLE: name[1:]}
        manager = "tieval.warm.kernel.ServedKernelManager"
        args = [sys.executable, "-c", _RUN, str(source)]
        subprocess.run([*args, str(tmp_path / "served.ipynb"), str(root), manager], env=served_env, check=True)
        subprocess.run([*args, str(tmp_path / "own.ipynb"), str(root), ""], env=env, check=True)
    finally:
        _stop(root, env)
        server.wait(30)
    served, served_mimes = _probe_outputs(tmp_path / "served.ipynb")
    own, own_mimes = _probe_outputs(tmp_path / "own.ipynb")
    assert served.pop("ppid") == server.pid  # forked by the server
    own.pop("ppid")
    assert served.pop("pid") != own.pop("pid")
    assert served == own  # same cwd, sys.path[0], argv[0], backend, inline hooks, environment names
    assert served_mimes == own_mimes == ["image/png", "text/plain"]  # the open figure shown by the inline backend


_HOLD = """
import asyncio, sys
from tieval.warm.kernel import ServedKernelManager

async def hold():
    km = ServedKernelManager(kernel_name="python3")
    await km.start_kernel(cwd=sys.argv[1])
    print(km.provisioner.pid, type(km.provisioner.process).__name__, flush=True)
    await asyncio.sleep(120)

asyncio.run(hold())
"""


def test_a_client_that_goes_away_takes_its_kernel_with_it(tmp_path):
    root = _project(tmp_path)
    env = _env()
    name = client.address(str(root), env)
    server = subprocess.Popen([sys.executable, "-m", "tieval.warm.server", name[1:]], cwd=root, env=env)
    holder = None
    try:
        deadline = time.monotonic() + 60
        while _status(root, env) is None and time.monotonic() < deadline:
            time.sleep(0.05)
        holder = subprocess.Popen(
            [sys.executable, "-c", _HOLD, str(root)],
            env={**env, client.WORKER_VARIABLE: name[1:]},
            stdout=subprocess.PIPE,
            text=True,
        )
        pid, kind = holder.stdout.readline().split()
        assert kind == "ServedProcess"
        os.kill(int(pid), 0)  # running
        holder.send_signal(signal.SIGKILL)
        holder.wait(10)
        deadline = time.monotonic() + 10
        while _alive(int(pid)) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _alive(int(pid))
        assert _status(root, env)["children"] == 0
        if os.getuid() == 0:  # another user's process is turned away (the socket has no permissions)
            assert _status_as(65534, name) is None
            assert _status_as(0, name) is not None
    finally:
        if holder and holder.poll() is None:
            holder.kill()
        _stop(root, env)
        server.wait(30)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _status_as(uid: int, name: str):
    """The server's answer to ``status`` asked by a forked child running as ``uid`` (``None``: refused)."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: ask, write the answer, exit without running any of pytest's exit code
        try:
            os.setuid(uid)
            os.write(write, json.dumps(client.status(name)).encode())
        finally:
            os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    with os.fdopen(read) as answer:
        return json.loads(answer.read() or "null")
