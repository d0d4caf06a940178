/* The reproducer generator.  It walks a parsed case (struct tcase) and
 * writes C: a function per fixture kind and per argument type, and a
 * template per call, each found by name in a table below.  A new kind or
 * call needs one entry here (and a helper in the support code when the
 * harness does the step itself); the test that reproduces every case
 * (tests/test_repro.py) fails on a kind or call without one.
 *
 * The generated program keeps the harness's shape so that its outcomes
 * are the harness's: the case runs in a child process (a signal that
 * kills it is that step's outcome), the parent is the watchdog (a step
 * still in its call after the timeout gets a real-time signal, handled
 * without SA_RESTART, and its outcome is `blocks`), SIGPIPE, SIGALRM,
 * SIGUSR1 and SIGXFSZ are caught and recorded, and outcomes are spelt
 * canonically (harness/outcome.c, harness/data.c). */
#include "repro.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>

#include "calls.h"
#include "kinds.h"
#include "lex.h"
#include "names.h"

/* The support code the program is made of: "head", "data" and "common"
 * always, the others when a fixture or step uses them (in this order, so
 * that a helper comes after those it calls). */
struct helper {
	const char *name;
	const char *code;
};

/* harness/actor_rt.c and harness/stream_rt.c as text (build/rt_text.c):
 * the code the harness runs is the code a reproducer embeds. */
extern const char rt_actor_text[], rt_stream_text[], rt_thp_text[];

