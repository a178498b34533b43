#!/bin/bash
# SPDX-License-Identifier: MIT
# Each public header compiles on its own, as C11 and C++, pedantic and warning-free.
set -eu
: "${METER_SRC:?}"
for h in "$METER_SRC"/include/meter/*.h; do
    name=meter/$(basename "$h")
    printf '#include <%s>\nint meter_header_test_dummy;\n' "$name" |
        cc -std=c11 -pedantic -Wall -Wextra -Werror -fsyntax-only -I "$METER_SRC/include" -x c - ||
        { echo "FAIL: $name does not compile alone"; exit 1; }
done
echo "headers: each compiles alone"
