/* gongzhi user: accounts from the command line (the first administrator, scripts).
 * Every change is one transaction with its audit row (the operator: user NULL, username "cli",
 * request id "cli-PID"). */
#include "cli/cli.h"
#include "api/auth.h"
#include "modules/accounts/accounts.h"
#include "core/json.h"
#include "core/time.h"
#include "core/utf8.h"
#include "db/db.h"

#include <errno.h>
#include <stdarg.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char gz_cli_user_usage[] =
    "gongzhi [--db URL] user COMMAND ...\n"
    "\n"
    "  user add NAME [--display-name TEXT] --role ROLE --scope CODE [--role R2 --scope C2 ...]\n"
    "                (--password-stdin | --password-file FILE)\n"
    "      Create an account with one or more role grants.\n"
    "  user passwd NAME (--password-stdin | --password-file FILE)\n"
    "      Set a new password; the user's sessions end.\n"
    "  user grant NAME --role ROLE --scope CODE\n"
    "  user revoke NAME --role ROLE --scope CODE\n"
    "  user list\n"
    "  user delete NAME\n"
    "      Soft delete: the account can no longer log in; the audit log keeps it.\n"
    "\n"
    "  ROLE is one of: resident grid_worker party_member volunteer community_staff\n"
    "    community_admin unit_contact property department street_supervisor system_admin\n"
    "  CODE is a space code (6 county, 9 street, 12 community or 15 grid digits), or \"\"\n"
    "    for the whole system.\n"
    "  Passwords: at least 8 characters; the first line of stdin or of FILE.\n"
    "  --db URL may also follow the command. Environment: GONGZHI_DB.\n"
    "\n"
    "  First administrator:\n"
    "    echo 'a long password' | gongzhi user add admin --role system_admin --scope \"\" "
    "--password-stdin\n";

#define MAX_ARG_GRANTS GZ_AUTH_MAX_GRANTS

typedef struct {
	const char *sub, *name, *display, *password_file;
	bool password_stdin;
	int nroles, nscopes;
	const char *roles[MAX_ARG_GRANTS], *scopes[MAX_ARG_GRANTS];
	gz_actor op; /* the operator, built once per command (gz_actor_operator) */
} args_t;

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int usage_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "gongzhi user: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, " (see 'gongzhi user --help')\n");
	va_end(ap);
	return 2;
}

/* "--flag value" or "--flag=value"; NULL when argv[*i] is not flag. Sets *missing when
 * the value is absent. */
static const char *flag(int argc, char **argv, int *i, const char *name, bool *missing)
{
	size_t n = strlen(name);
	if (strncmp(argv[*i], name, n) != 0)
		return NULL;
	if (argv[*i][n] == '=')
		return argv[*i] + n + 1;
	if (argv[*i][n] != '\0')
		return NULL;
	if (*i + 1 >= argc) {
		*missing = true;
		return NULL;
	}
	return argv[++*i];
}

static int parse_args(int argc, char **argv, args_t *a)
{
	memset(a, 0, sizeof *a);
	if (argc < 2)
		return usage_error("missing command");
	a->sub = argv[1];
	for (int i = 2; i < argc; i++) {
		bool missing = false;
		const char *v;
		if ((v = flag(argc, argv, &i, "--db", &missing))) {
			setenv("GONGZHI_DB", v, 1);
		} else if ((v = flag(argc, argv, &i, "--display-name", &missing))) {
			a->display = v;
		} else if ((v = flag(argc, argv, &i, "--password-file", &missing))) {
			a->password_file = v;
		} else if ((v = flag(argc, argv, &i, "--role", &missing))) {
			if (a->nroles == MAX_ARG_GRANTS)
				return usage_error("too many --role options");
			a->roles[a->nroles++] = v;
		} else if ((v = flag(argc, argv, &i, "--scope", &missing))) {
			if (a->nscopes == MAX_ARG_GRANTS)
				return usage_error("too many --scope options");
			a->scopes[a->nscopes++] = v;
		} else if (missing) {
			return usage_error("%s needs a value", argv[i]);
		} else if (!strcmp(argv[i], "--password-stdin")) {
			a->password_stdin = true;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			return usage_error("unknown option '%s'", argv[i]);
		} else if (!a->name) {
			a->name = argv[i];
		} else {
			return usage_error("unexpected argument '%s'", argv[i]);
		}
	}
	return 0;
}

