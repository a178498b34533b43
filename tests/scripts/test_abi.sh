#!/bin/bash
# SPDX-License-Identifier: MIT
# The ABI check (docs/abi.md): a caller compiled against the released LIBMETER_1
# headers (tests/abi/libmeter-1) runs against this tree's libmeter.so and
# libmeter-sim.so, and binds only to released version nodes.
. "$(dirname "$0")/lib.sh"
: "${METER_LIB:?}" "${METER_SIM_LIB:?}"
libdir=$(dirname "$METER_LIB")
simdir=$(dirname "$METER_SIM_LIB")
cc -std=c11 -Wall -Wextra -Werror -I"$METER_SRC/tests/abi/libmeter-1" "$METER_SRC/tests/abi/caller.c" \
    -o "$TMP/caller" -L"$libdir" -L"$simdir" -lmeter -lmeter-sim || fail "caller does not compile"
# every libmeter symbol it binds to is in a released node
objdump -T "$TMP/caller" | awk '/ meter_/ && !/ meter_sim_/ {print $(NF-1), $NF}' >"$TMP/syms"
[ -s "$TMP/syms" ] || fail "no libmeter symbols bound"
if grep -v '^(LIBMETER_1) ' "$TMP/syms"; then fail "symbols outside LIBMETER_1"; fi
start_sim EP --model klefr-6934 --listen tcp:127.0.0.1:0 --frozen
LD_LIBRARY_PATH="$libdir:$simdir" "$TMP/caller" "$EP?id=1" || fail "the LIBMETER_1 caller failed"
echo "abi: $(wc -l <"$TMP/syms") LIBMETER_1 symbols bound, caller ran"
