/* pub.c - `sluice pub TOPIC JSON`: publishes messages written as JSON,
 * encoded with the topic's own binary schema, straight into loaned slots. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "args.h"
#include "cmd.h"
#include "sluice/channel.h"
#include "sluice/error.h"
#include "sluice/fb_json.h"

#define SECOND 1000000000LL

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* Reads a whole file into *buf (malloc'd); its length, or -errno. */
static long read_file(const char *path, void **buf)
{
	FILE *f = fopen(path, "rb");
	long n = -1;

	*buf = NULL;
	if (!f)
		return -errno;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 && n <= (64l << 20) &&
	    fseek(f, 0, SEEK_SET) == 0 && (*buf = malloc((size_t)n)) &&
	    fread(*buf, 1, (size_t)n, f) == (size_t)n) {
		fclose(f);
		return n;
	}
	fclose(f);
	free(*buf);
	*buf = NULL;
	return n == 0 ? -ENODATA : n > (64l << 20) ? -EFBIG : -EIO;
}

struct new_topic {
	const char *type, *schema_path;
	uint64_t slot_size, slots;
};

/* sluicec, which reads .fbs text (the library reads only binary schemas):
 * the one beside this program, else the one on PATH. */
static void find_sluicec(char *path, size_t len)
{
	ssize_t n = readlink("/proc/self/exe", path, len - 1);
	char *slash;

	if (n > 0) {
		path[n] = '\0';
		if ((slash = strrchr(path, '/')) && (size_t)(slash - path) + sizeof("/sluicec") <= len) {
			strcpy(slash, "/sluicec");
			if (access(path, X_OK) == 0)
				return;
		}
	}
	snprintf(path, len, "sluicec");
}

/* Compiles a .fbs with `sluicec --bfbs` into a temporary folder and reads
 * the result: its length, or a negative code (sluicec says why itself). */
static long compile_fbs(const char *fbs, void **buf)
{
	char dir[] = "/tmp/sluice-pub-XXXXXX", exe[4096], out[4200];
	const char *base = strrchr(fbs, '/');
	int status;
	long n;
	pid_t pid;

	*buf = NULL;
	if (!mkdtemp(dir))
		return -errno;
	find_sluicec(exe, sizeof(exe));
	pid = fork();
	if (pid == 0) {
		execlp(exe, "sluicec", "--bfbs", "-o", dir, fbs, (char *)NULL);
		fprintf(stderr, "sluice pub: cannot run %s: %s\n", exe, strerror(errno));
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0) {
		n = -SLUICE_EFBSCHEMA;
	} else {
		/* sluicec names it after the .fbs: dir/name.bfbs (the path's
		 * last '.' is the one of ".fbs", in its last component) */
		const char *name = base ? base + 1 : fbs;

		snprintf(out, sizeof(out), "%s/%.*s.bfbs", dir, (int)(strrchr(name, '.') - name),
			 name);
		n = read_file(out, buf);
		unlink(out);
	}
	rmdir(dir);
	return n;
}

#ifndef SLUICE_BIN_TO_SCHEMAS
#define SLUICE_BIN_TO_SCHEMAS "../share/sluice/schemas"
#endif

/* A schema named without a folder ("pose" or "pose.fbs") that is no file
 * here is an installed one: <prefix>/share/sluice/schemas, found from
 * this program's own <prefix>/bin as plugins are found from the library,
 * so a moved prefix keeps working. Otherwise name itself. */
static const char *find_schema(const char *name, char *path, size_t len)
{
	ssize_t n;
	size_t room;
	char *slash;
	int w;

	if (strchr(name, '/') || access(name, F_OK) == 0)
		return name;
	n = readlink("/proc/self/exe", path, len - 1);
	if (n <= 0)
		return name;
	path[n] = '\0';
	if (!(slash = strrchr(path, '/')))
		return name;
	room = len - (size_t)(slash - path);
	w = snprintf(slash, room, "/" SLUICE_BIN_TO_SCHEMAS "/%s%s", name,
		     strchr(name, '.') ? "" : ".fbs");
	if (w < 0 || (size_t)w >= room || access(path, R_OK) != 0)
		return name;
	return path;
}

/* --type [--schema]: the topic pub creates when it does not exist yet, or
 * what an existing one must carry. */
