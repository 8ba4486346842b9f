"""Run a program the grader does not trust, with limits on the whole of it: what `tools.grade` runs
each submitted notebook, and the hidden tests, in.

Two ways to isolate (`--sandbox`):

- `bwrap` (the default): bubblewrap namespaces. The program sees read-only system folders, the
  paths it is given, and size-limited tmpfs folders of its own (its working folder, /tmp,
  /dev/shm); no network, no other process, a fresh process tree that dies with it.
- `uid` (root only): where bubblewrap cannot run, e.g. in a container. The program runs as a user
  of its own in a private folder, with a clean environment, in a network namespace of its own
  with only the loopback up where the machine allows one, and every process of that user is
  killed when it ends. It can read what any user of the machine may read: `tools.grade` refuses
  to run in this mode while the solutions, the repository's history or other submissions are
  readable by others.

Limits of a whole run, all its processes together (`Limits`): memory, processes, CPU time, wall
time, the size of each writable folder, and what the grader reads back. Where the machine lets
root make a cgroup (v2, or v1 as here), the kernel enforces memory and processes for the whole
run and counts its CPU time; elsewhere a watchdog polls the run's processes every quarter second
and stops the run at the limit (the documented fallback: a burst between two polls can overshoot).
Each process also has rlimits (address space, processes, file size, CPU time).

Uids are claimed per run from a pool, each held by a lock file while in use, so two grader runs
on one machine never share one (`Uids`).

The program's results come back on a private channel: a pipe the grader opens and passes as one
file descriptor (`Channel`), read up to a cap. Nothing it prints counts.
"""

import dataclasses
import fcntl
import os
import pathlib
import pwd
import secrets
import selectors
import shutil
import signal
import subprocess
import sys
import threading
import time

GIB, MIB = 2**30, 2**20


@dataclasses.dataclass
class Limits:
    """What one run may use, all its processes together."""

    time: float = 300.0  # seconds of wall time
    memory: int = 8 * GIB  # bytes of memory
    processes: int = 512
    cpu: float = 1200.0  # seconds of CPU time
    disk: int = GIB  # bytes in each folder it may write (its folder, /tmp, /dev/shm)
    file_size: int = GIB  # bytes in one file
    output: int = 64 * MIB  # bytes the grader reads back on the channel

    def rlimits(self):
        """prlimit's options: the same limits for each process on its own."""
        return [
            f"--as={self.memory}",
            f"--nproc={self.processes}",
            f"--fsize={self.file_size}",
            f"--cpu={int(self.cpu)}",
        ]


# -- uids ------------------------------------------------------------------------------------------

UID_POOL = range(200_000, 265_536)  # not given to real users on common systems; checked below


class Uids:
    """Fresh user ids, never shared with another grader run on this machine while it holds them.

    Each uid is claimed by an exclusive lock on `LOCKS/<uid>.lock` (a root-only folder). The lock
    files stay (unlinking a lock file races with a run that opens it); they are empty, and at
    most one per uid of the pool.
    """

    LOCKS = pathlib.Path("/run/lock/course-grader")

    def __init__(self, folder=None):
        self.folder = pathlib.Path(folder or self.LOCKS)
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(self.folder, 0o700)
        self._held = {}
        self._lock = threading.Lock()

    def take(self):
        """A uid no real user, no process and no other run has; held until `release`."""
        for _ in range(10_000):
            uid = UID_POOL.start + secrets.randbelow(len(UID_POOL))
            with self._lock:
                if uid in self._held or _is_user(uid):
                    continue
                handle = os.open(self.folder / f"{uid}.lock", os.O_CREAT | os.O_RDWR, 0o600)
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    os.close(handle)
                    continue
                if processes_of(uid):  # left over from a run that was itself killed
                    kill_uid(uid)
                self._held[uid] = handle
                return uid
        raise RuntimeError("no free uid for the sandbox: too many grader runs at once?")

    def release(self, uid):
        """Kill whatever still runs as `uid`, then give it back."""
        kill_uid(uid)
        with self._lock:
            handle = self._held.pop(uid, None)
        if handle is not None:
            os.close(handle)  # closing releases the lock

    def release_all(self):
        for uid in list(self._held):
            self.release(uid)


