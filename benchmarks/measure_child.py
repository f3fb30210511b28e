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
their sum. When the command has child processes (a worker pool), a thread
also samples the summed PSS (proportional set size: pages shared between
forked workers count once in total) of the whole tree every 20 ms.

Only the standard library, and little of it, so that the floor stays low.
"""

import json
import os
import subprocess
import sys
import threading
import time

SAMPLE_INTERVAL = 0.02  # seconds


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
    """Record the largest summed PSS and process count of the tree until `stop`."""
    while not stop.wait(SAMPLE_INTERVAL):
        pids = list_tree(root)
        if len(pids) > 1:
            peak["processes"] = max(peak["processes"], len(pids))
            peak["tree_pss"] = max(peak["tree_pss"], sum(read_pss(pid) for pid in pids))


def main() -> None:
    stdout_path, command = sys.argv[1], sys.argv[2:]
    peak = {"processes": 1, "tree_pss": 0}
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
