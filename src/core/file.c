#include "core/file.h"
#include "core/mem.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static char *too_large(FILE *f, char *buf, size_t max, long long size, gz_err *err)
{
	if (size >= 0)
		gz_err_set(err, GZ_ETOOLARGE, "file_too_large",
		           "文件过大（%lld 字节，上限 %zu 字节）", size, max);
	else
		gz_err_set(err, GZ_ETOOLARGE, "file_too_large", "文件过大（上限 %zu 字节）", max);
	free(buf);
	fclose(f);
	return NULL;
}

char *gz_file_read(const char *path, size_t max, size_t *len, gz_err *err)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		gz_err_set(err, GZ_ENOTFOUND, "file_unreadable", "无法打开：%s", strerror(errno));
		return NULL;
	}
	struct stat sb;
	if (fstat(fileno(f), &sb) == 0 && S_ISREG(sb.st_mode) && (size_t)sb.st_size > max)
		return too_large(f, NULL, max, (long long)sb.st_size, err);
	size_t cap = 1 << 16, n = 0;
	char *buf = gz_malloc(cap);
	for (;;) {
		if (n == cap) {
			if (cap > max)
				return too_large(f, buf, max, -1, err);
			cap *= 2;
			buf = gz_realloc(buf, cap);
		}
		size_t got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		gz_err_set(err, GZ_ENOTFOUND, "file_unreadable", "读取失败：%s", strerror(errno));
		free(buf);
		fclose(f);
		return NULL;
	}
	if (n > max)
		return too_large(f, buf, max, (long long)n, err);
	fclose(f);
	if (n == cap)
		buf = gz_realloc(buf, cap + 1);
	buf[n] = '\0';
	*len = n;
	return buf;
}