/* Reads the first line of f into buf (without the line end). Returns 0 or -1. */
static int read_line(FILE *f, char *buf, size_t size)
{
	if (!fgets(buf, (int)size, f))
		return -1;
	size_t n = strlen(buf);
	if (n == size - 1 && buf[n - 1] != '\n' && !feof(f))
		return -1; /* too long */
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	return 0;
}

static int read_password(const args_t *a, char *buf, size_t size)
{
	if (a->password_stdin == !!a->password_file) {
		fprintf(stderr, "gongzhi user: give exactly one of --password-stdin and "
		                "--password-file FILE\n");
		return -1;
	}
	FILE *f = stdin;
	if (a->password_file && !(f = fopen(a->password_file, "r"))) {
		fprintf(stderr, "gongzhi user: cannot read %s: %s\n", a->password_file,
		        strerror(errno));
		return -1;
	}
	int rc = read_line(f, buf, size);
	if (f != stdin)
		fclose(f);
	if (rc < 0) {
		fprintf(stderr, "gongzhi user: no password given (or longer than %d bytes)\n",
		        GZ_PASSWORD_MAX);
		return -1;
	}
	gz_err err;
	gz_err_clear(&err);
	if (gz_password_check(buf, &err, "password") < 0) {
		fprintf(stderr, "gongzhi user: password: %s\n", err.fields[0].why);
		return -1;
	}
	return 0;
}

/* Pairs --role/--scope options into grants. Returns the count or -1. */
static int parse_grants(const args_t *a, gz_grant *g, bool need_one)
{
	if (a->nroles != a->nscopes) {
		fprintf(stderr, "gongzhi user: every --role needs a --scope (use --scope \"\" for "
		                "the whole system)\n");
		return -1;
	}
	if (need_one && a->nroles == 0) {
		fprintf(stderr, "gongzhi user: --role ROLE --scope CODE is required\n");
		return -1;
	}
	for (int i = 0; i < a->nroles; i++) {
		int role = policy_role_parse(a->roles[i]);
		if (role < 0) {
			fprintf(stderr,
			        "gongzhi user: unknown role '%s' (see 'gongzhi user --help')\n",
			        a->roles[i]);
			return -1;
		}
		if (!policy_scope_valid(a->scopes[i])) {
			fprintf(
			    stderr,
			    "gongzhi user: scope '%s' is not \"\" or a 6, 9, 12 or 15 digit code\n",
			    a->scopes[i]);
			return -1;
		}
		g[i].role = (policy_role)role;
		snprintf(g[i].scope, sizeof g[i].scope, "%s", a->scopes[i]);
	}
	return a->nroles;
}

static int audit_cli(const args_t *a, gz_db *db, const char *action, const gz_user_row *u,
                     const char *scope, json_t *detail, gz_err *err)
{
	char idbuf[24];
	snprintf(idbuf, sizeof idbuf, "%lld", (long long)u->id);
	return gz_audit(&a->op, db, action, "user", idbuf, scope, detail, err);
}

static int fail_db(gz_db *db, bool in_tx, const gz_err *err)
{
	if (in_tx)
		gz_db_rollback(db);
	fprintf(stderr, "gongzhi user: %s\n", err->message);
	gz_db_close(db);
	return 1;
}

/* Finds the live user NAME or prints why not. Returns 1, 0 (not found), -1. */
static int find_user(gz_db *db, const char *name, gz_user_row *u, gz_err *err)
{
	int rc = gz_user_by_name(db, name, false, u, err);
	if (rc == 0)
		fprintf(stderr, "gongzhi user: no user '%s'\n", name);
	return rc;
}

