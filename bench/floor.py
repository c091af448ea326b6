"""The parse floor: csv.reader + three Decimals + one ISO timestamp per row, nothing else.

    python floor.py LEDGER.csv   → prints seconds for the loop (file read included), rows, CPU seconds
"""

import csv
import io
import sys
import time
from datetime import datetime
from decimal import Decimal

t = time.perf_counter()
c = time.process_time()
with open(sys.argv[1], encoding="utf-8-sig") as fh:
    text = fh.read()
reader = csv.reader(io.StringIO(text, newline=""))
header = next(reader)
i_ts, i_q, i_a, i_f = (header.index(c) for c in ("timestamp", "quantity", "amount", "fee_amount"))
n = 0
for row in reader:
    datetime.fromisoformat(row[i_ts])
    Decimal(row[i_q] or "0")
    Decimal(row[i_a] or "0")
    Decimal(row[i_f] or "0")
    n += 1
print(time.perf_counter() - t, n, time.process_time() - c)
