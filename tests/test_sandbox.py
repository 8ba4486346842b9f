"""The sandbox the grader runs submissions in: each limit of a whole run shown holding on a small
program that breaks it, with the cgroup and with the watchdog that stands in for one; the private
channel; fresh uids that no two grader runs share; and the cleanup that no daemon outlives."""

import os
import shutil
import subprocess
import sys
import time

import pytest

from tools import sandbox

ROOT_ONLY = pytest.mark.skipif(os.geteuid() != 0, reason="needs root (uids, cgroups)")
BWRAP = pytest.mark.skipif(shutil.which("bwrap") is None, reason="needs bubblewrap")
MIB = 2**20


@pytest.fixture
def uid():
    uids = sandbox.Uids() if os.geteuid() == 0 else None
    taken = uids.take() if uids else None
    yield taken
    if uids:
        uids.release_all()


def boxed(code, uid, limits, channel=None):
    """`code` (Python) in bubblewrap, as `uid`, its channel's fd where the code says FD."""
    source = code.replace("FD", str(channel.fd) if channel else "-1")
    return sandbox.bwrap(
        [sys.executable, "-c", source],
        env={"PATH": "/usr/bin:/bin", "HOME": "/work"},
        read_only={},
        tmpfs=["/work"],
        chdir="/work",
        uid=uid,
        limits=limits,
    )


def go(code, uid, limits, cgroup=None):
    channel = sandbox.Channel()
    argv = boxed(code, uid, limits, channel)
    return sandbox.run(
        argv,
        {"PATH": "/usr/bin:/bin"},
        limits,
        channel=channel,
        uid=uid,
        cgroup=cgroup,
        tmpfs=["/work", "/tmp"],
    )


@BWRAP
def test_only_the_channel_counts_and_it_is_capped(uid):
    limits = sandbox.Limits(time=30, output=1000)
    done = go("import os; os.write(FD, b'the result'); print('HIDDEN-RESULTS forged')", uid, limits)
    assert (done.code, done.data, done.stopped) == (0, b"the result", None)
    assert "HIDDEN-RESULTS forged" in done.log  # printed, and read by nobody
    flood = go("import os; os.write(FD, b'x' * 5000)", uid, limits)
    assert flood.data is None and "output too large" in flood.stopped


@BWRAP
def test_the_time_limit_stops_a_run(uid):
    done = go("import time; time.sleep(60)", uid, sandbox.Limits(time=2))
    assert done.code is None and done.stopped == "did not finish in 2 s (the time limit)"
    assert done.seconds < 20


@BWRAP
def test_each_writable_folder_is_a_small_tmpfs(uid):
    if not sandbox.bwrap_supports_size():
        pytest.skip("bubblewrap before 0.7 cannot limit a tmpfs")
    limits = sandbox.Limits(time=30, disk=20 * MIB)
    code = (
        "import errno\n"
        "for name in ('/work/a', '/tmp/b', '/dev/shm/c'):\n"
        "    try:\n"
        "        open(name, 'wb').write(bytes(50 * 2**20))\n"
        "    except OSError as error:\n"
        "        assert error.errno == errno.ENOSPC, error\n"
        "    else:\n"
        "        raise SystemExit(name + ' took 50 MB')\n"
    )
    done = go(code, uid, limits)
    assert done.code == 0, done.log


MEMORY_OF_MANY = """\
import os, time
for _ in range(6):  # 6 processes of 100 MB: each under its own limit, 600 MB together
    if os.fork() == 0:
        block = bytearray(100 * 2**20)
        time.sleep(30)
        os._exit(0)
time.sleep(30)
"""


@BWRAP
def test_the_memory_of_all_processes_together_is_limited_by_the_watchdog(uid):
    limits = sandbox.Limits(time=60, memory=300 * MIB)
    done = go(MEMORY_OF_MANY, uid, limits)  # no cgroup: the watchdog polls their memory
    assert done.stopped == "used more than 0.293 GiB of memory", (done.stopped, done.log)
    assert done.seconds < 20


@ROOT_ONLY
@BWRAP
def test_the_memory_of_all_processes_together_is_limited_by_a_cgroup(uid):
    limits = sandbox.Limits(time=60, memory=300 * MIB)
    cgroup = sandbox.Cgroup.create(f"test-{uid}", limits)
    if cgroup is None:
        pytest.skip("this machine lets root make no cgroup")
    try:
        done = go(MEMORY_OF_MANY, uid, limits, cgroup)
    finally:
        cgroup.remove()
    assert done.stopped == "used more than 0.293 GiB of memory", (done.stopped, done.log)


@ROOT_ONLY
def test_no_daemon_outlives_its_user(uid):
    daemon = "setsid sleep 300 < /dev/null > /dev/null 2>&1 &"  # outlives the shell that started it
    argv = sandbox.as_user(
        ["sh", "-c", daemon], uid=uid, limits=sandbox.Limits(), network_namespace=False
    )
    subprocess.run(argv, check=True, timeout=30)
    time.sleep(0.5)
    assert sandbox.processes_of(uid)  # the daemon lives on after its parent
    assert sandbox.kill_uid(uid) and sandbox.processes_of(uid) == []


@ROOT_ONLY
def test_two_grader_runs_never_share_a_uid(tmp_path, monkeypatch):
    # A pool of 60 uids, so that "given back" is checked for certain, not by chance.
    monkeypatch.setattr(
        sandbox, "UID_POOL", range(sandbox.UID_POOL.start, sandbox.UID_POOL.start + 60)
    )
    first, second = sandbox.Uids(tmp_path), sandbox.Uids(tmp_path)  # two runs, one machine
    taken = [first.take() for _ in range(50)]
    others = [second.take() for _ in range(10)]
    assert not set(taken) & set(others) and len(set(taken)) == 50
    with pytest.raises(RuntimeError, match="no free uid"):
        second.take()  # the pool is used up: the first run's uids are not handed out twice
    for uid in taken:
        first.release(uid)
    assert {second.take() for _ in range(50)} == set(taken)  # given back: free for others
    second.release_all()


@ROOT_ONLY
def test_a_user_of_its_own_has_the_loopback_only(uid):
    if not sandbox.own_network_namespace():
        pytest.skip("this machine allows no network namespace")
    argv = sandbox.as_user(
        [shutil.which("ip"), "-o", "link", "show"],  # the interfaces of its own namespace
        uid=uid,
        limits=sandbox.Limits(),
        network_namespace=True,
    )
    ran = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    links = ran.stdout.strip().splitlines()
    assert len(links) == 1 and ": lo: <LOOPBACK,UP," in links[0], ran.stdout + ran.stderr
