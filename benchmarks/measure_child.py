"""Run one command and print its wall time and peak memory as JSON.

Usage: python -I -S measure_child.py STDOUT_FILE COMMAND [ARG ...]

bench_diff.py starts every timed command through this small, fresh
interpreter rather than directly. Linux counts the memory that a process
had before exec() in its ``ru_maxrss``, and a child starts as a copy (or,
with vfork, a borrower) of its parent's memory, so a direct child of the
benchmark, which has just generated hundreds of MB of data, would report at
least the benchmark's own peak. From here the floor is this interpreter's
own peak, about 10 MB, which bench_diff.py measures and prints.

``ru_maxrss`` is the peak of the single largest process of the tree, not of
their sum. So a thread also samples the whole tree while the command runs:
every 20 ms the summed RSS (cheap to read, and an upper bound: a page that
forked processes share copy-on-write counts once per process), and every
0.5 s the summed PSS (proportional set size: shared pages count once in
total; reading it walks page tables, a few ms per big process, which is why
it is read less often and may miss the exact peak).

Only the standard library, and little of it, so that the floor stays low.
"""

import json
import os
import subprocess
import sys
import threading
import time

RSS_INTERVAL = 0.02  # seconds
PSS_INTERVAL = 0.5
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


def list_tree(root: int) -> list[int]:
    """Return the pid of `root` and of all its living descendants."""
    pids, todo = [], [root]
    while todo:
        pid = todo.pop()
        pids.append(pid)
        try:
            for task in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{task}/children") as f:
                    todo.extend(int(child) for child in f.read().split())
        except OSError:  # the process ended meanwhile
            pass
    return pids


def read_rss(pid: int) -> int:
    """Return the RSS of `pid` in bytes, 0 if it is gone."""
    try:
        with open(f"/proc/{pid}/statm") as f:
            return int(f.read().split()[1]) * PAGE_SIZE
    except (OSError, IndexError, ValueError):
        return 0


def read_pss(pid: int) -> int:
    """Return the PSS of `pid` in bytes, 0 if it is gone."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def sample_tree(root: int, stop: threading.Event, peak: dict[str, int]) -> None:
    """Record the tree's largest process count, summed RSS and summed PSS until `stop`."""
    next_pss = time.monotonic()
    while not stop.wait(RSS_INTERVAL):
        pids = list_tree(root)
        peak["processes"] = max(peak["processes"], len(pids))
        peak["tree_rss"] = max(peak["tree_rss"], sum(map(read_rss, pids)))
        if time.monotonic() >= next_pss:
            peak["tree_pss"] = max(peak["tree_pss"], sum(map(read_pss, pids)))
            next_pss = time.monotonic() + PSS_INTERVAL


def main() -> None:
    stdout_path, command = sys.argv[1], sys.argv[2:]
    peak = {"processes": 1, "tree_rss": 0, "tree_pss": 0}
    stop = threading.Event()
    with open(stdout_path, "wb") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(command, stdout=out)
        sampler = threading.Thread(target=sample_tree, args=(proc.pid, stop, peak), daemon=True)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
    stop.set()
    sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped by wait4, not by Popen
    json.dump(
        {
            "wall": wall,
            "maxrss": usage.ru_maxrss * 1024,  # KiB on Linux
            "returncode": proc.returncode,
            **peak,
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main()
