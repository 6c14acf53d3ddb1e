#!/bin/sh
# Acceptance 6 (issue 2): demangled C++ template names appear in frames.
. "$(dirname "$0")/lib/common.sh"
trace cxx "$PROGS/cxx_templates"
[ "$RC" -eq 0 ] || fail "cxx_templates exited $RC"
load cxx
DB=$WORK/cxx.db
for f in 'make_widget<int>' 'make_widget<double>' 'std::vector<' '_M_emplace_hint_unique' 'std::map<int, std::__cxx11::basic_string'; do
	n=$(q "$DB" "SELECT count(*) FROM frames WHERE instr(function, '$f') > 0")
	[ "$n" -ge 1 ] || fail "no frame named like $f"
done
n=$(q "$DB" "SELECT count(*) FROM frames WHERE function LIKE '_Z%'")
[ "$n" = 0 ] || fail "$n frames left mangled"
# file and line come from DWARF for the program's own frames
n=$(q "$DB" "SELECT count(*) FROM frames WHERE instr(function, 'make_widget<') > 0 AND file LIKE '%cxx_templates.cc' AND line > 0")
[ "$n" -ge 1 ] || fail "make_widget frames lack file:line"
# the libstdc++ frames (no debug info) are still named, from the symbol table
n=$(q "$DB" "SELECT count(*) FROM frames WHERE module LIKE 'libstdc++%' AND function = 'operator new(unsigned long)'")
[ "$n" -ge 1 ] || fail "operator new not named"
exit 0