static const struct helper helpers[] = {
	{"head",
	 "#define _GNU_SOURCE\n"
	 "#include <errno.h>\n"
	 "#include <fcntl.h>\n"
	 "#include <ftw.h>\n"
	 "#include <poll.h>\n"
	 "#include <signal.h>\n"
	 "#include <stdint.h>\n"
	 "#include <stdio.h>\n"
	 "#include <stdlib.h>\n"
	 "#include <string.h>\n"
	 "#include <netinet/in.h>\n"
	 "#include <sys/epoll.h>\n"
	 "#include <sys/eventfd.h>\n"
	 "#include <sys/inotify.h>\n"
	 "#include <sys/ioctl.h>\n"
	 "#include <sys/mman.h>\n"
	 "#include <sys/prctl.h>\n"
	 "#include <sys/resource.h>\n"
	 "#include <sys/signalfd.h>\n"
	 "#include <sys/socket.h>\n"
	 "#include <sys/stat.h>\n"
	 "#include <sys/syscall.h>\n"
	 "#include <sys/time.h>\n"
	 "#include <sys/timerfd.h>\n"
	 "#include <sys/uio.h>\n"
	 "#include <sys/wait.h>\n"
	 "#include <termios.h>\n"
	 "#include <time.h>\n"
	 "#include <unistd.h>\n"
	},
	{"data",
	 "/* Data read back, spelt as splicecheck spells it (harness/data.c): runs of\n"
	 " * 8 or more equal bytes as \"a\"*4096, other bytes as quoted text, joined by\n"
	 " * +; when that would take more than 6 pieces or 96 characters, the FNV-1a\n"
	 " * 64-bit hash of the bytes: fnv64=0123456789abcdef. */\n"
	 "static unsigned long long fnv64(const unsigned char *p, size_t n)\n"
	 "{\n"
	 "\tunsigned long long h = 0xcbf29ce484222325ULL;\n"
	 "\tfor (size_t i = 0; i < n; i++) {\n"
	 "\t\th ^= p[i];\n"
	 "\t\th *= 0x100000001b3ULL;\n"
	 "\t}\n"
	 "\treturn h;\n"
	 "}\n"
	 "\n"
	 "static size_t quote(char *out, size_t cap, const unsigned char *s, size_t n)\n"
	 "{\n"
	 "\tsize_t k = 0;\n"
	 "\tchar tmp[8];\n"
	 "\tout[k++] = '\"';\n"
	 "\tfor (size_t i = 0; i < n && k + 6 < cap; i++) {\n"
	 "\t\tunsigned char c = s[i];\n"
	 "\t\tif (c == '\"' || c == '\\\\')\n"
	 "\t\t\tsnprintf(tmp, sizeof tmp, \"\\\\%c\", c);\n"
	 "\t\telse if (c == '\\n')\n"
	 "\t\t\tsnprintf(tmp, sizeof tmp, \"\\\\n\");\n"
	 "\t\telse if (c == '\\t')\n"
	 "\t\t\tsnprintf(tmp, sizeof tmp, \"\\\\t\");\n"
	 "\t\telse if (c < 0x20 || c >= 0x7f)\n"
	 "\t\t\tsnprintf(tmp, sizeof tmp, \"\\\\x%02x\", c);\n"
	 "\t\telse\n"
	 "\t\t\tsnprintf(tmp, sizeof tmp, \"%c\", c);\n"
	 "\t\tfor (char *t = tmp; *t; t++)\n"
	 "\t\t\tout[k++] = *t;\n"
	 "\t}\n"
	 "\tout[k++] = '\"';\n"
	 "\tout[k] = '\\0';\n"
	 "\treturn k;\n"
	 "}\n"
	 "\n"
	 "static void format_data(const unsigned char *p, size_t n, char *out, size_t cap)\n"
	 "{\n"
	 "\tchar b[512];\n"
	 "\tsize_t len = 0, i = 0;\n"
	 "\tint segs = 0;\n"
	 "\tb[0] = '\\0';\n"
	 "\twhile (i < n && segs <= 6 && len < 200) {\n"
	 "\t\tsize_t run = 1;\n"
	 "\t\twhile (i + run < n && p[i + run] == p[i])\n"
	 "\t\t\trun++;\n"
	 "\t\tif (len)\n"
	 "\t\t\tb[len++] = '+';\n"
	 "\t\tif (run >= 8) {\n"
	 "\t\t\tlen += quote(b + len, sizeof b - len, p + i, 1);\n"
	 "\t\t\tlen += (size_t)snprintf(b + len, sizeof b - len, \"*%zu\", run);\n"
	 "\t\t\ti += run;\n"
	 "\t\t\tsegs++;\n"
	 "\t\t\tcontinue;\n"
	 "\t\t}\n"
	 "\t\t/* literal text up to the next run of 8 */\n"
	 "\t\tsize_t j = i;\n"
	 "\t\twhile (j < n) {\n"
	 "\t\t\tsize_t r = 1;\n"
	 "\t\t\twhile (j + r < n && p[j + r] == p[j])\n"
	 "\t\t\t\tr++;\n"
	 "\t\t\tif (r >= 8)\n"
	 "\t\t\t\tbreak;\n"
	 "\t\t\tj += r;\n"
	 "\t\t}\n"
	 "\t\tlen += quote(b + len, sizeof b - len, p + i, j - i < 100 ? j - i : 100);\n"
	 "\t\tif (j - i >= 100) /* too long for text: the hash below */\n"
	 "\t\t\tlen = 1000;\n"
	 "\t\ti = j;\n"
	 "\t\tsegs++;\n"
	 "\t}\n"
	 "\tif (i < n || len > 96)\n"
	 "\t\tsnprintf(out, cap, \"fnv64=%016llx\", fnv64(p, n));\n"
	 "\telse\n"
	 "\t\tsnprintf(out, cap, \"%s\", len ? b : \"\\\"\\\"\");\n"
	 "}\n"
	},
	{"common",
	 "#ifndef SYS_pidfd_open\n"
	 "#define SYS_pidfd_open 434\n"
	 "#endif\n"
	 "/* ---- What follows is the same for every case. ---- */\n"
	 "\n"
	 "/* The signal the watchdog (this program's parent process) sends to end a\n"
	 " * step that sleeps in its call: a real-time one, so that no case confuses\n"
	 " * it with a signal it tests (SIGALRM belongs to the `alarm` step). */\n"
	 "#define WATCHDOG_SIGNAL (SIGRTMIN + 3)\n"
	 "#define GRACE_MS 2000\n"
	 "#define SYNC_LIMIT_MS 20000\n"
	 "#define PAGE 4096\n"
	 "\n"
	 "static const char *errno_name(int e)\n"
	 "{\n"
	 "\tstatic char buf[16];\n"
	 "\tfor (size_t i = 0; i < sizeof errno_names / sizeof errno_names[0]; i++)\n"
	 "\t\tif (errno_names[i].e == e)\n"
	 "\t\t\treturn errno_names[i].name;\n"
	 "\tsnprintf(buf, sizeof buf, \"E%d\", e);\n"
	 "\treturn buf;\n"
	 "}\n"
	 "\n"
	 "static const char *signal_name(int sig)\n"
	 "{\n"
	 "\tstatic char buf[16];\n"
	 "\tfor (size_t i = 0; i < sizeof signal_names / sizeof signal_names[0]; i++)\n"
	 "\t\tif (signal_names[i].sig == sig)\n"
	 "\t\t\treturn signal_names[i].name;\n"
	 "\tsnprintf(buf, sizeof buf, \"SIG%d\", sig);\n"
	 "\treturn buf;\n"
	 "}\n"
	 "\n"
	 "/* Child -> parent: one record per write, smaller than PIPE_BUF, so each\n"
	 " * arrives whole. */\n"
	 "enum { MSG_START = 1, MSG_DONE, MSG_SKIP, MSG_BROKEN };\n"
	 "struct msg {\n"
	 "\tint type;\n"
	 "\tint step;\n"
	 "\tchar text[240];\n"
	 "};\n"
	 "\n"
	 "static int msg_fd = -1;\n"
	 "static char tmpfs_dir[4096]; /* fs=tmpfs files: a directory on /dev/shm */\n"
	 "\n"
	 "static void send_msg(int type, int step, const char *text)\n"
	 "{\n"
	 "\tstruct msg m = {.type = type, .step = step};\n"
	 "\tsnprintf(m.text, sizeof m.text, \"%s\", text);\n"
	 "\twhile (write(msg_fd, &m, sizeof m) < 0 && errno == EINTR)\n"
	 "\t\t;\n"
	 "}\n"
	 "\n"
	 "/* A fixture that cannot be made: SKIP when the system lacks the feature\n"
	 " * or the privilege (as the harness decides), else BROKEN. */\n"
	 "static void fixture_failed(const char *what)\n"
	 "{\n"
	 "\tint e = errno;\n"
	 "\tchar text[240];\n"
	 "\tsnprintf(text, sizeof text, \"%s: %s\", what, strerror(e));\n"
	 "\tswitch (e) {\n"
	 "\tcase EPERM: case EACCES: case ENOENT: case ENOSYS: case EAFNOSUPPORT: case EPROTONOSUPPORT:\n"
	 "\tcase EOPNOTSUPP: case ENODEV: case ENXIO: case ENOPKG:\n"
	 "\t\tsend_msg(MSG_SKIP, 0, text);\n"
	 "\t\tbreak;\n"
	 "\tdefault:\n"
	 "\t\tsend_msg(MSG_BROKEN, 0, text);\n"
	 "\t}\n"
	 "\t_exit(0);\n"
	 "}\n"
	 "\n"
	 "#define CHECK(expr, what)                                                                                    \\\n"
	 "\tdo {                                                                                                 \\\n"
	 "\t\tif ((expr) < 0)                                                                              \\\n"
	 "\t\t\tfixture_failed(what);                                                                \\\n"
	 "\t} while (0)\n"
	 "\n"
	 "/* Signals delivered during a step, recorded by a handler installed\n"
	 " * without SA_RESTART, so a call they interrupt returns EINTR. */\n"
	 "static __thread volatile sig_atomic_t delivered, watchdog_fired; /* per thread: an actor's are its own */\n"
	 "\n"
	 "static void record_signal(int sig)\n"
	 "{\n"
	 "\tif (sig == WATCHDOG_SIGNAL)\n"
	 "\t\twatchdog_fired = 1;\n"
	 "\telse if (sig < 32)\n"
	 "\t\tdelivered |= 1 << sig;\n"
	 "}\n"
	 "\n"
	 "static void catch_signal(int sig)\n"
	 "{\n"
	 "\tstruct sigaction sa;\n"
	 "\tmemset(&sa, 0, sizeof sa);\n"
	 "\tsa.sa_handler = record_signal;\n"
	 "\tsigemptyset(&sa.sa_mask);\n"
	 "\tsigaction(sig, &sa, NULL);\n"
	 "}\n"
	 "\n"
	 "__attribute__((unused)) static void step_begin(int step)\n"
	 "{\n"
	 "\tsend_msg(MSG_START, step, \"\");\n"
	 "\tdelivered = 0;\n"
	 "\twatchdog_fired = 0;\n"
	 "\terrno = 0;\n"
	 "}\n"
	 "\n"
	 "/* The outcome, spelt as splicecheck spells it: 1000, EINVAL, blocks,\n"
	 " * 65536+blocks, 5:\"hello\", EPIPE+SIGPIPE, - . */\n"
	 "static void step_end(int step, long r, int err, int no_outcome, const unsigned char *data)\n"
	 "{\n"
	 "\tchar text[240];\n"
	 "\tsize_t n = 0;\n"
	 "\t/* a failed call sets errno; a negative value without it (an offset\n"
	 "\t * of -1) is a value */\n"
	 "\tint failed = r < 0 && err != 0;\n"
	 "\tif (failed && err == EINTR && watchdog_fired) {\n"
	 "\t\tn = (size_t)snprintf(text, sizeof text, \"blocks\");\n"
	 "\t} else if (failed) {\n"
	 "\t\tn = (size_t)snprintf(text, sizeof text, \"%s\", errno_name(err));\n"
	 "\t} else if (no_outcome) {\n"
	 "\t\tsend_msg(MSG_DONE, step, \"-\");\n"
	 "\t\treturn;\n"
	 "\t} else {\n"
	 "\t\tn = (size_t)snprintf(text, sizeof text, \"%ld\", r);\n"
	 "\t\tif (data) {\n"
	 "\t\t\ttext[n++] = ':';\n"
	 "\t\t\tformat_data(data, (size_t)r, text + n, sizeof text - n);\n"
	 "\t\t\tn = strlen(text);\n"
	 "\t\t}\n"
	 "\t\tif (watchdog_fired)\n"
	 "\t\t\tn += (size_t)snprintf(text + n, sizeof text - n, \"+blocks\");\n"
	 "\t}\n"
	 "\tfor (int s = 1; s < 32 && n < sizeof text; s++)\n"
	 "\t\tif (delivered & (1 << s))\n"
	 "\t\t\tn += (size_t)snprintf(text + n, sizeof text - n, \"+%s\", signal_name(s));\n"
	 "\tsend_msg(MSG_DONE, step, text);\n"
	 "}\n"
	 "\n"
	 "static void run_case(void);\n"
	 "\n"
	 "static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)\n"
	 "{\n"
	 "\t(void)st, (void)flag, (void)ftw;\n"
	 "\tremove(path);\n"
	 "\treturn 0;\n"
	 "}\n"
	 "\n"
	 "static long long now_ms(void)\n"
	 "{\n"
	 "\tstruct timespec t;\n"
	 "\tclock_gettime(CLOCK_MONOTONIC, &t);\n"
	 "\treturn (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;\n"
	 "}\n"
	 "\n"
	 "/* The case runs in a child process, so that a signal which kills it is\n"
	 " * recorded as that step's outcome; this process is its watchdog. */\n"
	 "int main(void)\n"
	 "{\n"
	 "\tstatic char seen[NSTEPS][240];\n"
	 "\tstatic char reason[240];\n"
	 "\tint status_kind = 0; /* MSG_SKIP or MSG_BROKEN when setup failed */\n"
	 "\tconst char *tmp = getenv(\"TMPDIR\");\n"
	 "\tchar scratch[4096];\n"
	 "\tsnprintf(scratch, sizeof scratch, \"%s/splicecheck-repro.XXXXXX\", tmp && *tmp ? tmp : \"/tmp\");\n"
	 "\tif (!mkdtemp(scratch)) {\n"
	 "\t\tperror(\"mkdtemp\");\n"
	 "\t\treturn 2;\n"
	 "\t}\n"
	 "\tif (NEEDS_TMPFS) {\n"
	 "\t\t/* fs=tmpfs files live here; where there is none they are skipped */\n"
	 "\t\tsnprintf(tmpfs_dir, sizeof tmpfs_dir, \"/dev/shm/splicecheck-repro.XXXXXX\");\n"
	 "\t\tif (!mkdtemp(tmpfs_dir))\n"
	 "\t\t\ttmpfs_dir[0] = '\\0';\n"
	 "\t}\n"
	 "\tif (NEEDS_ROOT && geteuid() != 0) {\n"
	 "\t\tprintf(\"SKIP %s: needs root\\n\", CASE_NAME);\n"
	 "\t\trmdir(scratch);\n"
	 "\t\treturn 77;\n"
	 "\t}\n"
	 "\tint p[2];\n"
	 "\tif (pipe(p) < 0) {\n"
	 "\t\tperror(\"pipe\");\n"
	 "\t\treturn 2;\n"
	 "\t}\n"
	 "\tfflush(NULL);\n"
	 "\tpid_t pid = fork();\n"
	 "\tif (pid < 0) {\n"
	 "\t\tperror(\"fork\");\n"
	 "\t\treturn 2;\n"
	 "\t}\n"
	 "\tif (pid == 0) {\n"
	 "\t\tclose(p[0]);\n"
	 "\t\tmsg_fd = p[1];\n"
	 "\t\tprctl(PR_SET_PDEATHSIG, SIGKILL);\n"
	 "\t\tcatch_signal(SIGPIPE);\n"
	 "\t\tcatch_signal(SIGALRM);\n"
	 "\t\tcatch_signal(SIGUSR1);\n"
	 "\t\tcatch_signal(SIGXFSZ);\n"
	 "\t\tcatch_signal(WATCHDOG_SIGNAL);\n"
	 "\t\t/* as in the harness: the case's fds 0, 1 and 2 are /dev/null */\n"
	 "\t\tint null = open(\"/dev/null\", O_RDWR);\n"
	 "\t\tif (null >= 0) {\n"
	 "\t\t\tdup2(null, 0);\n"
	 "\t\t\tdup2(null, 1);\n"
	 "\t\t\tdup2(null, 2);\n"
	 "\t\t\tif (null > 2)\n"
	 "\t\t\t\tclose(null);\n"
	 "\t\t}\n"
	 "\t\tif (chdir(scratch) < 0)\n"
	 "\t\t\tfixture_failed(\"chdir to the scratch directory\");\n"
	 "\t\trun_case();\n"
	 "\t\t_exit(0);\n"
	 "\t}\n"
	 "\tclose(p[1]);\n"
	 "\tint in_step = -1;\n"
	 "\tlong long deadline = -1, killed_at = -1;\n"
	 "\tfor (;;) {\n"
	 "\t\tlong long now = now_ms();\n"
	 "\t\tint wait = -1;\n"
	 "\t\tif (in_step >= 0 && killed_at < 0)\n"
	 "\t\t\twait = deadline > now ? (int)(deadline - now) : 0;\n"
	 "\t\telse if (killed_at >= 0)\n"
	 "\t\t\twait = 50;\n"
	 "\t\tstruct pollfd pfd = {.fd = p[0], .events = POLLIN};\n"
	 "\t\tint ready = poll(&pfd, 1, wait);\n"
	 "\t\tif (ready < 0 && errno == EINTR)\n"
	 "\t\t\tcontinue;\n"
	 "\t\tif (ready == 0) {\n"
	 "\t\t\tif (in_step >= 0 && deadline >= 0 && now_ms() >= deadline) {\n"
	 "\t\t\t\t/* the step is still in its call: end it as the harness does */\n"
	 "\t\t\t\tsyscall(SYS_tgkill, pid, pid, WATCHDOG_SIGNAL); /* its main thread, not an actor */\n"
	 "\t\t\t\tdeadline = -1;\n"
	 "\t\t\t\tkilled_at = now_ms();\n"
	 "\t\t\t} else if (killed_at >= 0 && now_ms() - killed_at >= GRACE_MS) {\n"
	 "\t\t\t\tkill(pid, SIGKILL);\n"
	 "\t\t\t\tkilled_at = -2; /* sent: wait for it to die */\n"
	 "\t\t\t}\n"
	 "\t\t\tcontinue;\n"
	 "\t\t}\n"
	 "\t\tstruct msg m;\n"
	 "\t\tssize_t got = 0;\n"
	 "\t\twhile (got < (ssize_t)sizeof m) {\n"
	 "\t\t\tssize_t r = read(p[0], (char *)&m + got, sizeof m - (size_t)got);\n"
	 "\t\t\tif (r < 0 && errno == EINTR)\n"
	 "\t\t\t\tcontinue;\n"
	 "\t\t\tif (r <= 0)\n"
	 "\t\t\t\tbreak;\n"
	 "\t\t\tgot += r;\n"
	 "\t\t}\n"
	 "\t\tif (got < (ssize_t)sizeof m)\n"
	 "\t\t\tbreak;\n"
	 "\t\tif (m.type == MSG_START) {\n"
	 "\t\t\tin_step = m.step;\n"
	 "\t\t\t/* a sync point (join, sleeping) watches the actors itself */\n"
	 "\t\t\tdeadline = now_ms() + TIMEOUT_MS + (strcmp(m.text, \"sync\") == 0 ? SYNC_LIMIT_MS : 0);\n"
	 "\t\t\tkilled_at = -1;\n"
	 "\t\t} else if (m.type == MSG_DONE) {\n"
	 "\t\t\tif (m.step >= 1 && m.step <= NSTEPS)\n"
	 "\t\t\t\tsnprintf(seen[m.step - 1], sizeof seen[m.step - 1], \"%s\", m.text);\n"
	 "\t\t\tif (m.step == in_step) /* not an actor's step */\n"
	 "\t\t\t\tin_step = -1;\n"
	 "\t\t} else {\n"
	 "\t\t\tstatus_kind = m.type;\n"
	 "\t\t\tsnprintf(reason, sizeof reason, \"%s\", m.text);\n"
	 "\t\t}\n"
	 "\t}\n"
	 "\tclose(p[0]);\n"
	 "\tint status;\n"
	 "\twhile (waitpid(pid, &status, 0) < 0 && errno == EINTR)\n"
	 "\t\t;\n"
	 "\tif (WIFSIGNALED(status) && in_step >= 1 && in_step <= NSTEPS)\n"
	 "\t\tsnprintf(seen[in_step - 1], sizeof seen[in_step - 1], \"%s\", signal_name(WTERMSIG(status)));\n"
	 "\tnftw(scratch, remove_entry, 16, FTW_DEPTH | FTW_PHYS);\n"
	 "\tif (tmpfs_dir[0])\n"
	 "\t\tnftw(tmpfs_dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);\n"
	 "\n"
	 "\tprintf(\"%s (%s)\\n\", CASE_NAME, CASE_WHERE);\n"
	 "\tif (status_kind) {\n"
	 "\t\tprintf(\"%s: %s\\n\", status_kind == MSG_SKIP ? \"SKIP\" : \"BROKEN\", reason);\n"
	 "\t\treturn status_kind == MSG_SKIP ? 77 : 2;\n"
	 "\t}\n"
	 "\tint differ = 0;\n"
	 "\tfor (int i = 0; i < NSTEPS; i++) {\n"
	 "\t\tconst char *exp = i < NEXPECTED ? expected[i] : NULL;\n"
	 "\t\tprintf(\"step %d: %s\", i + 1, call_text[i]);\n"
	 "\t\tif (seen[i][0])\n"
	 "\t\t\tprintf(\" = %s\\n\", seen[i]);\n"
	 "\t\telse\n"
	 "\t\t\tprintf(\" (not run)\\n\");\n"
	 "\t\tif (HAVE_EXPECTED && (exp ? strcmp(exp, seen[i]) != 0 : seen[i][0] != 0)) {\n"
	 "\t\t\tprintf(\"        expected %s\\n\", exp ? exp : \"(not run)\");\n"
	 "\t\t\tdiffer = 1;\n"
	 "\t\t}\n"
	 "\t}\n"
	 "\tif (!HAVE_EXPECTED) {\n"
	 "\t\tprintf(\"no expected outcomes recorded for this target: nothing compared\\n\");\n"
	 "\t\treturn 0;\n"
	 "\t}\n"
	 "\tprintf(\"%s\\n\", differ ? \"DIFFERS from the expected outcomes\" : \"as expected\");\n"
	 "\treturn differ;\n"
	 "}\n"
	},
	{"nonblock",
	 "static void set_nonblock(int fd)\n"
	 "{\n"
	 "\tCHECK(fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK), \"O_NONBLOCK\");\n"
	 "}\n"
	},
	{"write_all",
	 "static void write_all(int fd, int byte, size_t n, const char *what)\n"
	 "{\n"
	 "\tunsigned char chunk[PAGE];\n"
	 "\tmemset(chunk, byte, sizeof chunk);\n"
	 "\twhile (n) {\n"
	 "\t\tssize_t w = write(fd, chunk, n < sizeof chunk ? n : sizeof chunk);\n"
	 "\t\tCHECK(w, what);\n"
	 "\t\tn -= (size_t)w;\n"
	 "\t}\n"
	 "}\n"
	},
	{"fill_pipe",
	 "/* Fills a pipe until it says EAGAIN, one page per write so that every\n"
	 " * slot holds one whole page, then tops up a partly full last page. */\n"
	 "static void fill_pipe(int fd, int byte)\n"
	 "{\n"
	 "\tint fl = fcntl(fd, F_GETFL);\n"
	 "\tunsigned char chunk[PAGE];\n"
	 "\tmemset(chunk, byte, sizeof chunk);\n"
	 "\tfcntl(fd, F_SETFL, fl | O_NONBLOCK);\n"
	 "\twhile (write(fd, chunk, sizeof chunk) > 0)\n"
	 "\t\t;\n"
	 "\tif (errno != EAGAIN)\n"
	 "\t\tfixture_failed(\"filling the pipe\");\n"
	 "\twhile (write(fd, chunk, 1) > 0)\n"
	 "\t\t;\n"
	 "\tfcntl(fd, F_SETFL, fl);\n"
	 "}\n"
	},
	{"write_content",
	 "/* File content: TEXT when given, else SIZE bytes of BYTE. */\n"
	 "static void write_content(int fd, const char *text, size_t len, int byte, size_t size)\n"
	 "{\n"
	 "\tif (text)\n"
	 "\t\tCHECK(write(fd, text, len), \"write content\");\n"
	 "\telse\n"
	 "\t\twrite_all(fd, byte, size, \"write content\");\n"
	 "}\n"
	 "\n"
	},
	{"make_file",
	 "/* A file in the scratch (or tmpfs) directory: created with its content,\n"
	 " * then opened again with the flags under test. */\n"
	 "static int make_file(const char *path, const char *text, size_t len, int byte, size_t size, int flags)\n"
	 "{\n"
	 "\tint w = open(path, O_CREAT | O_EXCL | O_WRONLY, 0600);\n"
	 "\tCHECK(w, \"create file\");\n"
	 "\twrite_content(w, text, len, byte, size);\n"
	 "\tclose(w);\n"
	 "\tint fd = open(path, flags);\n"
	 "\tCHECK(fd, (flags & O_DIRECT) ? \"open with O_DIRECT\" : \"open file\");\n"
	 "\treturn fd;\n"
	 "}\n"
	},
	{"make_memfd",
	 "static int make_memfd(const char *name, const char *text, size_t len, int byte, size_t size)\n"
	 "{\n"
	 "\tint fd = memfd_create(name, 0);\n"
	 "\tCHECK(fd, \"memfd_create\");\n"
	 "\twrite_content(fd, text, len, byte, size);\n"
	 "\tlseek(fd, 0, SEEK_SET);\n"
	 "\treturn fd;\n"
	 "}\n"
	},
	{"make_tcp",
	 "/* Loopback TCP: *c is the connecting socket, *s the accepted one. */\n"
	 "static void make_tcp(int *c, int *s)\n"
	 "{\n"
	 "\tstruct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};\n"
	 "\tsocklen_t al = sizeof a;\n"
	 "\tint l = socket(AF_INET, SOCK_STREAM, 0);\n"
	 "\tCHECK(l, \"socket(AF_INET)\");\n"
	 "\tCHECK(bind(l, (struct sockaddr *)&a, sizeof a), \"bind on loopback\");\n"
	 "\tCHECK(listen(l, 1), \"listen on loopback\");\n"
	 "\tCHECK(getsockname(l, (struct sockaddr *)&a, &al), \"getsockname\");\n"
	 "\t*c = socket(AF_INET, SOCK_STREAM, 0);\n"
	 "\tCHECK(*c, \"socket(AF_INET)\");\n"
	 "\tCHECK(connect(*c, (struct sockaddr *)&a, sizeof a), \"connect on loopback\");\n"
	 "\t*s = accept(l, NULL, NULL);\n"
	 "\tCHECK(*s, \"accept\");\n"
	 "\tclose(l);\n"
	 "}\n"
	},
	{"make_udp",
	 "/* Loopback UDP: two sockets connected to each other. */\n"
	 "static void make_udp(int *c, int *s)\n"
	 "{\n"
	 "\tstruct sockaddr_in a[2];\n"
	 "\tint *fd[2] = {c, s};\n"
	 "\tfor (int i = 0; i < 2; i++) {\n"
	 "\t\tsocklen_t al = sizeof a[i];\n"
	 "\t\ta[i] = (struct sockaddr_in){.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};\n"
	 "\t\t*fd[i] = socket(AF_INET, SOCK_DGRAM, 0);\n"
	 "\t\tCHECK(*fd[i], \"udp socket\");\n"
	 "\t\tCHECK(bind(*fd[i], (struct sockaddr *)&a[i], sizeof a[i]), \"bind udp on loopback\");\n"
	 "\t\tCHECK(getsockname(*fd[i], (struct sockaddr *)&a[i], &al), \"getsockname\");\n"
	 "\t}\n"
	 "\tfor (int i = 0; i < 2; i++)\n"
	 "\t\tCHECK(connect(*fd[i], (struct sockaddr *)&a[1 - i], sizeof a[i]), \"connect udp\");\n"
	 "}\n"
	},
	{"make_pty",
	 "/* A pseudo-terminal in raw mode, so the bytes read are the bytes written. */\n"
	 "static void make_pty(int *m, int *s)\n"
	 "{\n"
	 "\t*m = posix_openpt(O_RDWR | O_NOCTTY);\n"
	 "\tCHECK(*m, \"posix_openpt\");\n"
	 "\tCHECK(grantpt(*m), \"grantpt\");\n"
	 "\tCHECK(unlockpt(*m), \"unlockpt\");\n"
	 "\tconst char *name = ptsname(*m);\n"
	 "\tif (!name)\n"
	 "\t\tfixture_failed(\"ptsname\");\n"
	 "\t*s = open(name, O_RDWR | O_NOCTTY);\n"
	 "\tCHECK(*s, \"open pty slave\");\n"
	 "\tstruct termios t;\n"
	 "\tif (tcgetattr(*s, &t) == 0) {\n"
	 "\t\tcfmakeraw(&t);\n"
	 "\t\ttcsetattr(*s, TCSANOW, &t);\n"
	 "\t}\n"
	 "}\n"
	},
	{"make_signalfd",
	 "static int make_signalfd(int flags)\n"
	 "{\n"
	 "\tsigset_t m;\n"
	 "\tsigemptyset(&m);\n"
	 "\tsigaddset(&m, SIGUSR1);\n"
	 "\tint fd = signalfd(-1, &m, flags);\n"
	 "\tCHECK(fd, \"signalfd\");\n"
	 "\treturn fd;\n"
	 "}\n"
	},
	{"closed_fd",
	 "/* An fd number that is certainly closed: high enough that no later\n"
	 " * fixture is given it (past RLIMIT_NOFILE when that is small). */\n"
	 "static int closed_fd(void)\n"
	 "{\n"
	 "\tint fd = fcntl(0, F_DUPFD, 200);\n"
	 "\tif (fd >= 0)\n"
	 "\t\tclose(fd);\n"
	 "\telse\n"
	 "\t\tfor (fd = 200; fcntl(fd, F_GETFD) >= 0; fd++)\n"
	 "\t\t\t;\n"
	 "\treturn fd;\n"
	 "}\n"
	},
	{"make_buffer",
	 "/* PAGES pages of memory filled with FILL, followed by an inaccessible\n"
	 " * guard page so that a transfer running past the end faults instead of\n"
	 " * reading a neighbour; returns where the buffer starts (OFFSET in). */\n"
	 "static unsigned char *make_buffer(size_t pages, size_t offset, int fill, int prot)\n"
	 "{\n"
	 "\tunsigned char *map = mmap(NULL, (pages + 1) * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);\n"
	 "\tif (map == MAP_FAILED)\n"
	 "\t\tfixture_failed(\"mmap buffer\");\n"
	 "\tmemset(map, fill, pages * PAGE);\n"
	 "\tCHECK(mprotect(map + pages * PAGE, PAGE, PROT_NONE), \"mprotect guard page\");\n"
	 "\tCHECK(mprotect(map, pages * PAGE, prot), \"mprotect buffer\");\n"
	 "\treturn map + offset;\n"
	 "}\n"
	},
	{"make_offset",
	 "/* An loff_t on a page of its own, so that it can be made read-only. */\n"
	 "static loff_t *make_offset(long long value, int prot)\n"
	 "{\n"
	 "\tloff_t *o = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);\n"
	 "\tif (o == MAP_FAILED)\n"
	 "\t\tfixture_failed(\"mmap offset\");\n"
	 "\t*o = value;\n"
	 "\tCHECK(mprotect(o, PAGE, prot), \"mprotect offset\");\n"
	 "\treturn o;\n"
	 "}\n"
	},
	{"rdbuf",
	 "/* Fresh memory for a read's data. */\n"
	 "static unsigned char *rdbuf(size_t len)\n"
	 "{\n"
	 "\tvoid *p = mmap(NULL, len ? len : 1, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);\n"
	 "\tif (p == MAP_FAILED)\n"
	 "\t\tfixture_failed(\"mmap read buffer\");\n"
	 "\treturn p;\n"
	 "}\n"
	},
	{"do_fionread",
	 "static long do_fionread(int fd)\n"
	 "{\n"
	 "\tint n = 0;\n"
	 "\tif (ioctl(fd, FIONREAD, &n) < 0)\n"
	 "\t\treturn -1;\n"
	 "\treturn n;\n"
	 "}\n"
	},
	{"do_fsize",
	 "static long do_fsize(int fd)\n"
	 "{\n"
	 "\tstruct stat st;\n"
	 "\tif (fstat(fd, &st) < 0)\n"
	 "\t\treturn -1;\n"
	 "\treturn (long)st.st_size;\n"
	 "}\n"
	},
	{"do_fill",
	 "/* Writes pages until the fd says EAGAIN; returns how much went in. */\n"
	 "static long do_fill(int fd)\n"
	 "{\n"
	 "\tstatic const char page[PAGE];\n"
	 "\tint fl = fcntl(fd, F_GETFL);\n"
	 "\tif (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)\n"
	 "\t\treturn -1;\n"
	 "\tlong total = 0;\n"
	 "\tssize_t w;\n"
	 "\twhile ((w = write(fd, page, sizeof page)) > 0)\n"
	 "\t\ttotal += w;\n"
	 "\tint err = errno;\n"
	 "\tfcntl(fd, F_SETFL, fl);\n"
	 "\tif (total == 0) {\n"
	 "\t\terrno = err;\n"
	 "\t\treturn -1;\n"
	 "\t}\n"
	 "\treturn total;\n"
	 "}\n"
	},
	{"do_nonblock",
	 "static long do_nonblock(int fd, int on)\n"
	 "{\n"
	 "\tint fl = fcntl(fd, F_GETFL);\n"
	 "\tif (fl < 0)\n"
	 "\t\treturn -1;\n"
	 "\treturn fcntl(fd, F_SETFL, on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK);\n"
	 "}\n"
	},
	{"do_fsizelimit",
	 "/* Lowers only the soft RLIMIT_FSIZE. */\n"
	 "static long do_fsizelimit(unsigned long long bytes)\n"
	 "{\n"
	 "\tstruct rlimit rl;\n"
	 "\tif (getrlimit(RLIMIT_FSIZE, &rl) < 0)\n"
	 "\t\treturn -1;\n"
	 "\trl.rlim_cur = bytes;\n"
	 "\treturn setrlimit(RLIMIT_FSIZE, &rl);\n"
	 "}\n"
	},
	{"do_forkvmsplice",
	 "/* CVE-2020-29374: a child process vmsplices memory it shares copy-on-write\n"
	 " * with this one and exits; the result is the child's vmsplice result. */\n"
	 "static long do_forkvmsplice(int fd, void *addr, size_t len)\n"
	 "{\n"
	 "\tstruct iovec iov = {.iov_base = addr, .iov_len = len};\n"
	 "\tint p[2];\n"
	 "\tif (pipe(p) < 0)\n"
	 "\t\treturn -1;\n"
	 "\tpid_t pid = fork();\n"
	 "\tif (pid < 0)\n"
	 "\t\treturn -1;\n"
	 "\tif (pid == 0) {\n"
	 "\t\tlong r = vmsplice(fd, &iov, 1, 0);\n"
	 "\t\tlong out[2] = {r, r < 0 ? errno : 0};\n"
	 "\t\t_exit(write(p[1], out, sizeof out) == sizeof out ? 0 : 1);\n"
	 "\t}\n"
	 "\tclose(p[1]);\n"
	 "\tlong out[2] = {-1, EIO};\n"
	 "\tssize_t n = read(p[0], out, sizeof out);\n"
	 "\tclose(p[0]);\n"
	 "\twaitpid(pid, NULL, 0);\n"
	 "\tif (n != sizeof out) {\n"
	 "\t\terrno = EIO;\n"
	 "\t\treturn -1;\n"
	 "\t}\n"
	 "\terrno = (int)out[1];\n"
	 "\treturn out[0];\n"
	 "}\n"
	},
	{"do_peek",
	 "static long do_peek(const void *addr, unsigned char *buf, size_t len)\n"
	 "{\n"
	 "\tmemcpy(buf, addr, len);\n"
	 "\treturn (long)len;\n"
	 "}\n"
	},
	{"do_poke",
	 "static long do_poke(void *addr, const void *data, size_t len)\n"
	 "{\n"
	 "\tmemcpy(addr, data, len);\n"
	 "\treturn 0;\n"
	 "}\n"
	},
	{"do_alarm",
	 "/* SIGALRM after MS milliseconds; the handler is installed without\n"
	 " * SA_RESTART, so a call it interrupts returns EINTR. */\n"
	 "static long do_alarm(unsigned long long ms)\n"
	 "{\n"
	 "\tstruct itimerval it = {.it_value = {.tv_sec = (long)(ms / 1000), .tv_usec = (long)(ms % 1000) * 1000}};\n"
	 "\treturn setitimer(ITIMER_REAL, &it, NULL);\n"
	 "}\n"
	},
	{"do_sigpipe",
	 "/* 0: caught and recorded, 1: ignored, 2: the default (it kills). */\n"
	 "static long do_sigpipe(int mode)\n"
	 "{\n"
	 "\tif (mode == 0)\n"
	 "\t\tcatch_signal(SIGPIPE);\n"
	 "\telse\n"
	 "\t\tsignal(SIGPIPE, mode == 1 ? SIG_IGN : SIG_DFL);\n"
	 "\treturn 0;\n"
	 "}\n"
	},
	{"in_tmpfs",
	 "/* The path of a file on tmpfs (fs=tmpfs). */\n"
	 "static const char *in_tmpfs(const char *name)\n"
	 "{\n"
	 "\tstatic char path[4200];\n"
	 "\tif (!tmpfs_dir[0]) {\n"
	 "\t\terrno = ENOENT;\n"
	 "\t\tfixture_failed(\"no tmpfs scratch directory (/dev/shm)\");\n"
	 "\t}\n"
	 "\tsnprintf(path, sizeof path, \"%s/%s\", tmpfs_dir, name);\n"
	 "\treturn path;\n"
	 "}\n"
	},
	{"make_pipe",
	 "static void make_pipe(int *r, int *w, int flags)\n"
	 "{\n"
	 "\tint fds[2];\n"
	 "\tCHECK(pipe2(fds, flags), \"pipe2\");\n"
	 "\t*r = fds[0];\n"
	 "\t*w = fds[1];\n"
	 "}\n"
	},
	{"make_fifo",
	 "/* A FIFO opened three ways: the read end first and non-blocking, so that\n"
	 " * opening the write end does not wait for a reader. */\n"
	 "static void make_fifo(const char *path, int *r, int *w, int *rw)\n"
	 "{\n"
	 "\tCHECK(mkfifo(path, 0600), \"mkfifo\");\n"
	 "\t*r = open(path, O_RDONLY | O_NONBLOCK);\n"
	 "\tCHECK(*r, \"open fifo for reading\");\n"
	 "\t*w = open(path, O_WRONLY);\n"
	 "\tCHECK(*w, \"open fifo for writing\");\n"
	 "\t*rw = open(path, O_RDWR);\n"
	 "\tCHECK(*rw, \"open fifo O_RDWR\");\n"
	 "\tfcntl(*r, F_SETFL, fcntl(*r, F_GETFL) & ~O_NONBLOCK);\n"
	 "}\n"
	},
	{"make_opath",
	 "/* An O_PATH fd of PATH; create: of a new scratch file of that name. */\n"
	 "static int make_opath(const char *path, int create)\n"
	 "{\n"
	 "\tif (create) {\n"
	 "\t\tint w = open(path, O_CREAT | O_EXCL | O_WRONLY, 0600);\n"
	 "\t\tCHECK(w, \"create file for O_PATH\");\n"
	 "\t\tclose(w);\n"
	 "\t}\n"
	 "\tint fd = open(path, O_PATH);\n"
	 "\tCHECK(fd, \"open O_PATH\");\n"
	 "\treturn fd;\n"
	 "}\n"
	},
	{"make_socketpair",
	 "static void make_socketpair(int type, int *a, int *b)\n"
	 "{\n"
	 "\tint sv[2];\n"
	 "\tCHECK(socketpair(AF_UNIX, type, 0, sv), \"socketpair\");\n"
	 "\t*a = sv[0];\n"
	 "\t*b = sv[1];\n"
	 "}\n"
	},
	{"actor_rt", rt_actor_text},
	{"actors",
	 "/* The case's actors (harness/actor_rt.c, above) and its sync points. */\n"
	 "static struct actor actors[4];\n"
	 "static int nactors;\n"
	 "static struct actor_watch watch = {TIMEOUT_MS, 1, 0};\n"
	 "\n"
	 "/* An actor's step: no start message, the main actor's join watches it. */\n"
	 "__attribute__((unused)) static void actor_step_begin(void)\n"
	 "{\n"
	 "\tdelivered = 0;\n"
	 "\twatchdog_fired = 0;\n"
	 "\terrno = 0;\n"
	 "}\n"
	 "\n"
	 "__attribute__((unused)) static void sync_step_begin(int step)\n"
	 "{\n"
	 "\tsend_msg(MSG_START, step, \"sync\");\n"
	 "\tdelivered = 0;\n"
	 "\twatchdog_fired = 0;\n"
	 "\terrno = 0;\n"
	 "}\n"
	 "\n"
	 "static void start_actor(int k, int process, void (*run)(int, void *), const char *what)\n"
	 "{\n"
	 "\twatch.signal = WATCHDOG_SIGNAL;\n"
	 "\tif (actor_start(&actors[k], process, run, NULL) < 0)\n"
	 "\t\tfixture_failed(what);\n"
	 "\tnactors = k + 1;\n"
	 "}\n"
	 "\n"
	 "__attribute__((unused)) static long do_sleeping(int k) { return actor_wait_sleeping(&actors[k], &watch); }\n"
	 "\n"
	 "/* A process actor that died in a step: that step's outcome is the signal. */\n"
	 "static long do_join(int k)\n"
	 "{\n"
	 "\tint step = actor_join(&actors[k], actors, nactors, &watch);\n"
	 "\tif (step >= 0)\n"
	 "\t\tsend_msg(MSG_DONE, step, actors[k].dead_sig ? signal_name(actors[k].dead_sig) : \"EIO\");\n"
	 "\treturn 0;\n"
	 "}\n"
	 "\n"
	 "__attribute__((unused)) static long do_signal(int k, int sig) { return actor_signal(&actors[k], sig); }\n"
	 "\n"
	 "/* Every actor's steps return before the case ends. */\n"
	 "static void finish_actors(void)\n"
	 "{\n"
	 "\tfor (int k = 0; k < nactors; k++) {\n"
	 "\t\tdo_join(k);\n"
	 "\t\tactor_stop(&actors[k]);\n"
	 "\t}\n"
	 "}\n"
	},
	{"stream_rt", rt_stream_text},
	{"thp_rt", rt_thp_text},
	{"make_thp_buffer",
	 "/* One transparent huge page (harness/thp_rt.c, above), or SKIP. */\n"
	 "static unsigned char *make_thp_buffer(int fill)\n"
	 "{\n"
	 "\tchar why[200];\n"
	 "\tsize_t len;\n"
	 "\tunsigned char *b = thp_buffer(fill, &len, why, sizeof why);\n"
	 "\tif (!b)\n"
	 "\t\tfixture_failed(why);\n"
	 "\treturn b;\n"
	 "}\n"
	},
	{"pidfd_open",
	 "/* pidfd_open(2) by its number: older C libraries have no wrapper. */\n"
	 "static int pidfd_open_raw(pid_t pid)\n"
	 "{\n"
	 "\treturn (int)syscall(SYS_pidfd_open, pid, 0);\n"
	 "}\n"
	},
};

