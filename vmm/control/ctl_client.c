// SPDX-License-Identifier: MIT
/* squeeze ctl: the control protocol's command-line client (ctl_client.h). */
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "vmm/base/err.h"
#include "vmm/base/log.h"
#include "vmm/control/ctl_client.h"
#include "vmm/control/ctl_proto.h"

#define CTL_REPLY_MAX (1 * MiB)

static int usage(void)
{
	pr_err("usage: squeeze ctl PATH status|pause|resume|shutdown|poweroff|stats\n"
	       "       squeeze ctl PATH snapshot DIR [--resume]");
	return 2;
}

/* The request line; DIR is made absolute, as squeeze's cwd is not ours. */
static char *build_request(int argc, char **argv, enum ctl_cmd cmd)
{
	char dir[2 * PATH_MAX], cwd[PATH_MAX];
	json_t *o;
	char *s;

	o = json_pack("{s:i, s:s}", "id", 1, "cmd", ctl_cmd_name(cmd));
	if (o && cmd == CTL_SNAPSHOT) {
		if (argv[3][0] == '/')
			snprintf(dir, sizeof(dir), "%s", argv[3]);
		else if (getcwd(cwd, sizeof(cwd)))
			snprintf(dir, sizeof(dir), "%s/%s", cwd, argv[3]);
		else
			dir[0] = 0;
		json_object_set_new(o, "dir", json_string(dir));
		json_object_set_new(o, "resume", json_boolean(argc == 5));
	}
	s = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	return s;
}

static int connect_to(const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	struct stat st;
	int fd;

	if (strlen(path) >= sizeof(a.sun_path) || stat(path, &st) ||
	    !S_ISSOCK(st.st_mode)) {
		pr_err("ctl: %s is not a control socket", path);
		return -2;
	}
	memcpy(a.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		pr_err("ctl: cannot connect to %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static bool send_all(int fd, const char *s, size_t len)
{
	ssize_t n;

	while (len) {
		n = send(fd, s, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		s += n;
		len -= n;
	}
	return true;
}

/* One reply line, malloc'd without its newline; NULL on EOF or error. */
static char *read_line(int fd)
{
	size_t len = 0, cap = 0;
	char *buf = NULL, *p;
	ssize_t n;

	for (;;) {
		if (len + 1 >= cap) {
			if (cap >= CTL_REPLY_MAX)
				break;
			cap = cap ? 2 * cap : 4096;
			p = realloc(buf, cap);
			if (!p)
				break;
			buf = p;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += n;
		p = memchr(buf, '\n', len);
		if (p) {
			*p = 0;
			return buf;
		}
	}
	free(buf);
	return NULL;
}

/* Print the result, or the error as squeeze prints its own. */
static int show(const char *line)
{
	json_t *o = json_loads(line, 0, NULL), *res, *e;
	const char *cls = "host", *desc = "malformed reply";
	char *s;
	int ret = 1;

	res = json_object_get(o, "result");
	e = json_object_get(o, "error");
	if (res &&
	    (s = json_dumps(res, JSON_COMPACT | JSON_REAL_PRECISION(6)))) {
		printf("%s\n", s);
		free(s);
		ret = 0;
	} else {
		json_unpack(e, "{s:s, s:s}", "class", &cls, "desc", &desc);
		pr_err("ctl: %s", desc);
		ret = strcmp(cls, "input") ? 1 : 2;
	}
	json_decref(o);
	return ret;
}

static int parse_cmd(int argc, char **argv, enum ctl_cmd *cmd)
{
	unsigned int i;

	if (argc < 3)
		return -EINVAL;
	for (i = 0; i < CTL_NR; i++)
		if (!strcmp(argv[2], ctl_cmd_name(i)))
			break;
	if (i == CTL_NR)
		return -EINVAL;
	*cmd = i;
	if (i == CTL_SNAPSHOT)
		return argc == 4 || (argc == 5 &&
				     !strcmp(argv[4], "--resume")) ?
			       0 :
			       -EINVAL;
	return argc == 3 ? 0 : -EINVAL;
}

int ctl_main(int argc, char **argv)
{
	enum ctl_cmd cmd;
	char *req, *line;
	bool sent;
	int fd, ret;

	if (parse_cmd(argc, argv, &cmd))
		return usage();
	fd = connect_to(argv[1]);
	if (fd < 0)
		return -fd;
	req = build_request(argc, argv, cmd);
	ret = 1;
	sent = req && send_all(fd, req, strlen(req)) && send_all(fd, "\n", 1);
	/* A refusal (another client is connected) may come before we send. */
	line = req ? read_line(fd) : NULL;
	if (line)
		ret = show(line);
	else if (!sent)
		pr_err("ctl: cannot send the request: %s", strerror(errno));
	else
		pr_err("ctl: %s closed the connection without a reply",
		       argv[1]);
	free(line);
	free(req);
	close(fd);
	return ret;
}