static int cmd_add(const args_t *a)
{
	gz_grant grants[MAX_ARG_GRANTS];
	char norm[GZ_USERNAME_MAX + 1], pw[GZ_PASSWORD_MAX + 2], hash[GZ_PWHASH_MAX];
	gz_err err;
	gz_err_clear(&err);
	if (!a->name)
		return usage_error("user add needs NAME");
	if (gz_username_normalise(a->name, norm, NULL, NULL) < 0) {
		fprintf(stderr,
		        "gongzhi user: '%s' is not a valid username (1 to %d of a-z 0-9 . _ "
		        "- @)\n",
		        a->name, GZ_USERNAME_MAX);
		return 1;
	}
	const char *display = a->display ? a->display : "";
	if (!gz_utf8_valid(display, strlen(display)) ||
	    gz_utf8_len(display, strlen(display)) > GZ_DISPLAY_NAME_MAX) {
		fprintf(stderr,
		        "gongzhi user: --display-name must be UTF-8, at most %d characters\n",
		        GZ_DISPLAY_NAME_MAX);
		return 1;
	}
	int n = parse_grants(a, grants, true);
	if (n < 0 || read_password(a, pw, sizeof pw) < 0)
		return 1;
	int rc = gz_password_hash(pw, hash, &err);
	sodium_memzero(pw, sizeof pw);
	if (rc < 0) {
		fprintf(stderr, "gongzhi user: %s\n", err.message);
		return 1;
	}
	gz_db *db = gz_cli_open_db();
	if (!db)
		return 1;
	if (gz_db_begin(db, &err) < 0)
		return fail_db(db, false, &err);
	gz_user_row u = {0};
	u.id = gz_user_insert(db, norm, display, hash, &err);
	if (u.id < 0)
		return fail_db(db, true, &err);
	for (int i = 0; i < n; i++) {
		rc = gz_user_grant(db, u.id, grants[i].role, grants[i].scope, &err);
		if (rc < 0)
			return fail_db(db, true, &err);
		if (rc > 0)
			u.grants[u.ngrants++] = grants[i];
	}
	char scope[GZ_SCOPE_MAX];
	gz_user_scope(&u, scope);
	json_t *detail = json_pack("{s:s,s:s,s:o}", "username", norm, "display_name", display,
	                           "roles", gz_grants_json(u.grants, u.ngrants));
	rc = audit_cli(a, db, "user.create", &u, scope, detail, &err);
	json_decref(detail);
	if (rc < 0 || gz_db_commit(db, &err) < 0)
		return fail_db(db, true, &err);
	gz_db_close(db);
	printf("created user %s (id %lld)\n", norm, (long long)u.id);
	return 0;
}

static int cmd_passwd(const args_t *a)
{
	char pw[GZ_PASSWORD_MAX + 2], hash[GZ_PWHASH_MAX];
	gz_err err;
	gz_err_clear(&err);
	if (!a->name)
		return usage_error("user passwd needs NAME");
	if (a->nroles || a->nscopes || a->display)
		return usage_error("user passwd takes only NAME and a password option");
	if (read_password(a, pw, sizeof pw) < 0)
		return 1;
	int rc = gz_password_hash(pw, hash, &err);
	sodium_memzero(pw, sizeof pw);
	if (rc < 0) {
		fprintf(stderr, "gongzhi user: %s\n", err.message);
		return 1;
	}
	gz_db *db = gz_cli_open_db();
	if (!db)
		return 1;
	gz_user_row u;
	if (gz_db_begin(db, &err) < 0)
		return fail_db(db, false, &err);
	rc = find_user(db, a->name, &u, &err);
	if (rc <= 0) {
		gz_db_rollback(db);
		gz_db_close(db);
		return 1;
	}
	char scope[GZ_SCOPE_MAX];
	gz_user_scope(&u, scope);
	if (gz_user_set_password(db, u.id, hash, false, NULL, &err) < 0 ||
	    audit_cli(a, db, "user.passwd", &u, scope, NULL, &err) < 0 ||
	    gz_db_commit(db, &err) < 0)
		return fail_db(db, true, &err);
	gz_db_close(db);
	printf("password of %s changed; their sessions have ended\n", u.username);
	return 0;
}

static int cmd_grant(const args_t *a, bool add)
{
	gz_grant g[MAX_ARG_GRANTS];
	gz_err err;
	gz_err_clear(&err);
	if (!a->name)
		return usage_error("user %s needs NAME", add ? "grant" : "revoke");
	int n = parse_grants(a, g, true);
	if (n < 0)
		return 1;
	gz_db *db = gz_cli_open_db();
	if (!db)
		return 1;
	gz_user_row u;
	if (gz_db_begin(db, &err) < 0)
		return fail_db(db, false, &err);
	int rc = find_user(db, a->name, &u, &err);
	if (rc <= 0) {
		gz_db_rollback(db);
		gz_db_close(db);
		return 1;
	}
	for (int i = 0; i < n; i++) {
		rc = add ? gz_user_grant(db, u.id, g[i].role, g[i].scope, &err)
		         : gz_user_revoke(db, u.id, g[i].role, g[i].scope, &err);
		if (rc < 0)
			return fail_db(db, true, &err);
		const char *what = add ? "granted" : "revoked";
		if (rc == 0) {
			printf("%s: %s@%s was already %s\n", u.username,
			       policy_role_name(g[i].role), g[i].scope[0] ? g[i].scope : "\"\"",
			       add ? "granted" : "absent");
			continue;
		}
		json_t *detail = json_pack("{s:s,s:s,s:s}", "username", u.username, "role",
		                           policy_role_name(g[i].role), "scope", g[i].scope);
		rc = audit_cli(a, db, add ? "user.grant" : "user.revoke", &u, g[i].scope, detail,
		               &err);
		json_decref(detail);
		if (rc < 0)
			return fail_db(db, true, &err);
		printf("%s: %s %s@%s\n", u.username, what, policy_role_name(g[i].role),
		       g[i].scope[0] ? g[i].scope : "\"\"");
	}
	if (gz_db_commit(db, &err) < 0)
		return fail_db(db, true, &err);
	gz_db_close(db);
	return 0;
}

