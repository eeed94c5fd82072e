/* .xlsx export over libxlsxwriter. See core/xlsx_write.h.
 *
 * libxlsxwriter (1.1.4 on Debian 12) can only write to a named file, so an in-memory
 * export goes through a private temporary file that is read back and unlinked. */
#include "core/xlsx_write.h"

#include "core/mem.h"
#include "core/utf8.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xlsxwriter.h>

#define MAX_WIDTH       60
#define MIN_WIDTH       6
#define EXCEL_MAX_CHARS 32767

/* Display width in Excel "characters": wide (CJK, full-width, Hangul, emoji) count 2. */
static size_t display_width(const char *s, size_t *nchars)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t w = 0, n = 0;
	while (*p) {
		unsigned c = *p, cp;
		size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
		cp = len == 1 ? c : len == 2 ? c & 0x1F : len == 3 ? c & 0x0F : c & 0x07;
		for (size_t k = 1; k < len && p[k]; k++)
			cp = (cp << 6) | (p[k] & 0x3F);
		bool wide = cp >= 0x1100 && !(cp >= 0x2000 && cp < 0x2E80) &&
		            !(cp >= 0xA4D0 && cp < 0xAC00) && !(cp >= 0xD7B0 && cp < 0xF900) &&
		            !(cp >= 0xFF61 && cp < 0xFFE0);
		w += wide ? 2 : 1;
		n++;
		for (size_t k = 0; k < len && *p; k++)
			p++;
	}
	*nchars = n;
	return w;
}

static bool is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f');
}

static bool x_escape_at(const char *s)
{
	return s[0] == '_' && s[1] == 'x' && is_hex(s[2]) && is_hex(s[3]) && is_hex(s[4]) &&
	       is_hex(s[5]) && s[6] == '_';
}

/* Excel reads "_xHHHH_" in a string as an escaped character, so literal text of that
 * shape must have its underscore escaped as "_x005F_" (what Excel itself writes);
 * libxlsxwriter escapes control characters but not this. Returns s itself when no
 * escaping is needed, else a copy in *buf (grown as needed, freed by the caller). */
static const char *escape_x(const char *s, size_t n, char **buf, size_t *cap)
{
	if (!strstr(s, "_x"))
		return s;
	size_t count = 0;
	for (size_t i = 0; i + 7 <= n; i++)
		count += x_escape_at(s + i);
	if (count == 0)
		return s;
	size_t need = n + count * 6 + 1;
	if (*cap < need) {
		*buf = gz_realloc(*buf, need);
		*cap = need;
	}
	char *o = *buf;
	for (size_t i = 0; i < n; i++) {
		if (i + 7 <= n && x_escape_at(s + i)) {
			memcpy(o, "_x005F", 6);
			o += 6;
		}
		*o++ = s[i];
	}
	*o = '\0';
	return *buf;
}

static int write_fail(gz_err *err, const char *what, lxw_error e)
{
	return gz_err_set(err, GZ_EINTERNAL, "xlsx_write", "写入 .xlsx 失败（%s）：%s", what,
	                  lxw_strerror(e));
}

static int read_back(const char *path, unsigned char **out, size_t *out_len, gz_err *err)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return gz_err_set(err, GZ_EINTERNAL, "xlsx_write", "读取临时文件失败：%s",
		                  strerror(errno));
	struct stat st;
	if (fstat(fileno(f), &st) != 0) {
		fclose(f);
		return gz_err_set(err, GZ_EINTERNAL, "xlsx_write", "读取临时文件失败：%s",
		                  strerror(errno));
	}
	size_t n = (size_t)st.st_size;
	unsigned char *buf = gz_malloc(n);
	if (fread(buf, 1, n, f) != n) {
		fclose(f);
		free(buf);
		return gz_err_set(err, GZ_EINTERNAL, "xlsx_write", "读取临时文件失败");
	}
	fclose(f);
	*out = buf;
	*out_len = n;
	return 0;
}