struct gen {
	const struct tcase *c;
	bool used[ARRAY_LEN(helpers)];
	struct sbuf decl; /* run_case's variables */
	struct sbuf body; /* run_case's statements */
	struct sbuf funcs; /* actors' steps, one function each */
	struct sbuf items; /* ... and the switch that runs them */
	char **var;       /* per fixture, per end: its C variable */
	bool *var_used;   /* ... and whether a step uses it */
	bool in_step;
	struct diag *d;
	bool ok;
};

/* Helpers that call other helpers. */
static const char *const helper_deps[][2] = {
	{"make_file", "write_content"},
	{"make_memfd", "write_content"},
	{"write_content", "write_all"},
	{"actors", "actor_rt"},
	{"make_thp_buffer", "thp_rt"},
};

static void need(struct gen *g, const char *name)
{
	for (size_t i = 0; i < ARRAY_LEN(helper_deps); i++)
		if (strcmp(helper_deps[i][0], name) == 0)
			need(g, helper_deps[i][1]);
	for (size_t i = 0; i < ARRAY_LEN(helpers); i++) {
		if (strcmp(helpers[i].name, name) == 0) {
			g->used[i] = true;
			return;
		}
	}
	/* a generator names a helper that is not in the table: a bug here */
	abort();
}

/* Text for a C comment: never ends it early nor opens another. */
static void comment_text(struct sbuf *b, const char *s)
{
	for (; *s; s++) {
		sb_putc(b, *s);
		if ((s[0] == '*' && s[1] == '/') || (s[0] == '/' && s[1] == '*'))
			sb_putc(b, ' ');
	}
}

