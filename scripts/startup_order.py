#!/usr/bin/env python3
"""The app's start-up functions, for the linker's --symbol-ordering-file (scripts/startup-order.sh).

  startup_order.py make CALLGRIND_OUT LINK_MAP BINARY_NAME > src-tauri/startup-order.txt
      The executable's functions that ran under Valgrind's callgrind, named by the code sections
      of LLD's link map (`-Wl,-Map`, the same build): one mangled symbol a line, in link order.
  startup_order.py check [MIN_FRACTION]
      How many of src-tauri/startup-order.txt's names the release build's link map
      (target/release/twofold-desktop.map) still has (their hashes change with the toolchain and
      the dependencies); exits 1 under MIN_FRACTION (0.9) with what to run.

The executable is stripped, so callgrind names each function by its address; the link map
says which input section (`.text.<symbol>`, one per function) holds that address.
"""
import bisect
import re
import sys

# Where the release build writes its link map (TWOFOLD_LINK_MAP) and where the order is kept.
LINK_MAP = "target/release/twofold-desktop.map"
ORDER_FILE = "src-tauri/startup-order.txt"
# `.text.unlikely.<symbol>` and the like: LLVM's prefixes for cold, hot and start-up code.
PREFIXES = ("unlikely.", "hot.", "startup.", "exit.")
SECTION = re.compile(r"^\s*([0-9a-f]+)\s+[0-9a-f]+\s+([0-9a-f]+)\s+\d+\s+\S.*:\(\.text\.([^)]*)\)$")


def symbol(section_suffix):
    for p in PREFIXES:
        if section_suffix.startswith(p):
            return section_suffix[len(p):]
    return section_suffix


def sections(link_map):
    """(address, size, symbol) of every function's own code section, by address."""
    out = []
    with open(link_map, errors="replace") as f:
        for line in f:
            m = SECTION.match(line)
            if m:
                out.append((int(m.group(1), 16), int(m.group(2), 16), symbol(m.group(3))))
    out.sort()
    return out


def ran(callgrind_out, binary_name):
    """The addresses callgrind saw called (or running) in the executable named binary_name."""
    objects, functions = {}, {}
    current, called_in = None, None
    found = set()

    def named(table, key, rest):
        if rest:
            table[key] = rest
        return table.get(key)

    entry = re.compile(r"\((\d+)\)(?: (.*))?$")
    with open(callgrind_out, errors="replace") as f:
        for line in f:
            if not line.startswith(("ob=", "cob=", "fn=", "cfn=")):
                continue
            key, _, value = line.rstrip("\n").partition("=")
            m = entry.match(value)
            if not m:
                continue
            ident, rest = m.group(1), m.group(2)
            if key == "ob":
                current, called_in = named(objects, ident, rest), None
            elif key == "cob":
                called_in = named(objects, ident, rest)
            else:
                name = named(functions, ident, rest)
                obj = current if key == "fn" or called_in is None else called_in
                if key == "cfn":
                    called_in = None
                # A stripped executable's functions are named "0x<address>" (with "'N" for a
                # recursion depth).
                if obj and obj.endswith("/" + binary_name) and name and name.startswith("0x"):
                    found.add(int(name.split("'")[0], 16))
    return found


def make(callgrind_out, link_map, binary_name):
    secs = sections(link_map)
    starts = [s[0] for s in secs]
    names, size = [], 0
    for address in sorted(ran(callgrind_out, binary_name)):
        k = bisect.bisect_right(starts, address) - 1
        if k >= 0 and address < secs[k][0] + secs[k][1] and (not names or names[-1] != secs[k][2]):
            names.append(secs[k][2])
            size += secs[k][1]
    names = list(dict.fromkeys(names))
    if not names:
        sys.exit(f"startup_order.py: no function of {binary_name} ran under callgrind (was it built with TWOFOLD_LINK_MAP?)")
    print("\n".join(names))
    print(f"startup order: {len(names)} functions, {size / 2**20:.2f} MB of code", file=sys.stderr)


def check(minimum=0.9):
    have = {s[2] for s in sections(LINK_MAP)}
    with open(ORDER_FILE) as f:
        wanted = [line.strip() for line in f if line.strip()]
    found = sum(1 for name in wanted if name in have)
    share = found / len(wanted) if wanted else 0.0
    print(f"startup order: {found} of {len(wanted)} functions of {ORDER_FILE} are in this build ({share:.0%})")
    if share < minimum:
        print(
            f"startup order: under {minimum:.0%}: the file is stale (a toolchain or dependency "
            "bump renames functions); run scripts/startup-order.sh and commit the file",
            file=sys.stderr,
        )
        sys.exit(1)


if __name__ == "__main__":
    args = sys.argv[1:]
    if len(args) == 4 and args[0] == "make":
        make(*args[1:])
    elif len(args) in (1, 2) and args[0] == "check":
        check(*(float(a) for a in args[1:]))
    else:
        sys.exit(__doc__)