def _is_user(uid):
    try:
        pwd.getpwuid(uid)
        return True
    except KeyError:
        return False


def _status(pid):
    """(uid, parent pid, state) of process `pid`, or None once it is gone."""
    try:
        text = pathlib.Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    fields = dict(line.split(":", 1) for line in text.splitlines() if ":" in line)
    return int(fields["Uid"].split()[0]), int(fields["PPid"]), fields["State"].split()[0]


def _pids():
    return [int(name) for name in os.listdir("/proc") if name.isdigit()]


def processes_of(uid):
    """The live processes of `uid` (zombies left out: they hold nothing and cannot be killed)."""
    found = []
    for pid in _pids():
        status = _status(pid)
        if status and status[0] == uid and status[2] != "Z":
            found.append(pid)
    return found


def kill_uid(uid, rounds=50):
    """SIGKILL every process of `uid`, again until none is left.

    `kill -KILL -1` run as that user signals all of its processes in one pass of the kernel, so a
    fork bomb cannot outrun it."""
    for _ in range(rounds):
        if not processes_of(uid):
            return True
        subprocess.run(
            [
                "setpriv",
                f"--reuid={uid}",
                f"--regid={uid}",
                "--clear-groups",
                "kill",
                "-KILL",
                "-1",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        )
        time.sleep(0.05)
    return not processes_of(uid)


def descendants(root):
    """`root` and every process below it."""
    children = {}
    for pid in _pids():
        status = _status(pid)
        if status:
            children.setdefault(status[1], []).append(pid)
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += children.get(pid, [])
    return found


# -- cgroups ---------------------------------------------------------------------------------------


class Cgroup:
    """One run's processes in a cgroup of their own: memory and process limits for all of them
    together, enforced by the kernel, and their CPU time counted. v2 where the machine has it,
    else v1's memory, pids and cpuacct hierarchies. `create` gives None where this machine has no
    cgroup root may write (then the watchdog is the limit)."""

    V2 = pathlib.Path("/sys/fs/cgroup")

    def __init__(self, paths, version):
        self.paths, self.version = paths, version  # {controller: folder}

    @classmethod
    def create(cls, name, limits):
        if os.geteuid() != 0:
            return None
        try:
            if (cls.V2 / "cgroup.controllers").exists():
                return cls._create_v2(name, limits)
            return cls._create_v1(name, limits)
        except OSError:
            return None

    @classmethod
    def _own(cls, controller):
        """The cgroup this process is in, for `controller` ('' for v2), as a folder."""
        for line in pathlib.Path("/proc/self/cgroup").read_text().splitlines():
            _, names, path = line.split(":", 2)
            if controller in names.split(",") or (not controller and names == ""):
                root = cls.V2 if not controller else cls.V2 / names
                return root / path.lstrip("/")
        raise OSError(f"no {controller or 'v2'} cgroup")

    @classmethod
    def _create_v2(cls, name, limits):
        parent = cls._own("") / "course-grader"
        parent.mkdir(exist_ok=True)
        (parent / "cgroup.subtree_control").write_text("+memory +pids")
        folder = parent / name
        folder.mkdir()
        group = cls({"memory": folder, "pids": folder, "cpu": folder}, 2)
        try:
            (folder / "memory.max").write_text(str(limits.memory))
            if (folder / "memory.swap.max").exists():
                (folder / "memory.swap.max").write_text("0")
            (folder / "pids.max").write_text(str(limits.processes))
        except OSError:
            group.remove()
            raise
        return group

    @classmethod
    def _create_v1(cls, name, limits):
        paths = {}
        group = cls(paths, 1)
        try:
            for controller in ("memory", "pids", "cpuacct"):
                folder = cls._own(controller) / f"course-grader-{name}"
                folder.mkdir()
                paths[controller] = folder
            (paths["memory"] / "memory.limit_in_bytes").write_text(str(limits.memory))
            swap = paths["memory"] / "memory.memsw.limit_in_bytes"
            if swap.exists():
                swap.write_text(str(limits.memory))
            (paths["pids"] / "pids.max").write_text(str(limits.processes))
        except OSError:
            group.remove()
            raise
        return group

    def wrap(self, argv):
        """`argv`, started inside this cgroup (the shell enters it, then execs `argv`)."""
        folders = sorted({str(folder) for folder in self.paths.values()})
        enter = "; ".join(f"echo $$ > '{folder}/cgroup.procs'" for folder in folders)
        return ["sh", "-c", f'{enter} && exec "$@"', "sh", *argv]

    def _read(self, controller, name):
        try:
            return (self.paths[controller] / name).read_text()
        except (OSError, KeyError):
            return ""

    def memory(self):
        name = "memory.current" if self.version == 2 else "memory.usage_in_bytes"
        return int(self._read("memory", name) or 0)

    def cpu(self):
        """CPU seconds used by all its processes so far."""
        if self.version == 2:
            stat = dict(line.split() for line in self._read("cpu", "cpu.stat").splitlines())
            return int(stat.get("usage_usec", 0)) / 1e6
        return int(self._read("cpuacct", "cpuacct.usage") or 0) / 1e9

    def out_of_memory(self):
        """True once the kernel killed a process of it for memory."""
        name = "memory.events" if self.version == 2 else "memory.oom_control"
        fields = dict(line.split() for line in self._read("memory", name).splitlines())
        return int(fields.get("oom_kill", 0)) > 0

    def pids(self):
        return [int(pid) for pid in self._read("pids", "cgroup.procs").split()]

    def kill(self):
        for _ in range(50):
            pids = self.pids()
            if not pids:
                return
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            time.sleep(0.05)

    def remove(self):
        self.kill()
        for folder in set(self.paths.values()):
            for _ in range(20):
                try:
                    folder.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:  # the last processes are still being reaped
                    time.sleep(0.05)


# -- the watchdog ----------------------------------------------------------------------------------


class Watchdog(threading.Thread):
    """Polls one run and stops it at a limit the kernel does not enforce here.

    It measures memory (the cgroup's, else the sum of its processes' resident memory plus what its
    tmpfs folders hold, since a tmpfs is memory), CPU time (the cgroup's, else the most each
    process ever used, summed), and the bytes in its writable folders: `tmpfs` (paths inside the
    sandbox, measured through one of its processes) and `owned` (folders of this machine, where
    only the files of `uid` count). Over a limit it calls `stop` and says why in `reason`."""

    def __init__(self, limits, stop, *, uid=None, root=None, cgroup=None, tmpfs=(), owned=()):
        super().__init__(daemon=True)
        self.limits, self.stop_run = limits, stop
        self.uid, self.root, self.cgroup = uid, root, cgroup
        self.tmpfs, self.owned = list(tmpfs), list(owned)
        self.reason, self.peak_memory = None, 0
        self._cpu, self._done, self._polls = {}, threading.Event(), 0

    def processes(self):
        if self.cgroup is not None:
            return self.cgroup.pids()
        if self.uid is not None:
            return processes_of(self.uid)
        return descendants(self.root) if self.root else []

    def folders(self, pids):
        """{folder: bytes written}: the tmpfs folders seen through its newest process, and every
        eighth poll (they are walked) the owned folders."""
        sizes = {}
        inside = _sandbox_root(pids) if self.tmpfs else None
        for folder in self.tmpfs if inside else ():
            try:
                info = os.statvfs(inside + folder)
            except OSError:
                continue
            sizes[folder] = (info.f_blocks - info.f_bfree) * info.f_frsize
        if self._polls % 8 == 0:
            for folder in self.owned:
                sizes[str(folder)] = _bytes_in(folder, self.uid)
        return sizes

    def measure(self):
        """(memory bytes, CPU seconds, {folder: bytes})."""
        pids = self.processes()
        folders = self.folders(pids)
        if self.cgroup is not None:
            return self.cgroup.memory(), self.cgroup.cpu(), folders
        memory = sum(folders.get(folder, 0) for folder in self.tmpfs)
        for pid in pids:
            usage = _usage(pid)
            if usage:
                memory += usage[0]
                self._cpu[pid] = max(self._cpu.get(pid, 0.0), usage[1])
        return memory, sum(self._cpu.values()), folders

    def run(self):
        while not self._done.wait(0.25):
            self._polls += 1
            memory, cpu, folders = self.measure()
            self.peak_memory = max(self.peak_memory, memory)
            full = [folder for folder, size in folders.items() if size > self.limits.disk]
            over = None
            if memory > self.limits.memory or (self.cgroup and self.cgroup.out_of_memory()):
                over = f"used more than {self.limits.memory / GIB:.3g} GiB of memory"
            elif cpu > self.limits.cpu:
                over = f"used more than {self.limits.cpu:.0f} s of CPU time"
            elif full:
                over = f"wrote more than {self.limits.disk / GIB:.3g} GiB to {full[0]}"
            if over:
                self.reason = over
                self.stop_run()
                return

    def finish(self):
        self._done.set()
        if self.is_alive():
            self.join(timeout=5)


def _sandbox_root(pids):
    """`/proc/PID/root` of one of `pids` whose root is not this machine's (a process inside the
    sandbox, not the bubblewrap that started it), or None."""
    here = os.stat("/")
    for pid in pids:
        try:
            root = os.stat(f"/proc/{pid}/root")
        except OSError:
            continue
        if (root.st_dev, root.st_ino) != (here.st_dev, here.st_ino):
            return f"/proc/{pid}/root"
    return None


def _usage(pid):
    """(resident bytes, CPU seconds) of process `pid`, or None once it is gone."""
    try:
        pages = int(pathlib.Path(f"/proc/{pid}/statm").read_text().split()[1])
        stat = pathlib.Path(f"/proc/{pid}/stat").read_text()
    except (OSError, IndexError, ValueError):
        return None
    fields = stat[stat.rindex(")") + 2 :].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return pages * os.sysconf("SC_PAGE_SIZE"), (int(fields[11]) + int(fields[12])) / ticks


def _bytes_in(folder, uid=None):
    """Bytes in the files under `folder` (those of `uid` only, if given), not following links."""
    total = 0
    for base, _, files in os.walk(folder, onerror=lambda error: None):
        for name in files:
            try:
                info = os.lstat(os.path.join(base, name))
            except OSError:
                continue
            if uid is None or info.st_uid == uid:
                total += info.st_blocks * 512
    return total


# -- the private channel ---------------------------------------------------------------------------


class Channel:
    """A pipe the grader reads and one process writes: its `fd` is passed to that process alone
    (subprocess's pass_fds), and nothing else it prints counts."""

    def __init__(self):
        self.read_fd, self.fd = os.pipe()
        os.set_inheritable(self.fd, True)

    def close_write_end(self):
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


# -- running ---------------------------------------------------------------------------------------


@dataclasses.dataclass
class Outcome:
    code: int | None  # the exit status; None when it was stopped
    log: str  # the end of what it printed (stdout and stderr), for a crash's last line
    data: bytes | None  # what came on the channel; None when it sent more than the cap
    stopped: str | None  # why it was stopped: the time limit, or the limit it went over
    seconds: float
    peak_memory: int = 0


LOG_KEEP = 64 * 1024


def run(
    argv,
    env,
    limits,
    *,
    cwd=None,
    channel=None,
    stdin=b"",
    uid=None,
    cgroup=None,
    tmpfs=(),
    owned=(),
):
    """Run `argv` (already wrapped in its sandbox) within `limits`; its Outcome.

    `channel` is read up to `limits.output` bytes; stdout and stderr are kept only as a short tail.
    The run is stopped at the time limit or by the watchdog, and afterwards everything it started
    is killed: its process group, its cgroup and every process of `uid`."""
    if cgroup is not None:
        argv = cgroup.wrap(argv)
    start = time.monotonic()
    process = subprocess.Popen(
        argv,
        cwd=cwd,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        pass_fds=(channel.fd,) if channel else (),
    )
    if channel:
        channel.close_write_end()
    stopped = []

    def stop(reason=None):
        if reason and not stopped:
            stopped.append(reason)
        _kill_all(process, cgroup, uid)

    watchdog = Watchdog(
        limits, stop, uid=uid, root=process.pid, cgroup=cgroup, tmpfs=tmpfs, owned=owned
    )
    reader = _Reader(process.stdout, channel.read_fd if channel else None, limits.output)
    reader.start()
    watchdog.start()
    try:
        process.stdin.write(stdin)
        process.stdin.close()
    except OSError:
        pass
    try:
        process.wait(timeout=limits.time)
    except subprocess.TimeoutExpired:
        stop(f"did not finish in {limits.time:.0f} s (the time limit)")
        process.wait()
    watchdog.finish()
    if watchdog.reason and not stopped:
        stopped.append(watchdog.reason)
    if cgroup is not None and cgroup.out_of_memory() and not stopped:
        stopped.append(f"used more than {limits.memory / GIB:.3g} GiB of memory")
    _kill_all(process, cgroup, uid)  # what it left running, e.g. a daemon
    reader.finish(timeout=5)
    if reader.too_large and not stopped:
        stopped.append(f"sent back more than {limits.output / MIB:.0f} MB (output too large)")
    code = None if stopped else process.returncode
    return Outcome(
        code=code,
        log=reader.log(),
        data=None if reader.too_large else bytes(reader.data),
        stopped=stopped[0] if stopped else None,
        seconds=time.monotonic() - start,
        peak_memory=watchdog.peak_memory,
    )


def _kill_all(process, cgroup, uid):
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except OSError:
        pass
    if cgroup is not None:
        cgroup.kill()
    if uid is not None:
        kill_uid(uid)


class _Reader(threading.Thread):
    """Reads a run's output (its tail kept) and its channel (up to `cap` bytes) until both end."""

    def __init__(self, output, channel_fd, cap):
        super().__init__(daemon=True)
        self.output, self.channel_fd, self.cap = output, channel_fd, cap
        self.data, self.too_large = bytearray(), False
        self._tail, self._halt = bytearray(), threading.Event()

    def run(self):
        selector = selectors.DefaultSelector()
        selector.register(self.output.fileno(), selectors.EVENT_READ, "output")
        if self.channel_fd is not None:
            selector.register(self.channel_fd, selectors.EVENT_READ, "channel")
        open_ends = len(selector.get_map())
        while open_ends and not self._halt.is_set():
            for key, _ in selector.select(timeout=0.2):
                chunk = os.read(key.fd, 1 << 16)
                if not chunk:
                    selector.unregister(key.fd)
                    open_ends -= 1
                elif key.data == "output":
                    self._tail = (self._tail + chunk)[-LOG_KEEP:]
                elif not self.too_large:
                    self.data += chunk
                    if len(self.data) > self.cap:
                        self.too_large, self.data = True, bytearray()
                        selector.unregister(key.fd)  # read no more; the writer gets EPIPE
                        os.close(self.channel_fd)
                        self.channel_fd = None
                        open_ends -= 1
        selector.close()

    def finish(self, timeout):
        self.join(timeout)
        self._halt.set()  # ends held open by a process that escaped: read no more
        self.join()
        self.output.close()
        if self.channel_fd is not None:
            os.close(self.channel_fd)
            self.channel_fd = None

    def log(self):
        return self._tail.decode(errors="replace")


# -- the two sandboxes -----------------------------------------------------------------------------


def bwrap_supports_size():
    """bubblewrap 0.7 and later can limit a tmpfs's size (`--size`)."""
    try:
        out = subprocess.run(["bwrap", "--help"], capture_output=True, text=True).stdout
    except OSError:
        return False
    return "--size" in out


def bwrap(command, *, env, read_only, tmpfs, chdir, uid, limits, share_net=False):
    """The argv that runs `command` in bubblewrap.

    `read_only` maps paths inside to paths outside (files or folders, bound read-only); `tmpfs`
    lists writable folders of its own, each a tmpfs of at most `limits.disk` bytes where
    bubblewrap allows it. As root, the command runs as `uid`, with no capabilities left."""
    system = [(p, p) for p in ("/usr", "/etc", *sorted({sys.base_prefix, sys.prefix}))]
    args = ["bwrap", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try"]
    if not share_net:
        args.append("--unshare-net")
    args += ["--die-with-parent", "--new-session", "--clearenv"]
    for key, value in env.items():
        args += ["--setenv", key, value]
    sized = ["--size", str(limits.disk)] if bwrap_supports_size() else []
    args += ["--proc", "/proc", "--dev", "/dev"]
    # each writable folder first: a read-only bind below one (a repository under /tmp) must not
    # be hidden by its tmpfs
    for folder in ("/tmp", "/dev/shm", *tmpfs):
        args += ["--perms", "1777", *sized, "--tmpfs", folder]
    args += _mounts(system + [(source, target) for target, source in read_only.items()])
    args += ["--chdir", chdir]
    if os.geteuid() == 0:  # drop to a user of its own, so the process limit holds
        args += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
        args += setpriv(uid)
    else:
        args.insert(1, "--unshare-user")
    return ["prlimit", *limits.rlimits(), "--", *args, *command]


def _mounts(paths):
    """bwrap arguments that show `paths` (outside, inside) read-only, making their parents."""
    args, made = [], {"/", "/tmp", "/proc", "/dev", "/dev/shm"}
    for path in ("/lib", "/lib64", "/bin", "/sbin"):
        if os.path.islink(path):
            args += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            args += ["--ro-bind", path, path]
    for source, target in paths:
        for parent in reversed(pathlib.PurePosixPath(target).parents):
            if str(parent) not in made:
                args += ["--perms", "0755", "--dir", str(parent)]
                made.add(str(parent))
        args += ["--ro-bind", str(source), str(target)]
        made.add(str(target))
    return args


def setpriv(uid):
    """The command prefix that runs as user `uid`, with no capabilities and no way back."""
    return [
        "setpriv",
        f"--reuid={uid}",
        f"--regid={uid}",
        "--clear-groups",
        "--inh-caps=-all",
        "--bounding-set=-all",
        "--no-new-privs",
    ]


def own_network_namespace():
    """True where root may run a program in a network namespace of its own with the loopback up."""
    if os.geteuid() != 0 or shutil.which("ip") is None:
        return False
    probe = ["unshare", "-n", "sh", "-c", "ip link set lo up"]
    return subprocess.run(probe, capture_output=True).returncode == 0


def as_user(command, *, uid, limits, network_namespace):
    """The argv that runs `command` as user `uid` (uid mode), with its rlimits, and in a network
    namespace of its own with only the loopback up where `network_namespace`."""
    argv = [*setpriv(uid), "prlimit", *limits.rlimits(), "--", *command]
    if network_namespace:
        argv = ["unshare", "-n", "sh", "-c", 'ip link set lo up && exec "$@"', "sh", *argv]
    return argv


def private_folder(path, uid):
    """A new folder at `path` that only `uid` may enter (and root)."""
    path = pathlib.Path(path)
    path.mkdir(mode=0o700)
    os.chown(path, uid, uid)
    os.chmod(path, 0o700)
    return path


def give(path, uid, mode=0o400):
    """Hand the file at `path` to `uid`, readable by it alone."""
    os.chown(path, uid, uid)
    os.chmod(path, mode)


def leftover_files(uid, roots=("/tmp", "/var/tmp", "/dev/shm")):
    """Remove what `uid` left in the machine's shared writable folders (uid mode)."""
    for root in roots:
        for base, folders, files in os.walk(root, topdown=False, onerror=lambda error: None):
            for name in files + folders:
                path = os.path.join(base, name)
                try:
                    if os.lstat(path).st_uid != uid:
                        continue
                    if os.path.isdir(path) and not os.path.islink(path):
                        shutil.rmtree(path, ignore_errors=True)
                    else:
                        os.unlink(path)
                except OSError:
                    pass