/* A C string literal of any bytes: octal escapes (at most three digits,
 * so a following digit cannot extend them), and no trigraphs. */
static void c_quote(struct sbuf *b, const unsigned char *p, size_t n)
{
	sb_putc(b, '"');
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = p[i];
		if (ch == '"' || ch == '\\')
			sb_printf(b, "\\%c", ch);
		else if (ch == '\n')
			sb_puts(b, "\\n");
		else if (ch == '\t')
			sb_puts(b, "\\t");
		else if (ch < 0x20 || ch >= 0x7f || (ch == '?' && i && p[i - 1] == '?'))
			sb_printf(b, "\\%03o", ch);
		else
			sb_putc(b, (char)ch);
	}
	sb_putc(b, '"');
}

static void c_quote_str(struct sbuf *b, const char *s) { c_quote(b, (const unsigned char *)s, strlen(s)); }

/* A number as a C expression: plain when it fits an int, else in hex with
 * a cast to the parameter's type (so that no conversion warns). */
static void c_num(struct sbuf *b, unsigned long long v, const char *ctype)
{
	long long sv = (long long)v;
	if (sv >= INT_MIN && sv <= INT_MAX)
		sb_printf(b, "%lld", sv);
	else if (ctype)
		sb_printf(b, "(%s)%#llxULL", ctype, v);
	else
		sb_printf(b, "%#llxULL", v);
}

