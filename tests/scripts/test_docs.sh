#!/bin/bash
# SPDX-License-Identifier: MIT
# Runs tests/scripts/test_docs.py: every `meter` line of the docs' shell blocks
# against simulators (the rule and the exclusions are written there).
. "$(dirname "$0")/lib.sh"
"$PY" "$(dirname "$0")/test_docs.py"
