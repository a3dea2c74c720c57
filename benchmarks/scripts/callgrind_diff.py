#!/usr/bin/env python3
"""Per-call self-cost difference by function between two paths of callgrind_driver:
(A.N2 - A.N1) - (B.N2 - B.N1), divided by N2 - N1. Usage: callgrind_diff.py DIR A B N1 N2 [TOP]"""
import re, subprocess, sys
from collections import defaultdict
d, a, b, n1, n2 = sys.argv[1:6]
top = int(sys.argv[6]) if len(sys.argv) > 6 else 25
def costs(path, n):
    out = subprocess.run(["callgrind_annotate", "--threshold=100", f"{d}/{path}.{n}.out"],
                         capture_output=True, text=True).stdout
    c = defaultdict(int)
    for line in out.splitlines():
        m = re.match(r"\s*([\d,]+) \([^)]*\)\s+\S*?:(.*) \[", line)
        if m:
            name = re.sub(r"::\{\{closure\}\}|<[^<>]*>", "", m.group(2))
            c[name[:110]] += int(m.group(1).replace(",", ""))
    return c
calls = int(n2) - int(n1)
A2, A1, B2, B1 = costs(a, n2), costs(a, n1), costs(b, n2), costs(b, n1)
diff = {k: ((A2[k] - A1[k]) - (B2[k] - B1[k])) / calls for k in set(A2) | set(B2)}
print(f"total per-call difference {a} - {b}: {sum(diff.values()):,.0f} Ir")
for k, v in sorted(diff.items(), key=lambda kv: -abs(kv[1]))[:top]:
    print(f"{v:>10,.0f}  {k}")