static const char *const reserved[] = {
	"auto", "break", "case", "char", "const", "continue", "default", "do", "double", "else", "enum", "extern",
	"float", "for", "goto", "if", "inline", "int", "long", "register", "restrict", "return", "short", "signed",
	"sizeof", "static", "struct", "switch", "typedef", "union", "unsigned", "void", "volatile", "while", "r",
	"i", "n", "iov", "pattern", "buf", "errno", "main", "close", "read", "write", "pread", "pwrite", "lseek",
	"fcntl", "splice", "vmsplice", "tee", "shutdown", "ftruncate", "pwritev2", "open", "eventfd", "epoll",
	"signalfd", "timerfd", "inotify", "getpid", "calloc", "memset", "memcpy", "data", "step", "scratch",
	"stdin", "stdout", "stderr", "NULL", "loff_t", "size_t", "off_t", "PAGE", "timerfd_create",
	"epoll_create1", "inotify_init1", "set_nonblock", "write_all", "fill_pipe", "write_content", "make_file",
	"make_memfd", "make_tcp", "make_udp", "make_pty", "make_signalfd", "closed_fd", "make_buffer",
	"make_offset", "rdbuf", "do_fionread", "do_fsize", "do_fill", "do_nonblock", "do_fsizelimit",
	"do_forkvmsplice", "do_peek", "do_poke", "do_alarm", "do_sigpipe", "in_tmpfs", "make_pipe", "make_fifo",
	"make_opath", "make_socketpair", "pidfd_open_raw", "step_begin", "step_end", "fixture_failed", "send_msg",
	"catch_signal", "record_signal", "format_data", "quote", "fnv64", "errno_name", "signal_name",
	"delivered", "watchdog_fired", "msg_fd", "tmpfs_dir", "expected", "call_text", "errno_names",
	"signal_names", "run_case", "now_ms", "remove_entry",
	/* actors and streams (harness/actor_rt.c, harness/stream_rt.c) */
	"actors", "nactors", "watch", "run_item", "start_actor", "finish_actors", "do_sleeping", "do_join", "do_signal",
	"actor_step_begin", "sync_step_begin", "actor", "actor_watch", "task_sleeps_in", "task_switches", "rt_now_ns",
	"rt_read_file", "rt_write_int", "actor_loop", "actor_thread", "read_ack", "take_acks", "oldest", "actor_start",
	"actor_send", "actor_busy", "actor_wait_sleeping", "actor_join", "actor_signal", "actor_stop", "stream_byte",
	"stream_chunk", "moved_or_fail", "more_may_come", "stream_feed", "stream_drain", "stream_splice", "stream_tee",
	"stream_vmsplice", "mprotect", "thp_buffer", "thp_size", "huge_kb", "make_thp_buffer",
};

/* The C variable of fixture i's end e: NAME or NAME_END (p_r, p_w), made
 * a valid identifier that no name the program uses is shadowed by. */
static char *var_name(const struct fixture *f, int e)
{
	struct sbuf b = {0};
	for (const char *p = f->name; *p; p++)
		sb_putc(&b, *p == '-' ? '_' : *p);
	if (f->kind->ends[0])
		sb_printf(&b, "_%s", f->kind->ends[e]);
	bool clash = b.s[0] >= '0' && b.s[0] <= '9';
	for (size_t i = 0; i < ARRAY_LEN(reserved) && !clash; i++)
		clash = strcmp(b.s, reserved[i]) == 0;
	/* the names a step's block declares: off3, data2 */
	size_t digits = strspn(b.s + strcspn(b.s, "0123456789"), "0123456789");
	clash |= (strncmp(b.s, "off", 3) == 0 || strncmp(b.s, "data", 4) == 0) && digits &&
		 !b.s[strcspn(b.s, "0123456789") + digits];
	if (!clash)
		return b.s;
	char *v = xasprintf("fx_%s", b.s);
	sb_free(&b);
	return v;
}

static const char *V(struct gen *g, int fixture, int end)
{
	if (g->in_step)
		g->var_used[fixture * MAX_ENDS + end] = true;
	return g->var[fixture * MAX_ENDS + end];
}

/* ---- fixture kinds ---- */


static void c_char(struct sbuf *b, int ch)
{
	if (ch >= 0x20 && ch < 0x7f && ch != '\'' && ch != '\\')
		sb_printf(b, "'%c'", ch);
	else
		sb_printf(b, "%d", ch);
}

/* Whether an option naming ends (nonblock=r; bare or all: every end)
 * selects end `end`, as kinds.c reads it. */
static bool end_selected(const char *v, const char *end)
{
	if (!*v || strcmp(v, "all") == 0)
		return true;
	size_t n = strlen(end);
	for (const char *p = v; *p; p += strcspn(p, ","), p += *p == ',')
		if (strncmp(p, end, n) == 0 && (p[n] == ',' || !p[n]))
			return true;
	return false;
}

/* nonblock=ENDS, then close=ENDS, as every kind with ends applies them. */
static void gen_ends_opts(struct gen *g, int i)
{
	const struct fixture *f = &g->c->fix[i];
	const char *nb = fixture_opt(f, "nonblock"), *cl = fixture_opt(f, "close");
	for (int e = 0; nb && f->kind->ends[e]; e++) {
		if (end_selected(nb, f->kind->ends[e])) {
			need(g, "nonblock");
			sb_printf(&g->body, "\tset_nonblock(%s);\n", V(g, i, e));
		}
	}
	bool closes = strcmp(f->kind->name, "pipe") == 0 || strcmp(f->kind->name, "fifo") == 0;
	for (int e = 0; cl && closes && f->kind->ends[e]; e++)
		if (end_selected(cl, f->kind->ends[e]))
			sb_printf(&g->body, "\tclose(%s);\n\t%s = -1;\n", V(g, i, e), V(g, i, e));
}

static void gen_pipe(struct gen *g, int i)
{
	const struct fixture *f = &g->c->fix[i];
	need(g, "make_pipe");
	const char *flags = fixture_opt(f, "packet") ? (fixture_opt(f, "notify") ? "O_DIRECT | O_EXCL" : "O_DIRECT")
			    : fixture_opt(f, "notify") ? "O_EXCL /* O_NOTIFICATION_PIPE */"
						       : "0";
	sb_printf(&g->body, "\tmake_pipe(&%s, &%s, %s);\n", V(g, i, 0), V(g, i, 1), flags);
	if (fixture_opt_num(f, "size", 0))
		sb_printf(&g->body, "\tCHECK(fcntl(%s, F_SETPIPE_SZ, %d), \"F_SETPIPE_SZ\");\n", V(g, i, 1),
			  (int)fixture_opt_num(f, "size", 0));
	const char *fill = fixture_opt(f, "fill");
	if (fill) {
		bool full = strcmp(fill, "full") == 0;
		need(g, full ? "fill_pipe" : "write_all");
		sb_printf(&g->body, "\t%s(%s, ", full ? "fill_pipe" : "write_all", V(g, i, 1));
		c_char(&g->body, fixture_opt_byte(f, "byte", 'f'));
		if (!full)
			sb_printf(&g->body, ", %llu, \"filling the pipe\"", fixture_opt_num(f, "fill", 0));
		sb_puts(&g->body, ");\n");
	}
	gen_ends_opts(g, i);
}

static void gen_fifo(struct gen *g, int i)
{
	const struct fixture *f = &g->c->fix[i];
	need(g, "make_fifo");
	sb_puts(&g->body, "\tmake_fifo(");
	struct sbuf path = {0};
	sb_printf(&path, "%s.fifo", f->name);
	c_quote_str(&g->body, path.s);
	sb_free(&path);
	sb_printf(&g->body, ", &%s, &%s, &%s);\n", V(g, i, 0), V(g, i, 1), V(g, i, 2));
	gen_ends_opts(g, i);
}

