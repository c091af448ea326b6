#!/usr/bin/env bash
# Mutation testing of src/hkvatax/ledger and src/hkvatax/rules with mutmut -- not part of the default test run.
#
#   bench/mutation.sh [MAX_CHILDREN]        # about 25 minutes on 2 cores
#
# Stages a copy of the project in build/mutation (with the @rule decorators unrolled so that mutmut mutates
# the rule bodies, see bench/mutation_prepare.py), runs mutmut there with the low, derandomized "mutation"
# hypothesis profile, and prints killed / survived / no coverage / timeout per package and per file.
# Inspect a survivor with: (cd build/mutation && mutmut show NAME)
set -euo pipefail
cd "$(dirname "$0")/.."
python -m pip install --quiet "mutmut>=3.8,<4"
STAGE=build/mutation
python bench/mutation_prepare.py "$STAGE"
cd "$STAGE"
export PYTHONPATH=src HKVATAX_HYPOTHESIS_PROFILE=mutation
mutmut run --max-children "${1:-2}" >mutmut.log 2>&1 || { tail -c 2000 mutmut.log; exit 1; }
python bench/mutation_score.py . "${@:2}"
