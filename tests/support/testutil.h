/* testutil.h - helpers every sluice test program may use: unique segment
 * names that are swept away even when a test fails, and child processes
 * that cannot outlive the test that forked them. */
#ifndef SLUICE_TESTUTIL_H
#define SLUICE_TESTUTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Writes a name unique to this test run ("/sluice-t<pid>-<n>-<tag>") into
 * buf. Every name made here starts with the run's prefix, which
 * tu_sweep_names() removes. */
const char *tu_name(char *buf, size_t len, const char *tag);

/* Unlinks every segment in /dev/shm that carries this run's prefix; returns
 * how many it removed. Called by tu_run() after the suite, pass or fail. */
int tu_sweep_names(void);

/* fork() whose child gets SIGKILL when the parent dies, so a failed test
 * never leaves a process behind. Returns what fork() returns. */
pid_t tu_fork(void);

/* Waits for pid; returns its exit status, or 128+signal if it was killed,
 * or -1 if it did not end within timeout_ms (it is then SIGKILLed). */
int tu_wait(pid_t pid, int timeout_ms);

/* The read-like system calls process pid has made (syscr in
 * /proc/PID/io), or -1 where that cannot be read.  Counts work that must
 * not happen (a /proc read per message, say) without timing anything. */
long long tu_syscr(pid_t pid);

/* Monotonic clock in nanoseconds. */
uint64_t tu_now_ns(void);

/* Evaluates a Python expression over the JSON file `file` (bound to `s`)
 * with Debian's python3 and returns it as a number; fails the test if
 * that cannot be done. */
double tu_json_number(const char *file, const char *expr);

/* Runs a Check suite built by make_suite() in fork mode, sweeps names, and
 * returns the exit status for main(). */
struct Suite;
int tu_run(struct Suite *(*make_suite)(void));

#endif
