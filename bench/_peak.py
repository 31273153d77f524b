"""``python _peak.py COMMAND...``: run COMMAND; print its peak RSS in KB on stderr.

Linux carries a process's resident high-water mark across fork and exec, so a
command started by the bench (which holds large DuckDB results) would report the
bench's own peak. Started from this small process instead, it reports its own.
"""

import os
import subprocess
import sys

process = subprocess.Popen(sys.argv[1:])
_, status, usage = os.wait4(process.pid, 0)
print(f"__peak_kb__ {usage.ru_maxrss}", file=sys.stderr, flush=True)
sys.exit(os.waitstatus_to_exitcode(status))