static void mode_text(struct sbuf *b, const char *mode, const char *dflt)
{
	if (!mode)
		sb_puts(b, dflt);
	else if (strcmp(mode, "r") == 0)
		sb_puts(b, "O_RDONLY");
	else if (strcmp(mode, "w") == 0)
		sb_puts(b, "O_WRONLY");
	else if (strcmp(mode, "none") == 0)
		sb_puts(b, "O_WRONLY | O_RDWR /* access mode 3: neither read nor write */");
	else
		sb_puts(b, "O_RDWR");
}

/* data="text", or size=N bytes of byte=c: the arguments of write_content. */
static void content_args(struct gen *g, const struct fixture *f)
{
	const char *data = fixture_opt(f, "data");
	if (data) {
		long len = lex_unquote(data, NULL, NULL);
		char *buf = xmalloc((size_t)len + 1);
		lex_unquote(data, buf, NULL);
		c_quote(&g->body, (unsigned char *)buf, (size_t)len);
		sb_printf(&g->body, ", %ld, 0, 0", len);
		xfree(buf);
	} else {
		sb_puts(&g->body, "NULL, 0, ");
		c_char(&g->body, fixture_opt_byte(f, "byte", 'f'));
		sb_printf(&g->body, ", %llu", fixture_opt_num(f, "size", 0));
	}
}

static void gen_file(struct gen *g, int i)
{
	const struct fixture *f = &g->c->fix[i];
	need(g, "make_file");
	sb_printf(&g->body, "\t%s = make_file(", V(g, i, 0));
	const char *fs = fixture_opt(f, "fs");
	if (fs && strcmp(fs, "tmpfs") == 0) {
		need(g, "in_tmpfs");
		sb_puts(&g->body, "in_tmpfs(");
		c_quote_str(&g->body, f->name);
		sb_putc(&g->body, ')');
	} else {
		c_quote_str(&g->body, f->name);
	}
	sb_puts(&g->body, ", ");
	content_args(g, f);
	sb_puts(&g->body, ", ");
	mode_text(&g->body, fixture_opt(f, "mode"), "O_RDWR");
	static const char *const extra[][2] = {{"append", "O_APPEND"}, {"direct", "O_DIRECT"}, {"nonblock", "O_NONBLOCK"}};
	for (size_t k = 0; k < ARRAY_LEN(extra); k++)
		if (fixture_opt(f, extra[k][0]))
			sb_printf(&g->body, " | %s", extra[k][1]);
	sb_puts(&g->body, ");\n");
}

static void gen_memfd(struct gen *g, int i)
{
	const struct fixture *f = &g->c->fix[i];
	need(g, "make_memfd");
	sb_printf(&g->body, "\t%s = make_memfd(", V(g, i, 0));
	c_quote_str(&g->body, f->name);
	sb_puts(&g->body, ", ");
	content_args(g, f);
	sb_puts(&g->body, ");\n");
}

static void gen_open(struct gen *g, int i)
{
	const struct fixture *f = &g->c->fix[i];
	sb_printf(&g->body, "\t%s = open(", V(g, i, 0));
	c_quote_str(&g->body, f->param);
	sb_puts(&g->body, ", ");
	mode_text(&g->body, fixture_opt(f, "mode"), "O_RDONLY");
	sb_printf(&g->body, "%s | O_NOCTTY);\n\tCHECK(%s, ", fixture_opt(f, "nonblock") ? " | O_NONBLOCK" : "",
		  V(g, i, 0));
	c_quote_str(&g->body, f->param);
	sb_puts(&g->body, ");\n");
}

static void gen_opath(struct gen *g, int i)
{
	const struct fixture *f = &g->c->fix[i];
	need(g, "make_opath");
	sb_printf(&g->body, "\t%s = make_opath(", V(g, i, 0));
	c_quote_str(&g->body, f->param ? f->param : f->name);
	sb_printf(&g->body, ", %d);\n", f->param ? 0 : 1);
}

static void gen_dir(struct gen *g, int i)
{
	const struct fixture *f = &g->c->fix[i];
	sb_printf(&g->body, "\t%s = open(", V(g, i, 0));
	c_quote_str(&g->body, f->param ? f->param : ".");
	sb_printf(&g->body, ", O_RDONLY | O_DIRECTORY);\n\tCHECK(%s, \"open directory\");\n", V(g, i, 0));
}

static void gen_socketpair(struct gen *g, int i)
{
	const struct fixture *f = &g->c->fix[i];
	need(g, "make_socketpair");
	const char *type = strcmp(f->param, "unix-dgram") == 0       ? "SOCK_DGRAM"
			   : strcmp(f->param, "unix-seqpacket") == 0 ? "SOCK_SEQPACKET"
								     : "SOCK_STREAM";
	sb_printf(&g->body, "\tmake_socketpair(%s, &%s, &%s);\n", type, V(g, i, 0), V(g, i, 1));
	gen_ends_opts(g, i);
}

/* tcp, udp, pty: a helper that makes both ends. */
static void gen_two_ends(struct gen *g, int i)
{
	const struct fixture *f = &g->c->fix[i];
	char helper[32];
	snprintf(helper, sizeof helper, "make_%s", f->kind->name);
	need(g, helper);
	sb_printf(&g->body, "\t%s(&%s, &%s);\n", helper, V(g, i, 0), V(g, i, 1));
	gen_ends_opts(g, i);
}

/* The anonymous-inode fds: one call each, with its NONBLOCK flag. */
static void gen_anon(struct gen *g, int i)
{
	const struct fixture *f = &g->c->fix[i];
	const char *k = f->kind->name, *v = V(g, i, 0);
	bool nb = fixture_opt(f, "nonblock") != NULL;
	if (strcmp(k, "eventfd") == 0) {
		sb_printf(&g->body, "\t%s = eventfd(%u, %s);\n", v, (unsigned)fixture_opt_num(f, "count", 0),
			  nb ? "EFD_NONBLOCK" : "0");
	} else if (strcmp(k, "timerfd") == 0) {
		sb_printf(&g->body, "\t%s = timerfd_create(CLOCK_MONOTONIC, %s);\n", v, nb ? "TFD_NONBLOCK" : "0");
	} else if (strcmp(k, "signalfd") == 0) {
		need(g, "make_signalfd");
		sb_printf(&g->body, "\t%s = make_signalfd(%s); /* for SIGUSR1 */\n", v, nb ? "SFD_NONBLOCK" : "0");
		return;
	} else if (strcmp(k, "epoll") == 0) {
		sb_printf(&g->body, "\t%s = epoll_create1(0);\n", v);
	} else if (strcmp(k, "inotify") == 0) {
		sb_printf(&g->body, "\t%s = inotify_init1(0);\n", v);
	} else if (strcmp(k, "pidfd") == 0) {
		need(g, "pidfd_open");
		sb_printf(&g->body, "\t%s = pidfd_open_raw(getpid());\n", v);
	}
	sb_printf(&g->body, "\tCHECK(%s, \"%s\");\n", v, k);
}

static void gen_closed(struct gen *g, int i)
{
	need(g, "closed_fd");
	sb_printf(&g->body, "\t%s = closed_fd();\n", V(g, i, 0));
}

static const char *prot_text(const char *p)
{
	if (!p || strcmp(p, "rw") == 0)
		return "PROT_READ | PROT_WRITE";
	if (strcmp(p, "r") == 0)
		return "PROT_READ";
	if (strcmp(p, "w") == 0)
		return "PROT_WRITE";
	return "PROT_NONE";
}

static void gen_buffer(struct gen *g, int i)
{
	const struct fixture *f = &g->c->fix[i];
	if (fixture_opt(f, "thp")) {
		need(g, "make_thp_buffer");
		sb_printf(&g->body, "\t%s = make_thp_buffer(", V(g, i, 0));
		c_char(&g->body, fixture_opt_byte(f, "fill", 0));
		sb_puts(&g->body, ");\n");
		return;
	}
	need(g, "make_buffer");
	sb_printf(&g->body, "\t%s = make_buffer(%llu, %llu, ", V(g, i, 0), fixture_opt_num(f, "pages", 1),
		  fixture_opt_num(f, "offset", 0));
	c_char(&g->body, fixture_opt_byte(f, "fill", 0));
	sb_printf(&g->body, ", %s);\n", prot_text(fixture_opt(f, "prot")));
}

static void gen_offset(struct gen *g, int i)
{
	const struct fixture *f = &g->c->fix[i];
	unsigned long long v = 0;
	num_parse(f->param, &v);
	need(g, "make_offset");
	sb_printf(&g->body, "\t%s = make_offset(", V(g, i, 0));
	c_num(&g->body, v, "long long");
	sb_printf(&g->body, ", %s);\n", prot_text(fixture_opt(f, "prot")));
}

/* How each kind is declared and made.  ctype: its variables' type. */
static const struct kind_gen {
	const char *kind;
	const char *ctype;
	void (*make)(struct gen *g, int fixture);
} kind_gens[] = {
	{"pipe", "int", gen_pipe},         {"fifo", "int", gen_fifo},       {"file", "int", gen_file},
	{"memfd", "int", gen_memfd},       {"open", "int", gen_open},       {"opath", "int", gen_opath},
	{"dir", "int", gen_dir},           {"socketpair", "int", gen_socketpair},
	{"tcp", "int", gen_two_ends},      {"udp", "int", gen_two_ends},    {"pty", "int", gen_two_ends},
	{"eventfd", "int", gen_anon},      {"timerfd", "int", gen_anon},    {"signalfd", "int", gen_anon},
	{"epoll", "int", gen_anon},        {"inotify", "int", gen_anon},    {"pidfd", "int", gen_anon},
	{"closed", "int", gen_closed},     {"buffer", "unsigned char *", gen_buffer},
	{"offset", "loff_t *", gen_offset},
};

static const struct kind_gen *kind_gen_of(const struct kind *k)
{
	for (size_t i = 0; i < ARRAY_LEN(kind_gens); i++)
		if (strcmp(kind_gens[i].kind, k->name) == 0)
			return &kind_gens[i];
	return NULL;
}

/* ---- arguments ---- */

/* One step's C: statements before the call (pre), the expressions its
 * raw arguments become (as the harness's arg_resolve makes them), and
 * the variable its read data lands in. */
struct stepgen {
	struct sbuf pre;
	struct sbuf expr[MAX_ARGS * 2];
	const char *exprtype[MAX_ARGS * 2];
	int nexpr;
	bool reads;
};

static void ptr_expr(struct gen *g, const struct ptrref *p, struct sbuf *b)
{
	if (p->buf >= 0) {
		sb_puts(b, V(g, p->buf, 0));
		if (p->add)
			sb_printf(b, " + %llu", p->add);
	} else if (p->addr == 0) {
		sb_puts(b, "NULL");
	} else {
		sb_printf(b, "(void *)%#llxUL", p->addr);
		if (p->special && *p->special)
			sb_printf(b, " /* %s */", p->special);
	}
}

static struct sbuf *next_expr(struct stepgen *sg) { return &sg->expr[sg->nexpr++]; }

static void arg_fd(struct gen *g, const struct arg *a, struct stepgen *sg)
{
	if (a->fd.fixture < 0)
		c_num(next_expr(sg), (unsigned long long)a->fd.literal, "int");
	else
		sb_puts(next_expr(sg), V(g, a->fd.fixture, a->fd.end));
}

