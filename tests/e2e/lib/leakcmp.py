"""Compare memledger's leak classes with valgrind memcheck's, per site.

usage: leakcmp.py VALGRIND_XML SITES_JSON FRAMES_JSON PROGRAM

VALGRIND_XML  valgrind --leak-check=full --show-leak-kinds=all --xml=yes
SITES_JSON    memledger query --json: stack_id, lost_allocs, lost_bytes,
              indirect_allocs, indirect_bytes, reachable_allocs,
              reachable_bytes, possible_allocs, possible_bytes of every
              site with live blocks at exit
FRAMES_JSON   memledger query --json: stack_id, depth, module, function of
              those sites' stacks
PROGRAM       the traced executable

A site is keyed by the program's own frames, innermost first, up to main:
"xmalloc < lost_list < main". valgrind shows no frame below main, and
memledger's runtime frames (libc, libstdc++) differ from valgrind's
replacements (vgpreload), so both are left out of the key. Blocks with no
frame in the program are runtime blocks, keyed "(runtime)": they are left
out of the comparison and the totals (printed as a note), because the
runtime's own caches say nothing about the program and valgrind frees some
of them (libstdc++'s emergency pool) before its leak check.

valgrind's classes map to memledger's: definitely lost -> lost, indirectly
lost -> indirect, possibly lost -> possible, still reachable (including
"reachable via heuristic") -> reachable.

Exact: every key's live blocks and bytes, and every class total once the
tolerance below is applied. Tolerated: "a stale pointer or two". A stale
pointer only adds reachability, so it moves blocks between lost/indirect
and reachable/possible, never between lost and indirect, and never changes
how many blocks a site holds. Such moves are accepted in at most two sites and are
printed as notes on stderr. Exit 0 when the two agree, with valgrind's
totals on stdout ("valgrind: lost 3/196 indirect 4/240 reachable 6/1020
possible 2/176", blocks/bytes); else 1 with one line per difference on stdout.
"""
import json
import os
import re
import sys
import xml.etree.ElementTree as ET

CLASSES = ("lost", "indirect", "reachable", "possible")
VG_KIND = {
    "Leak_DefinitelyLost": "lost",
    "Leak_IndirectlyLost": "indirect",
    "Leak_StillReachable": "reachable",
    "Leak_PossiblyLost": "possible",
}
MAX_STALE_SITES = 2
RUNTIME = "(runtime)"


def key_of(functions):
    """functions: the program's frames, innermost first."""
    out = []
    for fn in functions:
        out.append(fn or "?")
        if fn == "main":
            break
    return " < ".join(out) if out else RUNTIME


def empty():
    return {c: [0, 0] for c in CLASSES}


def valgrind_sites(path, program):
    sites = {}
    for err in ET.parse(path).getroot().iter("error"):
        kind = VG_KIND.get(err.findtext("kind"))
        if not kind:
            continue
        xw = err.find("xwhat")
        blocks = int(xw.findtext("leakedblocks"))
        nbytes = int(xw.findtext("leakedbytes"))
        # a record that owns indirect blocks counts their bytes too:
        # "160 (64 direct, 96 indirect) bytes in 1 blocks are definitely lost"
        direct = re.match(r"[\d,]+ \(([\d,]+) direct, [\d,]+ indirect\)", xw.findtext("text") or "")
        if direct:
            nbytes = int(direct.group(1).replace(",", ""))
        fns = [f.findtext("fn") for f in err.find("stack").iter("frame")
               if f.findtext("obj") == program]
        s = sites.setdefault(key_of(fns), empty())
        s[kind][0] += blocks
        s[kind][1] += nbytes
    return sites


def memledger_sites(sites_json, frames_json, program):
    module = os.path.basename(program)
    chains = {}
    for f in sorted(json.load(open(frames_json)), key=lambda r: (r["stack_id"], r["depth"])):
        if f["module"] and os.path.basename(f["module"]) == module:
            chains.setdefault(f["stack_id"], []).append(f["function"])
    sites = {}
    for r in json.load(open(sites_json)):
        s = sites.setdefault(key_of(chains.get(r["stack_id"], [])), empty())
        for c in CLASSES:
            s[c][0] += r[c + "_allocs"]
            s[c][1] += r[c + "_bytes"]
    return sites


def fmt(s):
    return ", ".join("%s %d/%d B" % (c, s[c][0], s[c][1]) for c in CLASSES if s[c][0])


def main():
    vg_xml, sites_json, frames_json, program = sys.argv[1:5]
    vg = valgrind_sites(vg_xml, program)
    ml = memledger_sites(sites_json, frames_json, program)
    # the runtime's own blocks (libstdc++'s emergency pool, ...) are no
    # evidence about the program: valgrind frees some through __freeres
    for side, tool in ((vg, "valgrind"), (ml, "memledger")):
        rt = side.pop(RUNTIME, None)
        if rt and any(rt[c][0] for c in CLASSES):
            print("note: %s: runtime blocks left out: [%s]" % (tool, fmt(rt)), file=sys.stderr)
    problems, stale = [], []
    for key in sorted(set(vg) | set(ml)):
        v, m = vg.get(key, empty()), ml.get(key, empty())
        if all(v[c] == m[c] for c in CLASSES):
            continue
        vt = [sum(v[c][i] for c in CLASSES) for i in (0, 1)]
        mt = [sum(m[c][i] for c in CLASSES) for i in (0, 1)]
        # a stale pointer moves blocks to (or from) reachable or possible
        # and nothing else: those change one way, lost and indirect the other
        reach_only = True
        for i in (0, 1):  # blocks, bytes
            d = {c: m[c][i] - v[c][i] for c in CLASSES}
            up = d["reachable"] + d["possible"]
            reach_only &= up != 0 and d["lost"] * up <= 0 and d["indirect"] * up <= 0
        what = "%s: valgrind [%s], memledger [%s]" % (key, fmt(v), fmt(m))
        if vt != mt:
            problems.append("%s: live at exit: valgrind %d blocks/%d B, memledger %d blocks/%d B"
                            % (key, vt[0], vt[1], mt[0], mt[1]))
        elif reach_only:
            stale.append(what)
        else:
            problems.append(what)
    if len(stale) > MAX_STALE_SITES:
        problems += ["differs in reachability (more than %d sites): %s" % (MAX_STALE_SITES, s) for s in stale]
    else:
        for s in stale:
            print("note: tolerated as a stale pointer: " + s, file=sys.stderr)
    for c in CLASSES + ("live",):
        cs = CLASSES if c == "live" else (c,)
        tv = [sum(s[k][i] for s in vg.values() for k in cs) for i in (0, 1)]
        tm = [sum(s[k][i] for s in ml.values() for k in cs) for i in (0, 1)]
        if tv != tm and (c == "live" or not stale):
            problems.append("total %s: valgrind %d blocks/%d B, memledger %d blocks/%d B"
                            % (c, tv[0], tv[1], tm[0], tm[1]))
    for p in problems:
        print(p)
    if problems:
        return 1
    print("valgrind: " + " ".join("%s %d/%d" % (c, sum(s[c][0] for s in vg.values()),
                                                sum(s[c][1] for s in vg.values())) for c in CLASSES))
    return 0


if __name__ == "__main__":
    sys.exit(main())
