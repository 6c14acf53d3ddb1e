-- memledger SQL schema, version 2.
--
-- Every time is nanoseconds since the traced process started.
-- Every size is in bytes. Ids are unique across the whole database, so
-- several traces (processes) load side by side and join without care.
--
-- The tables named in DESIGN.md ("Contracts") keep their names and
-- columns; columns after the "-- extensions" comment are additions.
--
-- CHECK constraints spell lists out with OR: SQLite builds a temporary
-- index for every row that meets an IN (...) list, which made loading
-- five times slower.

PRAGMA foreign_keys = OFF;

CREATE TABLE IF NOT EXISTS meta (
	key   TEXT PRIMARY KEY,
	value TEXT
);

CREATE TABLE IF NOT EXISTS processes (
	id          INTEGER PRIMARY KEY,
	pid         INTEGER NOT NULL,
	ppid        INTEGER,
	exe         TEXT,
	argv        TEXT,       -- JSON array of strings
	start_ns    INTEGER NOT NULL DEFAULT 0,
	end_ns      INTEGER,
	end_reason  TEXT CHECK (end_reason = 'exit' OR end_reason = 'signal' OR end_reason = 'exec' OR end_reason = 'truncated'),
	exit_code   INTEGER,
	signal      INTEGER,
	-- extensions
	trace_file        TEXT,
	start_unix_ns     INTEGER,  -- wall clock at start
	parent_process_id INTEGER,  -- processes.id of the parent, when loaded
	runtime           TEXT NOT NULL DEFAULT 'native',  -- 'native' (or 'go')
	sample_interval_ns INTEGER,
	stack_depth       INTEGER,
	sample_bytes      INTEGER,  -- 0: every allocation has a row and a stack
	unknown_frees     INTEGER NOT NULL DEFAULT 0,  -- frees of blocks never seen allocated
	events            INTEGER NOT NULL DEFAULT 0,
	tracer_version    TEXT,
	freeres_called    INTEGER NOT NULL DEFAULT 0,  -- runtime caches released before the exit scan
	exit_begin_ns     INTEGER,  -- main returned or exit() was called: exit processing starts
	scanned           INTEGER NOT NULL DEFAULT 0,  -- an exit reachability scan ran
	scan_ns           INTEGER,  -- how long the exit scan took
	scan_blocks       INTEGER,  -- live blocks it classified
	-- extensions for Go
	go_inputs         TEXT,     -- JSON: [{"file":..., "kind":...}] the inputs of a Go process
	go_skipped_lines  INTEGER,  -- gctrace inputs: lines that were the program's own
	hooks_bypassed    INTEGER,  -- 1: the program calls another malloc than memledger's (its own,
	                            -- a static or preloaded allocator), so its allocations are not
	                            -- recorded; 0: they are; NULL: not known (older trace)
	allocator         TEXT,     -- the module whose malloc the program calls
	allocator_glibc   INTEGER   -- 1: glibc's malloc; 0: another, so heap_inuse and heap_idle are NULL
);

CREATE TABLE IF NOT EXISTS snapshots (
	process_id         INTEGER NOT NULL,
	seq                INTEGER NOT NULL,
	label              TEXT NOT NULL,   -- 'start', 'exit', 'sample' or the program's own
	ts_ns              INTEGER NOT NULL,
	alloc              INTEGER,
	total_alloc        INTEGER,
	sys                INTEGER,
	heap_inuse         INTEGER,
	heap_idle          INTEGER,
	heap_released      INTEGER,
	stack_inuse        INTEGER,
	heap_objects       INTEGER,
	mallocs            INTEGER,
	frees              INTEGER,
	live               INTEGER,
	num_gc             INTEGER,   -- NULL for native programs: there is no collector
	gc_cpu_fraction    REAL,      -- NULL for native programs
	alloc_cpu_fraction REAL,      -- share of process CPU time spent in the allocator
	threads            INTEGER,
	rss                INTEGER,
	-- extensions
	kind               TEXT NOT NULL,  -- 'start','exit','sample','user'
	trim_calls         INTEGER,        -- malloc_trim calls so far: the native NumGC counterpart
	cpu_ns             INTEGER,        -- process CPU time so far
	alloc_cpu_ns       INTEGER,        -- estimated CPU time inside the allocator so far
	arena              INTEGER,        -- mallinfo2: non-mmapped bytes from the OS
	hblkhd             INTEGER,        -- mallinfo2: mmapped chunk bytes
	keepcost           INTEGER,        -- mallinfo2: releasable top-most free bytes
	scan               INTEGER NOT NULL DEFAULT 0,  -- a reachability scan ran here
	sys_other          INTEGER,        -- in sys: anonymous memory the program mapped itself (mmap, sbrk)
	tracer_cpu_ns      INTEGER,        -- of cpu_ns: the tracer's own work (alloc_cpu_fraction leaves it out)
	tracer_rss         INTEGER,        -- of rss: the tracer's own memory, resident (NULL in older traces)
	-- extensions for Go (runtime.MemStats fields with no column above; NULL for native)
	num_forced_gc      INTEGER,
	pause_total_ns     INTEGER,
	next_gc            INTEGER,
	last_gc_unix_ns    INTEGER,
	heap_alloc         INTEGER,
	heap_sys           INTEGER,
	stack_sys          INTEGER,
	mspan_inuse        INTEGER,
	mspan_sys          INTEGER,
	mcache_inuse       INTEGER,
	mcache_sys         INTEGER,
	buck_hash_sys      INTEGER,
	gc_sys             INTEGER,
	other_sys          INTEGER,
	lookups            INTEGER,
	PRIMARY KEY (process_id, seq)
) WITHOUT ROWID;