static void arg_iov(struct gen *g, const struct arg *a, struct stepgen *sg)
{
	const struct iovspec *v = &a->iov;
	if (v->array_is_ptr) {
		ptr_expr(g, &v->array, next_expr(sg));
		return;
	}
	struct sbuf *pre = &sg->pre;
	if (v->n == 0) {
		sb_puts(pre, "\t\tstruct iovec iov[1] = {{NULL, 0}}; /* an empty list */\n");
		sb_puts(next_expr(sg), "iov");
		return;
	}
	sb_printf(pre, "\t\tstruct iovec %s[] = {", v->repeat == 1 ? "iov" : "pattern");
	for (int i = 0; i < v->n; i++) {
		sb_puts(pre, i ? ", {" : "{");
		ptr_expr(g, &v->v[i].base, pre);
		sb_puts(pre, ", ");
		c_num(pre, v->v[i].len, "size_t");
		sb_putc(pre, '}');
	}
	sb_puts(pre, "};\n");
	if (v->repeat != 1) {
		unsigned long long n = (unsigned long long)v->n * v->repeat;
		sb_printf(pre, "\t\tstruct iovec *iov = calloc(%llu, sizeof *iov); /* the list, %llu times */\n", n,
			  v->repeat);
		sb_printf(pre, "\t\tfor (size_t i = 0; i < %llu; i++)\n\t\t\tiov[i] = pattern[i %% %d];\n", n, v->n);
	}
	sb_puts(next_expr(sg), "iov");
}

static void arg_num(struct gen *g, const struct arg *a, struct stepgen *sg)
{
	(void)g;
	struct sbuf *b = next_expr(sg);
	c_num(b, a->num, sg->exprtype[sg->nexpr - 1]);
	long long v;
	if (!parse_int(a->text, &v)) {
		sb_puts(b, " /* ");
		comment_text(b, a->text);
		sb_puts(b, " */");
	}
}

static void enum_expr(const struct flag_set *fs, unsigned long long v, struct sbuf *b)
{
	for (size_t i = 0; i < fs->n; i++) {
		if (fs->v[i].val == v) {
			sb_printf(b, "%s%s", fs->prefix, fs->v[i].name);
			return;
		}
	}
	c_num(b, v, "int");
}

static void arg_flags(struct gen *g, const struct arg *a, struct stepgen *sg)
{
	(void)g;
	struct sbuf *b = next_expr(sg);
	/* flags or-ed by name; whence and how are plain enumerations */
	switch (a->type) {
	case A_SPLICE_FLAGS:
	case A_RWF_FLAGS:
		flags_render(arg_flag_set(a->type), a->num, b);
		break;
	default:
		enum_expr(arg_flag_set(a->type), a->num, b);
		break;
	}
}

static void arg_offptr(struct gen *g, const struct arg *a, struct stepgen *sg)
{
	struct sbuf *b = next_expr(sg);
	switch (a->off.kind) {
	case OFF_NULL:
		sb_puts(b, "NULL");
		break;
	case OFF_NAMED:
		sb_puts(b, V(g, a->off.fixture, 0));
		break;
	case OFF_VALUE:
		sb_printf(&sg->pre, "\t\tloff_t off%d = %lld;\n", sg->nexpr - 1, a->off.value);
		sb_printf(b, "&off%d", sg->nexpr - 1);
		break;
	case OFF_PTR:
		ptr_expr(g, &a->off.ptr, b);
		break;
	}
}

/* Data to write: a string literal when short, else built in a buffer
 * from its runs (memset) and text (memcpy). */
static void arg_data(struct gen *g, const struct arg *a, struct stepgen *sg)
{
	(void)g;
	const unsigned char *p = a->data.p;
	size_t n = a->data.len, i = 0;
	struct sbuf *b = next_expr(sg);
	bool runs = false;
	for (size_t k = 0; k + 8 <= n && !runs; k++)
		runs = memcmp(p + k, p + k + 1, 7) == 0;
	if (!runs && n <= 80) {
		c_quote(b, p, n);
	} else {
		int id = sg->nexpr - 1;
		sb_printf(&sg->pre, "\t\tstatic unsigned char data%d[%zu];\n", id, n ? n : 1);
		while (i < n) {
			size_t run = 1;
			while (i + run < n && p[i + run] == p[i])
				run++;
			if (run >= 8) {
				sb_printf(&sg->pre, "\t\tmemset(data%d + %zu, ", id, i);
				c_char(&sg->pre, p[i]);
				sb_printf(&sg->pre, ", %zu);\n", run);
				i += run;
				continue;
			}
			size_t j = i;
			while (j < n && j - i < 64 && !(j + 8 <= n && memcmp(p + j, p + j + 1, 7) == 0))
				j++;
			sb_printf(&sg->pre, "\t\tmemcpy(data%d + %zu, ", id, i);
			c_quote(&sg->pre, p + i, j - i);
			sb_printf(&sg->pre, ", %zu);\n", j - i);
			i = j;
		}
		sb_printf(b, "data%d", id);
	}
	sb_printf(next_expr(sg), "%zu", n);
}

static void arg_rdbuf(struct gen *g, const struct arg *a, struct stepgen *sg)
{
	need(g, "rdbuf");
	sb_printf(&sg->pre, "\t\tunsigned char *buf = rdbuf(%llu);\n", a->num);
	sb_puts(next_expr(sg), "buf");
	c_num(next_expr(sg), a->num, "size_t");
	sg->reads = true;
}

static void arg_ptr(struct gen *g, const struct arg *a, struct stepgen *sg) { ptr_expr(g, &a->ptr, next_expr(sg)); }

static void arg_offname(struct gen *g, const struct arg *a, struct stepgen *sg)
{
	sb_puts(next_expr(sg), V(g, a->fixture, 0));
}

static void arg_ms(struct gen *g, const struct arg *a, struct stepgen *sg)
{
	(void)g;
	sb_printf(next_expr(sg), "%llu", a->num);
}

/* A word: its index (as the harness passes it), or, for a signal name,
 * the signal's macro. */
static void arg_word(struct gen *g, const struct arg *a, struct stepgen *sg)
{
	(void)g;
	if (signal_by_name(a->text) > 0)
		sb_puts(next_expr(sg), a->text);
	else
		sb_printf(next_expr(sg), "%d /* %s */", a->word, a->text);
}

static void arg_const(struct gen *g, const struct arg *a, struct stepgen *sg)
{
	(void)g;
	sb_puts(next_expr(sg), a->text);
}

static void arg_actor(struct gen *g, const struct arg *a, struct stepgen *sg)
{
	(void)g;
	sb_printf(next_expr(sg), "%d /* %s */", a->word, a->text);
}

/* Per argument type: how many raw arguments it becomes and their C. */
static void (*const arg_gens[])(struct gen *, const struct arg *, struct stepgen *) = {
	[A_FD] = arg_fd,         [A_IOV] = arg_iov,         [A_NUM] = arg_num,
	[A_SPLICE_FLAGS] = arg_flags, [A_RWF_FLAGS] = arg_flags, [A_WHENCE] = arg_flags,
	[A_SHUT] = arg_flags,    [A_OFFPTR] = arg_offptr,   [A_DATA] = arg_data,
	[A_RDBUF] = arg_rdbuf,   [A_PTR] = arg_ptr,         [A_OFFNAME] = arg_offname,
	[A_MS] = arg_ms,         [A_WORD] = arg_word,       [A_CONST] = arg_const,
	[A_ACTOR] = arg_actor,
};

/* ---- calls ---- */



/* The syscall an actor's step may sleep in, as the C library names it. */
static const char *sys_name(long nr)
{
	static const struct {
		long nr;
		const char *name;
	} names[] = {
		{SYS_vmsplice, "SYS_vmsplice"}, {SYS_splice, "SYS_splice"}, {SYS_tee, "SYS_tee"}, {SYS_read, "SYS_read"},
		{SYS_write, "SYS_write"},       {SYS_pread64, "SYS_pread64"}, {SYS_pwrite64, "SYS_pwrite64"},
		{SYS_close, "SYS_close"},       {SYS_pwritev2, "SYS_pwritev2"},
	};
	for (size_t i = 0; i < ARRAY_LEN(names); i++)
		if (names[i].nr == nr)
			return names[i].name;
	return "-1";
}

/* How a call is written in C comes with it, from its entry in calls.c. */
static const struct repro_c *call_gen_of(const struct call *c)
{
	return c->repro.expr ? &c->repro : NULL;
}

/* The step as the case file writes it, for a comment. */
static void step_source(const struct step *s, struct sbuf *b)
{
	sb_puts(b, s->call->name);
	for (int i = 0; i < s->nargs; i++)
		if (s->args[i].type != A_CONST)
			sb_printf(b, " %s", s->args[i].text);
}

static void fixture_source(const struct fixture *f, struct sbuf *b)
{
	sb_printf(b, "%s %s", f->kind->name, f->name);
	if (f->param)
		sb_printf(b, " %s", f->param);
	for (int i = 0; i < f->nopts; i++)
		sb_printf(b, " %s%s%s", f->opts[i].key, *f->opts[i].val ? "=" : "", f->opts[i].val);
}

static void gen_step(struct gen *g, int si)
{
	const struct step *s = &g->c->steps[si];
	const struct repro_c *cg = call_gen_of(s->call);
	if (!cg) {
		g->ok = !diag_at(g->d, g->c->file, s->line, "repro: the call '%s' has no C expression (its repro field "
				 "in harness/calls.c)", s->call->name);
		return;
	}
	if (cg->helper)
		need(g, cg->helper);
	struct stepgen sg = {0};
	g->in_step = true;
	for (int k = 0; k < MAX_ARGS * 2; k++)
		sg.exprtype[k] = cg->types[k];
	for (int i = 0; i < s->nargs; i++)
		arg_gens[s->args[i].type](g, &s->args[i], &sg);
	g->in_step = false;
	struct sbuf b = {0};
	sb_printf(&b, "\n\t/* step %d, %s:%d: ", si + 1, g->c->file, s->line);
	struct sbuf src = {0};
	step_source(s, &src);
	comment_text(&b, src.s);
	sb_free(&src);
	sb_puts(&b, " */\n\t{\n");
	if (sg.pre.s)
		sb_puts(&b, sg.pre.s);
	if (s->actor)
		sb_puts(&b, "\t\tactor_step_begin();\n\t\tlong r = ");
	else
		sb_printf(&b, "\t\t%s(%d);\n\t\tlong r = ", (s->call->flags & CALL_SYNC) ? "sync_step_begin" : "step_begin",
			  si + 1);
	for (const char *t = cg->expr; *t; t++) {
		if (*t == '$' && t[1] >= '0' && t[1] <= '9') {
			int k = *++t - '0';
			sb_puts(&b, k < sg.nexpr && sg.expr[k].s ? sg.expr[k].s : "0");
		} else {
			sb_putc(&b, *t);
		}
	}
	sb_printf(&b, ";\n\t\tstep_end(%d, r, errno, %d, %s);\n\t}\n", si + 1,
		  (s->call->flags & CALL_NO_OUTCOME) ? 1 : 0, sg.reads ? "buf" : "NULL");
	if (s->actor) {
		/* the actor runs it: a function of its own, handed over by number */
		const char *who = g->c->actors[s->actor - 1].name;
		sb_printf(&g->funcs, "\n/* run by actor %s */\nstatic void step_%d(void)\n{%s}\n", who, si + 1, b.s);
		sb_printf(&g->items, "\tcase %d:\n\t\tstep_%d();\n\t\tbreak;\n", si + 1, si + 1);
		sb_printf(&g->body, "\n\t/* step %d, %s:%d: handed to actor %s, which runs it while this goes on */\n"
			  "\tactor_send(&actors[%d], %d, %s);\n", si + 1, g->c->file, s->line, who, s->actor - 1, si + 1,
			  sys_name(s->call->nr));
	} else {
		sb_puts(&g->body, b.s);
	}
	sb_free(&b);
	sb_free(&sg.pre);
	for (int i = 0; i < MAX_ARGS * 2; i++)
		sb_free(&sg.expr[i]);
}

