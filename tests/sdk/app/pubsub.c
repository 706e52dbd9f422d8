/* pubsub.c - an application built against an installed sluice only: it
 * publishes N messages on a topic and reads them back with a subscriber in
 * a child process, checking every one. Usage: pubsub /TOPIC N */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sluice/sluice.h>
#include <sluice/version.h>

static int fail(const char *what, int rc)
{
	fprintf(stderr, "pubsub: %s: %s (%s)\n", what, sluice_strerror(rc), sluice_errdetail());
	return 1;
}

/* The child: subscribes, tells the parent through ready, reads n. */
static int subscriber(const char *topic, int ready, unsigned n)
{
	struct sluice_sub_opts so = {.type_name = "sdk.Text"};
	struct sluice_sub *sub;
	int rc = sluice_sub_open(topic, &so, &sub);

	if (rc)
		return fail("subscribe", rc);
	rc = write(ready, "r", 1) == 1 ? 0 : 1;
	close(ready);
	for (unsigned i = 0; rc == 0 && i < n; i++) {
		char buf[64], want[64];
		struct sluice_msg m;
		int len = sluice_sub_take_copy(sub, buf, sizeof(buf) - 1, &m, 5000000000LL);

		if (len < 0) {
			rc = fail("take", len);
			break;
		}
		buf[len] = '\0';
		snprintf(want, sizeof(want), "message %u", i);
		if (strcmp(buf, want) != 0) {
			fprintf(stderr, "pubsub: got \"%s\", want \"%s\"\n", buf, want);
			rc = 1;
		}
	}
	sluice_sub_close(sub);
	return rc;
}

int main(int argc, char **argv)
{
	struct sluice_topic_opts to = {.slot_size = 64, .slot_count = 8, .type_name = "sdk.Text"};
	struct sluice_pub *pub;
	unsigned n = argc > 2 ? (unsigned)atoi(argv[2]) : 0;
	int rc, status, ready[2];
	char c;
	pid_t pid;

	if (argc != 3 || argv[1][0] != '/' || n == 0) {
		fprintf(stderr, "usage: pubsub /TOPIC N\n");
		return 2;
	}
	if (strcmp(sluice_version(), SLUICE_VERSION_STRING) != 0) {
		fprintf(stderr, "pubsub: library %s, headers %s\n", sluice_version(),
		        SLUICE_VERSION_STRING);
		return 1;
	}
	rc = sluice_pub_open(argv[1], &to, &pub);
	if (rc)
		return fail(argv[1], rc);
	/* The subscriber joins before the first message: the lossless topic
	 * then waits for it. */
	if (pipe(ready)) {
		perror("pubsub: pipe");
		pid = -1;
	} else {
		pid = fork();
		if (pid == 0) {
			close(ready[0]);
			_exit(subscriber(argv[1], ready[1], n));
		}
		close(ready[1]);
		if (pid > 0 && read(ready[0], &c, 1) != 1)
			rc = -EPIPE;
		close(ready[0]);
	}
	for (unsigned i = 0; pid > 0 && rc == 0 && i < n; i++) {
		char msg[64];
		int len = snprintf(msg, sizeof(msg), "message %u", i);

		rc = sluice_pub_publish(pub, msg, (size_t)len, 5000000000LL);
		if (rc) {
			fail("publish", rc);
			break;
		}
	}
	status = 1;
	if (pid > 0)
		waitpid(pid, &status, 0);
	sluice_pub_close(pub);
	sluice_shm_unlink(argv[1]);
	if (pid < 0 || rc || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return 1;
	printf("pubsub: %u messages through %s with sluice %s\n", n, argv[1], sluice_version());
	return 0;
}