int gz_xlsx_export(const char *path, const char *sheet_name, const char *const *header,
                   size_t ncols, gz_xlsx_row_fn next_row, void *ctx, unsigned char **out,
                   size_t *out_len, gz_err *err)
{
	const char *tmpdir = getenv("TMPDIR");
	if (!tmpdir || !*tmpdir)
		tmpdir = "/tmp";
	char tmp[4096];
	const char *target = path;
	if (!path) {
		if ((size_t)snprintf(tmp, sizeof tmp, "%s/gongzhi-export-XXXXXX.xlsx", tmpdir) >=
		    sizeof tmp)
			return gz_err_set(err, GZ_EINTERNAL, "xlsx_write", "TMPDIR 路径过长");
		int fd = mkstemps(tmp, 5);
		if (fd < 0)
			return gz_err_set(err, GZ_EINTERNAL, "xlsx_write", "创建临时文件失败：%s",
			                  strerror(errno));
		close(fd);
		target = tmp;
	}
	if (ncols == 0 || ncols > 16384) {
		if (!path)
			unlink(tmp);
		return gz_err_set(err, GZ_EINTERNAL, "xlsx_write", "列数应在 1 到 16384 之间");
	}

	lxw_workbook_options opts = {.constant_memory = LXW_TRUE, .tmpdir = (char *)tmpdir};
	lxw_workbook *wb = workbook_new_opt(target, &opts);
	size_t *width = gz_calloc(ncols, sizeof *width);
	const char **cells = gz_calloc(ncols, sizeof *cells);
	int rc = -1;
	bool touched = false;
	char *esc = NULL;
	size_t esc_cap = 0;
	if (!wb) {
		gz_err_set(err, GZ_EINTERNAL, "xlsx_write", "无法创建 .xlsx 文件");
		goto done;
	}
	lxw_error ne = sheet_name ? workbook_validate_sheet_name(wb, sheet_name) : LXW_NO_ERROR;
	lxw_worksheet *ws = ne == LXW_NO_ERROR ? workbook_add_worksheet(wb, sheet_name) : NULL;
	if (!ws) {
		gz_err_set(err, GZ_EINTERNAL, "xlsx_write", "工作表名称无效：%s",
		           ne != LXW_NO_ERROR ? lxw_strerror(ne) : sheet_name);
		goto done;
	}
	lxw_format *bold = workbook_add_format(wb);
	format_set_bold(bold);
	format_set_num_format(bold, "@");
	lxw_format *text = workbook_add_format(wb);
	format_set_num_format(text, "@");

	for (size_t c = 0; c < ncols; c++) {
		const char *h = header[c] ? header[c] : "";
		size_t nch;
		if (!gz_utf8_valid(h, strlen(h))) {
			gz_err_set(err, GZ_EINVALID, "xlsx_cell", "表头第 %zu 列不是有效的 UTF-8",
			           c + 1);
			goto done;
		}
		width[c] = display_width(h, &nch);
		lxw_error e = worksheet_write_string(ws, 0, (lxw_col_t)c,
		                                     escape_x(h, strlen(h), &esc, &esc_cap), bold);
		if (e != LXW_NO_ERROR) {
			write_fail(err, "表头", e);
			goto done;
		}
	}

	lxw_row_t r = 0;
	for (;;) {
		memset(cells, 0, ncols * sizeof *cells);
		int got = next_row(ctx, cells, err);
		if (got < 0)
			goto done;
		if (got == 0)
			break;
		if (r == GZ_XLSX_MAX_DATA_ROWS) {
			gz_err_set(err, GZ_ETOOLARGE, "xlsx_too_many_rows",
			           "超过 .xlsx 的行数上限（%d 行）", GZ_XLSX_MAX_DATA_ROWS);
			goto done;
		}
		r++;
		for (size_t c = 0; c < ncols; c++) {
			const char *s = cells[c];
			if (!s || !*s)
				continue;
			size_t n = strlen(s), nch;
			if (!gz_utf8_valid(s, n)) {
				gz_err_set(err, GZ_EINVALID, "xlsx_cell",
				           "第 %u 行第 %zu 列不是有效的 UTF-8", (unsigned)r + 1,
				           c + 1);
				goto done;
			}
			size_t w = display_width(s, &nch);
			if (nch > EXCEL_MAX_CHARS) {
				gz_err_set(err, GZ_EINVALID, "xlsx_cell",
				           "第 %u 行第 %zu 列超过 32767 个字符", (unsigned)r + 1,
				           c + 1);
				goto done;
			}
			if (w > width[c])
				width[c] = w;
			lxw_error e = worksheet_write_string(ws, r, (lxw_col_t)c,
			                                     escape_x(s, n, &esc, &esc_cap), text);
			if (e != LXW_NO_ERROR) {
				write_fail(err, "单元格", e);
				goto done;
			}
		}
	}

	for (size_t c = 0; c < ncols; c++) {
		size_t w = width[c] + 2;
		if (w < MIN_WIDTH)
			w = MIN_WIDTH;
		if (w > MAX_WIDTH)
			w = MAX_WIDTH;
		worksheet_set_column(ws, (lxw_col_t)c, (lxw_col_t)c, (double)w, text);
	}
	worksheet_freeze_panes(ws, 1, 0);

	touched = true; /* workbook_close() creates or replaces the file */
	lxw_error e = workbook_close(wb);
	wb = NULL;
	if (e != LXW_NO_ERROR) {
		write_fail(err, "保存", e);
		goto done;
	}
	rc = path ? 0 : read_back(target, out, out_len, err);
done:
	if (wb)
		lxw_workbook_free(wb);
	if (!path || (rc != 0 && touched))
		unlink(target);
	free(width);
	free(cells);
	free(esc);
	return rc;
}
