"""Re-check surviving mutants against tests/mutation_guards only (a quick 'after' measure between full runs).

Runs inside a finished mutmut directory (``build/mutation/mutants``) the way mutmut does -- one forked
pytest per mutant with ``MUTANT_UNDER_TEST`` set -- but only for the mutants named on stdin and only with
the guard tests copied in from the working tree. Prints ``name exit-code`` (1 = killed, 0 = survived).

Usage: cd build/mutation/mutants && python ../../../bench/mutation_recheck.py < survivors.txt
"""

from __future__ import annotations

import os
import sys

import pytest

import hkvatax.explain  # noqa: F401 - import the mutated package once, before forking
import hkvatax.ledger  # noqa: F401
import hkvatax.rules.catalogue  # noqa: F401


def main() -> int:
    names = [line.strip() for line in sys.stdin if line.strip()]
    killed = 0
    for name in names:
        pid = os.fork()
        if pid == 0:
            os.environ["MUTANT_UNDER_TEST"] = name
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115
            code = pytest.main(["-x", "-q", "-p", "no:randomly", "-p", "no:cacheprovider", "tests/mutation_guards"])
            os._exit(int(code))
        _, status = os.waitpid(pid, 0)
        code = os.waitstatus_to_exitcode(status)
        killed += code == 1
        print(name, code, flush=True)
    print(f"# {killed} of {len(names)} killed by tests/mutation_guards", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
