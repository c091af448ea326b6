#!/usr/bin/env bash
# Mutation testing of src/hkvatax/ledger and src/hkvatax/rules with mutmut -- not part of the default test run.
#
#   bench/mutation.sh                # every mutant (about 9,000; over an hour on 2 cores)
#   SAMPLE=1500 bench/mutation.sh    # a seeded uniform sample (about 15 minutes on 2 cores)
#   ONLY=fast.py,stream.py SAMPLE=200 bench/mutation.sh   # a sample of some files only
#
# Stages a copy of the project in build/mutation (with the @rule decorators unrolled so that mutmut mutates
# the rule bodies, see bench/mutation_prepare.py), runs mutmut there with the low, derandomized "mutation"
# hypothesis profile, and prints killed / survived / no coverage / timeout per package and per file
# (bench/mutation_score.py; add --survivors to list them). Decision: docs/decisions/0060-mutation-testing.md.
# Inspect a survivor with: (cd build/mutation && mutmut show NAME)
set -euo pipefail
cd "$(dirname "$0")/.."
python -m pip install --quiet "mutmut>=3.8,<4"
STAGE=build/mutation
python bench/mutation_prepare.py "$STAGE"
cd "$STAGE"
export PYTHONPATH=src HKVATAX_HYPOTHESIS_PROFILE=mutation
CHILDREN="${MAX_CHILDREN:-2}"
if [ -n "${SAMPLE:-}" ]; then
    # generate the mutants and collect the test map only, then check a seeded uniform sample
    mutmut run --max-children "$CHILDREN" "no.such.mutant" >mutmut.log 2>&1 || true
    mapfile -t NAMES < <(python bench/mutation_sample.py . "$SAMPLE" "${SEED:-6}")
    mutmut run --max-children "$CHILDREN" "${NAMES[@]}" >>mutmut.log 2>&1 || { tail -c 2000 mutmut.log; exit 1; }
else
    mutmut run --max-children "$CHILDREN" >mutmut.log 2>&1 || { tail -c 2000 mutmut.log; exit 1; }
fi
python bench/mutation_score.py . "$@"