static int cmd_delete(const args_t *a)
{
	gz_err err;
	gz_err_clear(&err);
	if (!a->name)
		return usage_error("user delete needs NAME");
	gz_db *db = gz_cli_open_db();
	if (!db)
		return 1;
	gz_user_row u;
	if (gz_db_begin(db, &err) < 0)
		return fail_db(db, false, &err);
	int rc = find_user(db, a->name, &u, &err);
	if (rc <= 0) {
		gz_db_rollback(db);
		gz_db_close(db);
		return 1;
	}
	char scope[GZ_SCOPE_MAX];
	gz_user_scope(&u, scope);
	json_t *detail = json_pack("{s:s}", "username", u.username);
	rc = gz_user_soft_delete(db, u.id, &err);
	if (rc >= 0)
		rc = audit_cli(a, db, "user.delete", &u, scope, detail, &err);
	json_decref(detail);
	if (rc < 0 || gz_db_commit(db, &err) < 0)
		return fail_db(db, true, &err);
	gz_db_close(db);
	printf("deleted user %s\n", u.username);
	return 0;
}

static int cmd_list(void)
{
	gz_err err;
	gz_err_clear(&err);
	gz_db *db = gz_cli_open_db();
	if (!db)
		return 1;
	/* The command line lists everything, deleted accounts too, by id. */
	gz_stmt *st = gz_db_prepare(db, "SELECT id FROM users ORDER BY id", &err);
	if (!st)
		return fail_db(db, false, &err);
	int64_t *ids = NULL;
	size_t n = 0, cap = 0;
	int rc;
	while ((rc = gz_stmt_step(st, &err)) == GZ_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			int64_t *p = realloc(ids, cap * sizeof *ids);
			if (!p) {
				free(ids);
				gz_stmt_finish(st);
				fprintf(stderr, "gongzhi user: out of memory\n");
				gz_db_close(db);
				return 1;
			}
			ids = p;
		}
		ids[n++] = gz_stmt_int64(st, 0);
	}
	gz_stmt_finish(st);
	if (rc < 0) {
		free(ids);
		return fail_db(db, false, &err);
	}
	printf("%-6s %-24s %-20s %-10s %s\n", "ID", "USERNAME", "DISPLAY NAME", "STATE", "ROLES");
	gz_user_row u;
	for (size_t i = 0; i < n; i++) {
		if ((rc = gz_user_get(db, ids[i], true, &u, &err)) < 0) {
			free(ids);
			return fail_db(db, false, &err);
		}
		if (rc == 0)
			continue;
		printf("%-6lld %-24s %-20s %-10s", (long long)u.id, u.username,
		       u.display_name[0] ? u.display_name : "-",
		       u.deleted_at ? "deleted" : "active");
		for (int g = 0; g < u.ngrants; g++)
			printf("%s%s@%s", g ? ", " : " ", policy_role_name(u.grants[g].role),
			       u.grants[g].scope[0] ? u.grants[g].scope : "\"\"");
		printf("\n");
	}
	free(ids);
	gz_db_close(db);
	return 0;
}

int gz_cli_user(int argc, char **argv)
{
	args_t a;
	int rc = parse_args(argc, argv, &a);
	if (rc)
		return rc;
	gz_actor_operator(&a.op);
	if (!strcmp(a.sub, "add"))
		return cmd_add(&a);
	if (!strcmp(a.sub, "passwd"))
		return cmd_passwd(&a);
	if (!strcmp(a.sub, "grant"))
		return cmd_grant(&a, true);
	if (!strcmp(a.sub, "revoke"))
		return cmd_grant(&a, false);
	if (!strcmp(a.sub, "delete"))
		return cmd_delete(&a);
	if (!strcmp(a.sub, "list")) {
		if (a.name || a.nroles || a.nscopes)
			return usage_error("user list takes no arguments");
		return cmd_list();
	}
	return usage_error("unknown command '%s'", a.sub);
}
