# Shared by the sites tests (t0600, t0601). Set SRC (the test program's
# source) first; sources common.sh, checklist.sh and report.sh, sets TOOL
# to ML (the report runs on the tool the trace was made with) and defines:
#   line TAG    the line of SRC that holds the comment "SITE:TAG "
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/checklist.sh"
. "$(dirname "$0")/lib/report.sh"
TOOL=$ML

line() { grep -n "SITE:$1 " "$SRC" | cut -d: -f1; }
