"""What went wrong with a Whoosh index folder, in one line a person can act on: an OS error on
the folder, and who holds the writer lock (from /proc, Linux)."""

from __future__ import annotations

import errno
import os


def describe_os_error(exc: OSError, folder: str | None = None) -> str:
    """One line saying what is wrong with the index folder and what to do about it."""
    place = exc.filename or folder or "the index folder"
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return f"no space left on the disk holding the index ({place}): free some space"
    if exc.errno == errno.EFBIG:
        return f"an index file reached the file-size limit ({place}): raise the limit (ulimit -f)"
    if exc.errno == errno.EROFS:
        return f"the index folder is on a read-only file system ({place}): make it writable or set NEWSINDEX_DATA_DIR to a writable folder"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return f"the index folder is not writable by this user ({place}): give this user write permission on the folder and its files"
    return f"index I/O error ({place}): {exc.strerror or exc}"


def lock_holder(lock_path: str) -> tuple[str, str]:
    """Who holds the writer lock ("pid 1234: python manage.py import_articles ...") and how to stop it."""
    unknown = ("an import or the index worker", "stop it")
    try:
        lock = os.stat(lock_path)
    except OSError:
        return unknown
    pids: list[int] = []
    try:  # flock()s: "1: FLOCK  ADVISORY  WRITE 1234 08:01:5678 0 EOF" (dev in hex)
        with open("/proc/locks", encoding="ascii", errors="replace") as locks:
            for line in locks:
                fields = line.replace("->", "").split()
                if len(fields) >= 6 and fields[1] == "FLOCK" and fields[5].count(":") == 2:
                    major, minor, inode = fields[5].split(":")
                    if (int(inode), int(major, 16), int(minor, 16)) == (lock.st_ino, os.major(lock.st_dev), os.minor(lock.st_dev)):
                        pids.append(int(fields[4]))
    except (OSError, ValueError):
        pass
    pids = [pid for pid in pids if os.path.exists(f"/proc/{pid}")]
    if not pids:  # the locker died but a child inherited its descriptor: look for the open file
        try:
            for entry in os.scandir("/proc"):
                if entry.name.isdigit() and int(entry.name) != os.getpid():
                    try:
                        for fd in os.scandir(f"/proc/{entry.name}/fd"):
                            target = os.stat(fd.path)
                            if (target.st_ino, target.st_dev) == (lock.st_ino, lock.st_dev):
                                pids.append(int(entry.name))
                                break
                    except OSError:
                        continue
        except OSError:
            pass
    if not pids:
        return unknown
    try:
        with open(f"/proc/{pids[0]}/cmdline", "rb") as raw:
            argv = [part.decode(errors="replace") for part in raw.read().split(b"\0") if part]
    except OSError:
        argv = []
    if argv:
        argv[0] = os.path.basename(argv[0])
        if len(argv) > 1 and argv[1].endswith(".py"):
            argv[1] = os.path.basename(argv[1])  # manage.py, not /srv/newsindex/manage.py
    command = " ".join(argv)
    command = command if len(command) <= 80 else command[:77] + "..."
    return (f"pid {pids[0]}: {command}" if command else f"pid {pids[0]}"), f"stop it (kill {pids[0]})"
