#!/bin/bash
# SPDX-License-Identifier: MIT
# Install into a temporary prefix; compile the README's C program with
# pkg-config against the installed library and run it against the simulator;
# build a CMake project that uses find_package(libmeter).
. "$(dirname "$0")/lib.sh"
: "${METER_BUILD:?}"
prefix="$TMP/prefix"
cmake --install "$METER_BUILD" --prefix "$prefix" >/dev/null
pc=$(dirname "$(find "$prefix" -name libmeter.pc | head -1)")
[ -n "$pc" ] || fail "no libmeter.pc installed"
libdir=$(dirname "$pc")
export PKG_CONFIG_PATH="$pc"
[ "$(pkg-config --modversion libmeter)" = "${METER_VERSION:?}" ] || fail "pkg-config version"
[ "$(pkg-config --modversion libmeter-sim)" = "$METER_VERSION" ] || fail "libmeter-sim.pc"

# the first ```c block of README.md, verbatim
awk '/^```c$/ {on=1; next} /^```$/ && on {exit} on' "$METER_SRC/README.md" >"$TMP/prog.c"
[ -s "$TMP/prog.c" ] || fail "README.md has no \`\`\`c block"
cc -Wall -Wextra -Werror "$TMP/prog.c" -o "$TMP/prog" $(pkg-config --cflags --libs libmeter) ||
    fail "the README program does not compile against the installed library"

start_sim EP --model klefr-6934 --listen tcp:127.0.0.1:0 --frozen
LD_LIBRARY_PATH="$libdir" "$TMP/prog" "$EP?id=1" >"$TMP/out" || fail "README program failed: $(cat "$TMP/out")"
grep -q 'voltage_l1 *230.1 V' "$TMP/out" || fail "README program printed: $(cat "$TMP/out")"

# find_package(libmeter) from an installed CMake package
mkdir -p "$TMP/cm"
cat >"$TMP/cm/CMakeLists.txt" <<'CM'
cmake_minimum_required(VERSION 3.22)
project(uses_libmeter C)
find_package(libmeter 0.2 REQUIRED)
add_executable(prog prog.c)
target_link_libraries(prog PRIVATE libmeter::meter)
CM
cp "$TMP/prog.c" "$TMP/cm/prog.c"
cmake -S "$TMP/cm" -B "$TMP/cm/build" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null || fail "find_package(libmeter)"
cmake --build "$TMP/cm/build" >/dev/null || fail "building against libmeter::meter"
LD_LIBRARY_PATH="$libdir" "$TMP/cm/build/prog" "$EP?id=1" | grep -q 'voltage_l1' || fail "CMake-built program"

# the installed tools run from the prefix as they are: no LD_LIBRARY_PATH, no ldconfig
# (RUNPATH $ORIGIN/../lib), and their man pages are there
for t in meter meter-mqtt power-optimizer; do
    [ -x "$prefix/bin/$t" ] || { [ "$t" = meter-mqtt ] && continue; fail "$t not installed"; }
    readelf -d "$prefix/bin/$t" | grep -q 'RUNPATH.*\$ORIGIN/\.\./' || fail "$t has no \$ORIGIN RUNPATH"
    [ -s "$prefix/share/man/man1/$t.1" ] || fail "man page $t.1 not installed"
    man -l "$prefix/share/man/man1/$t.1" 2>/dev/null | grep -q "EXIT STATUS" ||
        grep -q '^.SH EXIT STATUS' "$prefix/share/man/man1/$t.1" || fail "$t.1 has no EXIT STATUS"
done
env -u LD_LIBRARY_PATH "$prefix/bin/meter" --version | grep -qx "meter $METER_VERSION" || fail "installed meter does not run"
env -u LD_LIBRARY_PATH "$prefix/bin/meter" read -m klefr-6934 -c "$EP?id=1" -q voltage_l1 --csv >"$TMP/inst.csv" ||
    fail "installed meter cannot read: $(cat "$TMP/inst.csv")"
grep -qx 'voltage_l1,230.1,V,ok' "$TMP/inst.csv" || fail "installed meter read: $(cat "$TMP/inst.csv")"
# moved elsewhere with its library, it still runs (the RUNPATH is relative)
cp -a "$prefix" "$TMP/moved"
env -u LD_LIBRARY_PATH "$TMP/moved/bin/meter" models >/dev/null || fail "a moved prefix does not run"
if [ -x "$prefix/bin/meter-mqtt" ]; then
    [ -f "$prefix/lib/systemd/system/meter-mqtt@.service" ] || fail "meter-mqtt@.service not installed"
    grep -q "^ExecStart=$prefix/bin/meter-mqtt -f /etc/meter-mqtt/%i.ini" "$prefix/lib/systemd/system/meter-mqtt@.service" ||
        fail "meter-mqtt@.service: $(grep ExecStart "$prefix/lib/systemd/system/meter-mqtt@.service")"
fi
echo "install: pkg-config and find_package both work; README program read the simulator; installed tools run from the prefix"