static int load_schema(const struct new_topic *nt, void **schema, size_t *len)
{
	char found[PATH_MAX];
	const char *path =
	    nt->schema_path ? find_schema(nt->schema_path, found, sizeof(found)) : NULL;
	const char *ext = path ? strrchr(path, '.') : NULL;
	long n;

	*schema = NULL;
	*len = 0;
	if (!path)
		return 0;
	if (ext && !strcmp(ext, ".fbs"))
		n = compile_fbs(path, schema);
	else
		n = read_file(path, schema);
	if (n < 0)
		return cli_error("pub", "--schema %s: %s", nt->schema_path,
				 n == -SLUICE_EFBSCHEMA ? "sluicec --bfbs could not compile it"
							: sluice_strerror((int)n));
	*len = (size_t)n;
	if (sluice_fb_schema_verify(*schema, *len) != 0)
		return cli_error("pub", "--schema %s is not a binary schema: %s", nt->schema_path,
				 sluice_errdetail());
	return 0;
}

/* Checks that type is a table of the schema by encoding "{}" with it: a
 * type that is not there is refused by name, a missing required field
 * means it is there. */
static int check_type(const void *schema, size_t len, const char *type)
{
	unsigned char buf[256], scratch[1024];
	sluice_fb_builder b;
	sluice_fb_msg msg;
	int rc;

	sluice_fb_builder_init(&b, buf, sizeof(buf));
	rc = sluice_fb_json_parse(schema, len, type, "{}", 2, scratch, sizeof(scratch), &b, false,
				  &msg);
	if (rc == -SLUICE_EFBSCHEMA)
		return cli_error("pub", "--type %s: %s", type, sluice_errdetail());
	return 0;
}