/* thread NAME, process NAME: started where the line stands. */
static void gen_actor(struct gen *g, int k)
{
	const struct actor_decl *a = &g->c->actors[k];
	need(g, "actors");
	sb_printf(&g->body, "\n\t/* %s %s (%s:%d) */\n\tstart_actor(%d, %d, run_item, \"start %s %s\");\n",
		  a->process ? "process" : "thread", a->name, g->c->file, a->line, k, a->process, a->process ? "process" :
		  "thread", a->name);
}

static void gen_fixture(struct gen *g, int fi)
{
	const struct fixture *f = &g->c->fix[fi];
	const struct kind_gen *kg = kind_gen_of(f->kind);
	if (!kg) {
		g->ok = !diag_at(g->d, g->c->file, f->line, "repro: no generator for the fixture kind '%s' (add one "
				 "to kind_gens in harness/repro.c)", f->kind->name);
		return;
	}
	sb_puts(&g->decl, "\t");
	sb_puts(&g->decl, kg->ctype);
	bool ptr = strchr(kg->ctype, '*') != NULL;
	for (int e = 0; e == 0 || (e < MAX_ENDS && f->kind->ends[e]); e++)
		sb_printf(&g->decl, "%s%s%s%s", e ? ", " : (ptr ? "" : " "), ptr && e ? "*" : "", V(g, fi, e),
			  ptr ? "" : " = -1");
	sb_puts(&g->decl, ";\n");
	struct sbuf src = {0};
	fixture_source(f, &src);
	sb_puts(&g->body, "\n\t/* ");
	comment_text(&g->body, src.s);
	sb_printf(&g->body, " (%s:%d) */\n", g->c->file, f->line);
	sb_free(&src);
	kg->make(g, fi);
}

/* ---- the program ---- */

static void put_tables(FILE *out)
{
	fputs("static const struct {\n\tint e;\n\tconst char *name;\n} errno_names[] = {\n", out);
	int col = 0;
	/* from 0: where the C library names errno 0, the harness shows it so */
	for (int e = 0; e < 134; e++) {
		const char *n = errno_name(e);
		if (!n)
			continue;
		fprintf(out, "%s{%s, \"%s\"},", col == 0 ? "\t" : " ", n, n);
		if (++col == 4) {
			fputc('\n', out);
			col = 0;
		}
	}
	fputs(col ? "\n};\n" : "};\n", out);
	fputs("static const struct {\n\tint sig;\n\tconst char *name;\n} signal_names[] = {\n", out);
	col = 0;
	for (int s = 1; s < 32; s++) {
		const char *n = signal_name(s);
		if (strncmp(n, "SIG", 3) != 0 || (n[3] >= '0' && n[3] <= '9'))
			continue;
		fprintf(out, "%s{%s, \"%s\"},", col == 0 ? "\t" : " ", n, n);
		if (++col == 4) {
			fputc('\n', out);
			col = 0;
		}
	}
	fputs(col ? "\n};\n" : "};\n", out);
}

static const char *helper_code(const char *name)
{
	for (size_t i = 0; i < ARRAY_LEN(helpers); i++)
		if (strcmp(helpers[i].name, name) == 0)
			return helpers[i].code;
	return "";
}

static void put_header(FILE *out, const struct tcase *c, int ci, const struct expset *set,
		       const struct exp_line *e, const struct repro_opts *o)
{
	struct sbuf b = {0};
	sb_printf(&b, "/* splicecheck reproducer for case %s (%s:%d).\n *\n", c->name, c->file, c->line);
	if (c->ntags) {
		sb_puts(&b, " * tags:");
		for (int i = 0; i < c->ntags; i++)
			sb_printf(&b, " %s", c->tags[i]);
		sb_puts(&b, "\n");
	}
	if (c->ncovers) {
		sb_puts(&b, " * covers (docs/checks.md):");
		for (int i = 0; i < c->ncovers; i++)
			sb_printf(&b, " %s", c->covers[i]);
		sb_puts(&b, "\n");
	}
	sb_printf(&b, " * Generated by `splicecheck repro` for target %s, kernel %s.\n", o->target, o->kernel);
	if (e)
		sb_printf(&b, " * Expected outcomes: %s:%d, %s%s%s.\n", e->file, e->line,
			  e->nq ? "the line for " : "a plain line (it holds unless a later line with a range does)",
			  e->nq ? e->qual_text : "", e->nq ? " (where it holds)" : "");
	else
		sb_puts(&b, " * No expected outcomes are recorded for this target: it only shows what it sees.\n");
	bool any = false;
	for (int i = 0; set && i < set->n; i++) {
		const struct exp_line *x = &set->v[i];
		if (x->case_idx != ci)
			continue;
		if (!any)
			sb_puts(&b, " * Every expected line for this case (the last that holds wins):\n");
		any = true;
		sb_printf(&b, " *   %s:%d %s", x->file, x->line, x == e ? "=> " : "   ");
		for (int k = 0; k < x->nouts; k++) {
			sb_putc(&b, ' ');
			comment_text(&b, x->outs[k]);
		}
		if (x->nq)
			sb_printf(&b, "   [%s]", x->qual_text);
		sb_puts(&b, "\n");
	}
	sb_puts(&b, " *\n"
		    " *   cc -Wall -o repro repro.c && ./repro\n"
		    " *\n"
		    " * Exit status: 0 every outcome as expected, 1 an outcome differs, 77 a\n"
		    " * fixture cannot be made here (the harness says SKIP), 2 setup failed.\n"
		    " * Outcomes are spelt as splicecheck spells them (docs/writing-cases.md):\n"
		    " * 1000, EINVAL, blocks, EPIPE+SIGPIPE, 5:\"hello\", SIGSEGV, -.\n"
		    " */\n");
	fputs(b.s, out);
	sb_free(&b);
}

bool repro_write(FILE *out, const struct suite *s, int ci, const struct expset *set, const struct exp_line *e,
		 const struct repro_opts *o, struct diag *d)
{
	const struct tcase *c = &s->cases[ci];
	struct gen g = {.c = c, .d = d, .ok = true};
	g.var = xcalloc((size_t)(c->nfix ? c->nfix : 1) * MAX_ENDS, sizeof *g.var);
	g.var_used = xcalloc((size_t)(c->nfix ? c->nfix : 1) * MAX_ENDS, sizeof *g.var_used);
	for (int i = 0; i < c->nfix; i++)
		for (int e2 = 0; e2 == 0 || (e2 < MAX_ENDS && c->fix[i].kind->ends[e2]); e2++)
			g.var[i * MAX_ENDS + e2] = var_name(&c->fix[i], e2);
	for (int it = 0; it < c->nitems && g.ok; it++) {
		if (c->items[it].kind == ITEM_ACTOR)
			gen_actor(&g, c->items[it].index);
		else if (c->items[it].is_step)
			gen_step(&g, c->items[it].index);
		else
			gen_fixture(&g, c->items[it].index);
	}
	if (c->nactors)
		sb_puts(&g.body, "\n\tfinish_actors();\n");
	bool first = true;
	for (int i = 0; i < c->nfix * MAX_ENDS; i++) {
		if (g.var[i] && !g.var_used[i]) {
			sb_printf(&g.body, "%s\t(void)%s;\n", first ? "\n\t/* made, but no step uses them */\n" : "",
				  g.var[i]);
			first = false;
		}
	}
	if (g.ok) {
		put_header(out, c, ci, set, e, o);
		fputs(helper_code("head"), out);
		fputs("\n/* ---- This case. ---- */\n", out);
		struct sbuf b = {0};
		sb_puts(&b, "#define CASE_NAME ");
		c_quote_str(&b, c->name);
		sb_printf(&b, "\n#define CASE_WHERE \"%s:%d\"\n", c->file, c->line);
		sb_printf(&b, "#define NSTEPS %d\n#define TIMEOUT_MS %u /* the watchdog: a step still in its call "
			  "after this is ended */\n", c->nsteps, c->timeout_ms ? c->timeout_ms : o->timeout_ms);
		sb_printf(&b, "#define NEEDS_ROOT %d\n#define NEEDS_TMPFS %d\n", c->needs_root, c->needs_tmpfs);
		sb_printf(&b, "#define HAVE_EXPECTED %d\n#define NEXPECTED %d\n", e != NULL, e ? e->nouts : 0);
		if (e) {
			sb_printf(&b, "/* %s:%d%s%s */\n", e->file, e->line, e->nq ? " " : "", e->nq ? e->qual_text : "");
			sb_puts(&b, "static const char *const expected[] = {\n");
			for (int i = 0; i < e->nouts; i++) {
				sb_puts(&b, "\t");
				c_quote_str(&b, e->outs[i]);
				sb_puts(&b, ",\n");
			}
			sb_puts(&b, "};\n");
		} else {
			sb_puts(&b, "static const char *const expected[] = {NULL};\n");
		}
		sb_puts(&b, "/* each step's call, as splicecheck shows it */\nstatic const char *const call_text[] = {\n");
		for (int i = 0; i < c->nsteps; i++) {
			struct sbuf t = {0};
			call_render(&c->steps[i], c, &t);
			sb_puts(&b, "\t");
			c_quote_str(&b, t.s);
			sb_puts(&b, ",\n");
			sb_free(&t);
		}
		sb_puts(&b, "};\n\n");
		fputs(b.s, out);
		sb_free(&b);
		put_tables(out);
		fputs(helper_code("data"), out);
		fputs(helper_code("common"), out);
		fputs("\n/* ---- Helpers this case uses. ---- */\n", out);
		for (size_t i = 0; i < ARRAY_LEN(helpers); i++)
			if (g.used[i])
				fprintf(out, "\n%s", helpers[i].code);
		if (c->nactors) {
			/* the actors' steps see the fixtures too: they live at file scope */
			fputs("\n/* ---- The case's fixtures, shared with its actors. ---- */\n", out);
			for (const char *p = g.decl.s ? g.decl.s : ""; *p; p++) {
				if (*p == '\t' && (p == g.decl.s || p[-1] == '\n'))
					fputs("static ", out);
				else
					fputc(*p, out);
			}
			fprintf(out, "\n/* ---- The steps the actors run. ---- */\n%s\n"
				     "static void run_item(int step, void *arg)\n{\n\t(void)arg;\n\tswitch (step) {\n%s\t}\n}\n",
				g.funcs.s ? g.funcs.s : "", g.items.s ? g.items.s : "");
			fprintf(out, "\n/* ---- The case: its fixtures, actors and steps, in order. ---- */\n"
				     "static void run_case(void)\n{\n%s}\n", g.body.s ? g.body.s : "");
		} else {
			fprintf(out, "\n/* ---- The case: its fixtures and steps, in order. ---- */\n"
				     "static void run_case(void)\n{\n%s%s}\n", g.decl.s ? g.decl.s : "",
				g.body.s ? g.body.s : "");
		}
	}
	for (int i = 0; i < c->nfix * MAX_ENDS; i++)
		xfree(g.var[i]);
	xfree(g.var);
	xfree(g.var_used);
	sb_free(&g.decl);
	sb_free(&g.body);
	sb_free(&g.funcs);
	sb_free(&g.items);
	return g.ok;
}