-- Which rows `allocations` holds depends on `ingest --allocations`
-- (meta key 'allocations': 'live', 'all', 'none', or 'mixed' when traces
-- were loaded with different modes):
--   live (default)  the blocks live at exit, with their leak class, and
--                   the blocks a mid-run scan classified (scan_leaks);
--   all             one row per allocation;
--   none            no rows.
-- Every other table is the same whichever mode was used.
CREATE TABLE IF NOT EXISTS allocations (
	id          INTEGER PRIMARY KEY,  -- in trace order within a process
	process_id  INTEGER NOT NULL,
	addr        INTEGER NOT NULL,
	size        INTEGER NOT NULL,     -- requested bytes
	kind        TEXT NOT NULL,        -- malloc, calloc, realloc, reallocarray, memalign,
	                                  -- posix_memalign, aligned_alloc, valloc, pvalloc, inherited
	alloc_ns    INTEGER NOT NULL,
	free_ns     INTEGER,              -- NULL if never freed
	alloc_tid   INTEGER,
	free_tid    INTEGER,
	stack_id    INTEGER,
	leak        TEXT CHECK (leak = 'lost' OR leak = 'indirect' OR leak = 'reachable' OR leak = 'possible'),  -- NULL if freed;
	                                  -- 'possible': reached only through interior pointers (valgrind's possibly lost)
	-- extensions
	temporary   INTEGER NOT NULL DEFAULT 0  -- freed before its thread's next allocation
);

CREATE TABLE IF NOT EXISTS stacks (
	stack_id INTEGER NOT NULL,
	depth    INTEGER NOT NULL,  -- 0 = the frame that called the allocator
	frame_id INTEGER NOT NULL,
	PRIMARY KEY (stack_id, depth)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS frames (
	id       INTEGER PRIMARY KEY,
	module   TEXT,     -- file name of the module (path in `modules`)
	offset   INTEGER,  -- address relative to the module's load bias
	function TEXT,     -- demangled; NULL when unknown
	file     TEXT,
	line     INTEGER,
	inlined  INTEGER NOT NULL DEFAULT 0,  -- 1: inlined into the next deeper frame
	-- extensions
	runtime  INTEGER NOT NULL DEFAULT 0,  -- 1: in the C/C++ runtime (libc, libstdc++, ld.so, ...)
	build_id TEXT      -- the module's build-id (hex): with module, which file; NULL if unknown
);

CREATE TABLE IF NOT EXISTS threads (
	process_id     INTEGER NOT NULL,
	tid            INTEGER NOT NULL,
	start_ns       INTEGER,
	end_ns         INTEGER,
	state_at_exit  TEXT CHECK (state_at_exit = 'main' OR state_at_exit = 'running' OR state_at_exit = 'exited-unjoined' OR state_at_exit = 'joined' OR state_at_exit = 'detached'),
	stack_size     INTEGER,
	stack_id       INTEGER,   -- where it was created
	start_function TEXT,
	-- extensions
	creator_tid    INTEGER,
	join_ns        INTEGER,
	detach_ns      INTEGER,
	PRIMARY KEY (process_id, tid, start_ns)
) WITHOUT ROWID;

-- Where each thread's start function is (module file name, build-id,
-- offset), so that `memledger symbolize` can name it again.
CREATE TABLE IF NOT EXISTS thread_starts (
	process_id INTEGER NOT NULL,
	tid        INTEGER NOT NULL,
	start_ns   INTEGER NOT NULL,
	module     TEXT,
	build_id   TEXT,
	offset     INTEGER NOT NULL,
	PRIMARY KEY (process_id, tid, start_ns)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS resources (
	process_id INTEGER NOT NULL,
	kind       TEXT NOT NULL CHECK (kind = 'pipe' OR kind = 'socket' OR kind = 'eventfd' OR kind = 'timerfd' OR kind = 'posix_timer' OR kind = 'file'),
	handle     INTEGER NOT NULL,  -- fd number or POSIX timer id
	open_ns    INTEGER NOT NULL,
	close_ns   INTEGER,           -- NULL if still open at exit
	stack_id   INTEGER,
	-- extensions
	open_tid   INTEGER,
	close_tid  INTEGER,
	origin     TEXT               -- the call that made it: pipe2, accept4, dup, ...
);

CREATE TABLE IF NOT EXISTS modules (
	process_id INTEGER NOT NULL,
	path       TEXT NOT NULL,
	build_id   TEXT,              -- hex
	base       INTEGER NOT NULL,  -- load bias
	load_ns    INTEGER NOT NULL,
	unload_ns  INTEGER,
	-- extensions
	symbols      TEXT,  -- what its files gave: 'full' (DWARF: functions, files, lines),
	                    -- 'names' (symbol table), 'exports' (exported names only),
	                    -- 'mismatch' (only a file with another build-id: refused),
	                    -- 'missing' (no file); NULL: no stack passes through it
	symbols_from TEXT,  -- where from: 'binary', 'debuglink', '/usr/lib/debug',
	                    -- 'debug-dir', 'sysroot', 'debuginfod'
	symbols_file TEXT   -- the file the symbols came from
);

-- One row per allocation site (a distinct call stack). function, file and
-- line name the first frame outside the C/C++ runtime (else frame 0).
CREATE TABLE IF NOT EXISTS sites (
	process_id  INTEGER NOT NULL,
	stack_id    INTEGER NOT NULL,
	function    TEXT,
	file        TEXT,
	line        INTEGER,
	allocs      INTEGER NOT NULL,
	bytes       INTEGER NOT NULL,
	live_allocs INTEGER NOT NULL,
	live_bytes  INTEGER NOT NULL,
	temporary   INTEGER NOT NULL,
	-- extensions
	lost_allocs      INTEGER NOT NULL DEFAULT 0,
	lost_bytes       INTEGER NOT NULL DEFAULT 0,
	indirect_allocs  INTEGER NOT NULL DEFAULT 0,
	indirect_bytes   INTEGER NOT NULL DEFAULT 0,
	reachable_allocs INTEGER NOT NULL DEFAULT 0,
	reachable_bytes  INTEGER NOT NULL DEFAULT 0,
	peak_live_bytes  INTEGER NOT NULL DEFAULT 0,
	runtime          INTEGER NOT NULL DEFAULT 0,  -- allocated by the runtime for itself
	possible_allocs  INTEGER NOT NULL DEFAULT 0,  -- live at exit, reached only through interior pointers
	possible_bytes   INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (process_id, stack_id)
) WITHOUT ROWID;

-- Live blocks of each site at each snapshot that is not a periodic sample.
CREATE TABLE IF NOT EXISTS site_snapshots (
	process_id   INTEGER NOT NULL,
	snapshot_seq INTEGER NOT NULL,
	stack_id     INTEGER NOT NULL,
	live_allocs  INTEGER NOT NULL,
	live_bytes   INTEGER NOT NULL,
	PRIMARY KEY (process_id, snapshot_seq, stack_id)
) WITHOUT ROWID;

-- Classification by a mid-run scan (memledger_snapshot_flags(.., MEMLEDGER_SCAN)).
CREATE TABLE IF NOT EXISTS scan_leaks (
	process_id    INTEGER NOT NULL,
	snapshot_seq  INTEGER NOT NULL,
	allocation_id INTEGER NOT NULL,
	leak          TEXT NOT NULL CHECK (leak = 'lost' OR leak = 'indirect' OR leak = 'reachable' OR leak = 'possible')
);

-- Go: what each goroutine (a `threads` row, tid = goroutine id) was doing
-- at the last goroutine dump that shows it. A table of its own, so that
-- `threads` keeps its columns.
CREATE TABLE IF NOT EXISTS goroutines (
	process_id    INTEGER NOT NULL,
	tid           INTEGER NOT NULL,
	start_ns      INTEGER NOT NULL,
	wait_reason   TEXT NOT NULL,   -- its state: 'chan receive', 'select', 'running', ...
	wait_minutes  INTEGER,         -- how long it had waited, as the dump says
	wait_stack_id INTEGER,         -- where it was
	PRIMARY KEY (process_id, tid, start_ns)
) WITHOUT ROWID;

-- Go: one row per collection, from the program's gctrace lines.
CREATE TABLE IF NOT EXISTS gc_cycles (
	process_id  INTEGER NOT NULL,
	num         INTEGER NOT NULL,  -- the runtime's GC number
	ts_ns       INTEGER NOT NULL,  -- when the cycle started
	forced      INTEGER NOT NULL,  -- 1: runtime.GC() or debug.FreeOSMemory()
	heap_before INTEGER NOT NULL,  -- heap when the cycle started (bytes)
	heap_after  INTEGER NOT NULL,  -- heap when marking ended
	heap_live   INTEGER NOT NULL,  -- heap marked live
	heap_goal   INTEGER NOT NULL,
	stacks      INTEGER,           -- scannable stack bytes; NULL before Go 1.18
	globals     INTEGER,           -- scannable global bytes; NULL before Go 1.18
	procs       INTEGER NOT NULL,  -- GOMAXPROCS
	pause_ns    INTEGER NOT NULL,  -- the two stop-the-world phases (wall clock)
	mark_ns     INTEGER NOT NULL,  -- the concurrent mark phase (wall clock)
	cpu_ns      INTEGER NOT NULL,  -- CPU time of all phases
	-- extensions
	cpu_percent INTEGER,           -- the runtime's GC CPU share so far, as printed
	assist_cpu_ns INTEGER,         -- mark assists: allocating goroutines made to help
	PRIMARY KEY (process_id, num)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS checklist (
	process_id INTEGER NOT NULL,
	item       TEXT NOT NULL CHECK (item = 'threads_stopped' OR item = 'threads_joined' OR item = 'timers_stopped' OR item = 'containers_cleared' OR item = 'channels_closed' OR item = 'settle_time' OR item = 'gc_repeated' OR item = 'global_references' OR item = 'baseline_returned'),
	status     TEXT NOT NULL CHECK (status = 'pass' OR status = 'fail' OR status = 'n/a'),
	detail     TEXT NOT NULL,
	PRIMARY KEY (process_id, item)
) WITHOUT ROWID;

-- The evidence behind each checklist row, one line per thread, descriptor,
-- site or metric, with a stack where there is one.
CREATE TABLE IF NOT EXISTS checklist_evidence (
	process_id INTEGER NOT NULL,
	item       TEXT NOT NULL,
	seq        INTEGER NOT NULL,
	text       TEXT NOT NULL,
	stack_id   INTEGER,
	value      INTEGER,
	PRIMARY KEY (process_id, item, seq)
) WITHOUT ROWID;

-- The verdicts the report and `check` show, made once at ingest by
-- ingest/verdicts.c: one row per metric (subject 'alloc', 'totalalloc',
-- 'sys', 'heapinuse', 'heapidle', 'stackinuse', 'heapobjects', 'mallocs',
-- 'frees', 'live', 'numgc', 'gccpufraction') and 'baseline', the back-to-
-- baseline rule in short (the Phases table's last row; the checklist's
-- baseline_returned comes from the same rule).
CREATE TABLE IF NOT EXISTS verdicts (
	process_id   INTEGER NOT NULL,
	subject      TEXT NOT NULL,
	status       TEXT NOT NULL CHECK (status = 'pass' OR status = 'fail' OR status = 'n/a'),
	judged       INTEGER NOT NULL DEFAULT 1,  -- 0: a running total, shown without pass or fail
	detail       TEXT NOT NULL,
	baseline_seq INTEGER,  -- the snapshots compared (snapshots.seq)
	final_seq    INTEGER,
	see          TEXT,     -- the section that explains a failure: 'leaks' or 'threads'
	PRIMARY KEY (process_id, subject)
) WITHOUT ROWID;

-- The indexes on allocations are created by ingest (ingest/db.h,
-- DB_ALLOCATION_INDEXES). They are:
--   allocations_stack ON allocations(stack_id)
--   allocations_live  ON allocations(process_id, leak) WHERE free_ns IS NULL
-- Into an empty table, allocations_stack is built once the rows are in:
-- one sort is much faster than keeping it up to date row by row.
-- allocations_live holds only the live rows and is kept during the load.
CREATE INDEX IF NOT EXISTS frames_function ON frames(function);
CREATE INDEX IF NOT EXISTS stacks_frame ON stacks(frame_id);

-- A run's processes as a tree (the rule is report/runs.h's, which draws
-- the same tree on the page). parent is the lineage parent: for an image
-- started by exec, the image it replaced (the latest earlier process with
-- the same pid, when that one ended with 'exec'); otherwise the process
-- that forked it (parent_process_id). So an exec chain is one lineage and
-- path reads 'make → sh → gcc → cc1': program names (the executable's base
-- name) from the root down. depth is 0 for a root; exec is 1 when parent
-- is the image this one replaced.
CREATE VIEW IF NOT EXISTS process_tree AS
WITH RECURSIVE
lineage(id, pid, exec_parent, fork_parent, name) AS (
	SELECT p.id, p.pid,
	       (SELECT CASE WHEN e.end_reason = 'exec' THEN e.id END FROM processes e
	        WHERE e.pid = p.pid AND e.id != p.id
	          AND (e.start_unix_ns < p.start_unix_ns OR (e.start_unix_ns = p.start_unix_ns AND e.id < p.id))
	        ORDER BY e.start_unix_ns DESC, e.id DESC LIMIT 1),
	       (SELECT q.id FROM processes q WHERE q.id = p.parent_process_id),
	       CASE WHEN p.exe IS NULL OR p.exe = '' OR substr(p.exe, -1) = '/' THEN coalesce(nullif(p.exe, ''), '(unknown program)')
	            ELSE substr(p.exe, length(rtrim(p.exe, replace(p.exe, '/', ''))) + 1) END
	FROM processes p
),
tree(id, parent, depth, path) AS (
	SELECT id, NULL, 0, name FROM lineage WHERE coalesce(exec_parent, fork_parent) IS NULL
	UNION ALL
	SELECT l.id, t.id, t.depth + 1, t.path || ' → ' || l.name
	FROM lineage l JOIN tree t ON coalesce(l.exec_parent, l.fork_parent) = t.id
	WHERE t.depth < 100000
)
SELECT t.id, t.parent, t.depth, t.path, l.name AS program, l.pid,
       l.exec_parent IS NOT NULL AS exec
FROM tree t JOIN lineage l ON l.id = t.id;

-- One row of totals over every process of the run (the run summary's
-- figures): processes; wall_ns from the first start to the last end;
-- allocations (Mallocs) and total_alloc (TotalAlloc) summed over the
-- processes; peak_live_bytes, the peak of the sum of every process's Alloc
-- over wall time (each Alloc a step function from its snapshots, falling
-- to 0 when the process ends); lost and indirectly lost bytes at exit; and
-- the processes with a failing checklist item.
CREATE VIEW IF NOT EXISTS run_totals AS
WITH per AS (
	SELECT p.id, p.start_unix_ns AS t0,
	       coalesce(p.end_ns - p.start_ns, (SELECT max(s.ts_ns) FROM snapshots s WHERE s.process_id = p.id)) AS duration_ns,
	       coalesce((SELECT max(s.mallocs) FROM snapshots s WHERE s.process_id = p.id),
	                (SELECT sum(x.allocs) FROM sites x WHERE x.process_id = p.id)) AS allocs,
	       coalesce((SELECT max(s.total_alloc) FROM snapshots s WHERE s.process_id = p.id),
	                (SELECT sum(x.bytes) FROM sites x WHERE x.process_id = p.id)) AS total_alloc,
	       (SELECT sum(x.lost_bytes) FROM sites x WHERE x.process_id = p.id) AS lost,
	       (SELECT sum(x.indirect_bytes) FROM sites x WHERE x.process_id = p.id) AS indirect,
	       EXISTS (SELECT 1 FROM checklist c WHERE c.process_id = p.id AND c.status = 'fail') AS failing
	FROM processes p
),
-- each process's Alloc as points (t, v) in order o: its timeline's (each
-- bucket's peak at its time, then its end value), or its snapshots' in a
-- process without one
pts(pid, t, o, v) AS (
	SELECT process_id, peak_ns, 2 * seq, peak_bytes FROM timeline
	UNION ALL
	SELECT process_id, end_ns, 2 * seq + 1, live_bytes FROM timeline
	UNION ALL
	SELECT s.process_id, s.ts_ns, s.seq, s.alloc FROM snapshots s
	WHERE s.alloc IS NOT NULL AND NOT EXISTS (SELECT 1 FROM timeline l WHERE l.process_id = s.process_id)
),
steps(t, d) AS (
	SELECT coalesce(p.start_unix_ns, 0) - p.start_ns + min(x.t, coalesce(p.end_ns, x.t)),
	       x.v - coalesce(lag(x.v) OVER (PARTITION BY x.pid ORDER BY x.o), 0)
	FROM pts x JOIN processes p ON p.id = x.pid
	UNION ALL
	SELECT coalesce(p.start_unix_ns, 0) - p.start_ns + p.end_ns,
	       -(SELECT x.v FROM pts x WHERE x.pid = p.id ORDER BY x.o DESC LIMIT 1)
	FROM processes p WHERE p.end_ns IS NOT NULL
),
live(v) AS (SELECT sum(d) OVER (ORDER BY t) FROM steps WHERE d IS NOT NULL)
SELECT (SELECT count(*) FROM per) AS processes,
       (SELECT max(t0 + duration_ns) - min(t0) FROM per) AS wall_ns,
       (SELECT coalesce(sum(allocs), 0) FROM per) AS allocations,
       (SELECT coalesce(sum(total_alloc), 0) FROM per) AS total_alloc,
       (SELECT max(0, coalesce(max(v), 0)) FROM live) AS peak_live_bytes,
       (SELECT coalesce(sum(lost), 0) FROM per) AS lost_bytes,
       (SELECT coalesce(sum(indirect), 0) FROM per) AS indirect_bytes,
       (SELECT coalesce(sum(failing), 0) FROM per) AS failing_processes;
-- The allocation timeline of each process, counted from every event at
-- ingest whatever the allocations mode (ingest --allocations): the run cut
-- into fixed time buckets (about 1000 over the run; a truncated trace may
-- have more), each with what was allocated and freed in it and the live
-- requested bytes (Alloc) at its end and at its highest. peak_bytes is the
-- true peak inside the bucket: a short run with only its start and exit
-- snapshots still shows the peak it reached between them. For one thread
-- it is exact; events of several threads are ordered to a bucket. The
-- run's peak of Alloc is the row with the largest peak_bytes:
--   SELECT peak_bytes, peak_ns FROM timeline WHERE process_id = 1
--   ORDER BY peak_bytes DESC, peak_ns LIMIT 1
CREATE TABLE IF NOT EXISTS timeline (
	process_id  INTEGER NOT NULL,
	seq         INTEGER NOT NULL,  -- bucket number, from 0 at the process's start
	start_ns    INTEGER NOT NULL,
	end_ns      INTEGER NOT NULL,  -- start_ns of the next bucket
	allocs      INTEGER NOT NULL,  -- allocations in the bucket
	alloc_bytes INTEGER NOT NULL,
	frees       INTEGER NOT NULL,  -- frees of blocks the trace saw allocated
	free_bytes  INTEGER NOT NULL,
	live_allocs INTEGER NOT NULL,  -- blocks live at end_ns (HeapObjects)
	live_bytes  INTEGER NOT NULL,  -- requested bytes live at end_ns (Alloc)
	peak_bytes  INTEGER NOT NULL,  -- the highest Alloc in the bucket
	peak_ns     INTEGER NOT NULL,  -- when it was reached
	PRIMARY KEY (process_id, seq)
) WITHOUT ROWID;

-- Per-site histograms of block sizes and lifetimes, log2 buckets, counted
-- from every event whatever the allocations mode. Bucket 0 holds [0, 2),
-- bucket b holds [lo, hi) = [2^b, 2^(b+1)); the last bucket (hi NULL)
-- everything above. kind 'size': every allocation by its requested size;
-- kind 'lifetime': every block freed during the run by the nanoseconds it
-- lived (blocks live at exit are not in it), with its bytes.
CREATE TABLE IF NOT EXISTS site_histograms (
	process_id INTEGER NOT NULL,
	stack_id   INTEGER NOT NULL,
	kind       TEXT NOT NULL CHECK (kind = 'size' OR kind = 'lifetime'),
	bucket     INTEGER NOT NULL,
	lo         INTEGER NOT NULL,
	hi         INTEGER,
	allocs     INTEGER NOT NULL,
	bytes      INTEGER NOT NULL,
	PRIMARY KEY (process_id, stack_id, kind, bucket)
) WITHOUT ROWID;