static int pub_main(int argc, char **argv)
{
	const char *topic_arg = NULL, *text = NULL, *pipeline = NULL, *v;
	char topic[CLI_TOPIC_MAX];
	uint64_t count = 1, u;
	double rate = 0;
	struct new_topic nt = {0};
	struct sluice_topic_stats st;
	struct sluice_pub *pub;
	void *schema = NULL;
	size_t schema_len = 0;
	int rc;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "-n") || !strcmp(a, "--rate") || !strcmp(a, "--type") ||
		    !strcmp(a, "--schema") || !strcmp(a, "--slot-size") || !strcmp(a, "--slots") ||
		    !strcmp(a, "--pipeline")) {
			if (!(v = cli_value("pub", argc, argv, &i)))
				return CLI_USAGE;
			rc = 0;
			if (!strcmp(a, "-n"))
				rc = cli_u64("pub", a, v, 0, LONG_MAX, &count);
			else if (!strcmp(a, "--rate"))
				rc = cli_double("pub", a, v, 1e-6, 1e9, &rate);
			else if (!strcmp(a, "--type"))
				nt.type = v;
			else if (!strcmp(a, "--schema"))
				nt.schema_path = v;
			else if (!strcmp(a, "--pipeline"))
				pipeline = v;
			else if (!strcmp(a, "--slot-size"))
				rc = cli_u64("pub", a, v, 8, 1u << 30, &nt.slot_size);
			else if ((rc = cli_u64("pub", a, v, 1, 1u << 24, &u)) == 0 && (u & (u - 1)))
				rc = cli_usage_error("pub", "--slots must be a power of two, not %s", v);
			else
				nt.slots = u;
			if (rc)
				return rc;
		} else if (!topic_arg && a[0] != '-') {
			topic_arg = a;
		} else if (!text) {
			text = a;
		} else {
			return cli_usage_error("pub", "unexpected argument \"%s\"", a);
		}
	}
	if (!topic_arg || !text)
		return cli_usage_error("pub", "usage: sluice pub TOPIC JSON [--rate HZ] [-n N] "
					      "[--type T [--schema F.bfbs]]");
	if (count == 0 && rate == 0)
		return cli_usage_error("pub", "-n 0 (forever) needs --rate");
	if (nt.schema_path && !nt.type)
		return cli_usage_error("pub", "--schema needs --type (the message's table)");
	if ((rc = cli_topic("pub", topic_arg, pipeline, topic, sizeof(topic))) != 0)
		return rc;
	if ((rc = load_schema(&nt, &schema, &schema_len)) != 0 ||
	    (schema && (rc = check_type(schema, schema_len, nt.type)) != 0)) {
		free(schema);
		return rc;
	}
	rc = sluice_topic_stat(topic, &st, NULL, 0);
	if (rc == -ENOENT && nt.type) {
		/* Make it: the first publisher creates a topic (channel.h). */
		struct sluice_topic_opts o = {.type_name = nt.type, .schema = schema,
					      .schema_len = schema_len,
					      .slot_size = (uint32_t)nt.slot_size,
					      .slot_count = (uint32_t)nt.slots};

		rc = sluice_topic_create(topic, &o);
		if (rc == 0 || rc == -EEXIST)
			rc = sluice_topic_stat(topic, &st, NULL, 0);
	}
	free(schema);
	if (rc) {
		cli_lib_error("pub", topic, rc);
		if (rc == -ENOENT)
			fprintf(stderr, "sluice pub: --type T --schema F.bfbs creates it\n");
		return CLI_FAIL;
	}
	if (nt.type && strcmp(nt.type, st.type_name) != 0)
		return cli_error("pub", "%s carries %s, not %s", topic, st.type_name, nt.type);
	if (!st.schema_len)
		return cli_error("pub", "%s carries no schema: JSON cannot be encoded%s", topic,
				 nt.type ? "" : " (--type T --schema F.bfbs gives a new topic one)");

	size_t scratch_len = 1 << 16;
	void *scratch = malloc(scratch_len);
	struct sluice_topic_opts o = {.type_name = st.type_name, .schema_hash = st.schema_hash};

	schema = malloc(st.schema_len);
	if (!schema || !scratch ||
	    sluice_topic_schema(topic, schema, st.schema_len) != (int)st.schema_len) {
		free(schema);
		free(scratch);
		return cli_error("pub", "%s: cannot read its schema", topic);
	}
	if ((rc = sluice_pub_open(topic, &o, &pub)) != 0) {
		free(schema);
		free(scratch);
		return cli_lib_error("pub", topic, rc);
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	struct timespec next;
	clock_gettime(CLOCK_MONOTONIC, &next);
	rc = 0;
	for (uint64_t sent = 0; !stop && (count == 0 || sent < count); sent++) {
		void *slot;
		sluice_fb_builder b;
		sluice_fb_msg msg;
		int r = sluice_pub_loan(pub, 0, &slot, 5 * SECOND);

		if (r) {
			rc = cli_error("pub", "%s: %s", topic, sluice_strerror(r));
			break;
		}
		/* Encode in place: the builder fills the loaned slot from its end. */
		sluice_fb_builder_init(&b, slot, sluice_pub_slot_size(pub));
		r = sluice_fb_json_parse(schema, st.schema_len, st.type_name, text, strlen(text),
					 scratch, scratch_len, &b, false, &msg);
		if (r) {
			rc = cli_error("pub", "%s", sluice_errdetail());
			break;
		}
		if ((r = sluice_pub_commit(pub, msg.offset, msg.length)) != 0) {
			rc = cli_error("pub", "%s", sluice_errdetail());
			break;
		}
		if (rate > 0) {
			long step = (long)(1e9 / rate);

			next.tv_nsec += step % 1000000000L;
			next.tv_sec += step / 1000000000L + next.tv_nsec / 1000000000L;
			next.tv_nsec %= 1000000000L;
			clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
		}
	}
	sluice_pub_close(pub);
	free(schema);
	free(scratch);
	return rc;
}

SLUICE_CMD(pub, "pub", "publish messages written as JSON on a topic",
	   "usage: sluice pub TOPIC JSON [--rate HZ] [-n N] [--pipeline NAME]\n"
	   "                             [--type T [--schema F.bfbs|F.fbs] [--slot-size B] [--slots N]]\n\n"
	   "Becomes TOPIC's publisher (refused while another lives), encodes JSON with the\n"
	   "binary schema the topic carries, straight into the loaned slot, and publishes\n"
	   "it N times (default 1; 0: until Ctrl-C) at HZ per second (default: at once).\n"
	   "Errors in JSON name line:col.\n\n"
	   "  --type T         the message type (a table of the schema, e.g. sluice.msg.Imu);\n"
	   "                   an existing TOPIC must carry it, a missing one is created\n"
	   "  --schema F       the schema a created topic carries: binary (.bfbs), or .fbs\n"
	   "                   text, which sluicec --bfbs (beside sluice, or on PATH)\n"
	   "                   compiles first\n"
	   "  --slot-size B    bytes per message of a created topic (default 4096)\n"
	   "  --slots N        messages a created topic holds, a power of two (default 64)\n"
	   "  --pipeline NAME  TOPIC is a topic of pipeline NAME (/NAME.TOPIC)\n\n"
	   "Exit status: 0 all sent (or Ctrl-C); 1 failed; 2 bad arguments.\n",
	   pub_main)
