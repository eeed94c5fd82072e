/* A meeting's minutes as a small PDF: libharu with its built-in Chinese fonts (SimSun and
 * SimHei, GBK-EUC-H), which a PDF reader supplies itself, so nothing is embedded and a
 * page of minutes is a few KB. Text is converted from UTF-8 to GBK with iconv. */
#include "modules/deliberation/minutes_pdf.h"
#include "core/mem.h"

#include <hpdf.h>
#include <iconv.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LINE_CHARS 36 /* characters a line at 12 pt on A4 with 72 pt margins */

typedef struct {
	jmp_buf jb;
	HPDF_STATUS code;
} pdf_trap;

static void on_error(HPDF_STATUS code, HPDF_STATUS detail, void *user)
{
	(void)detail;
	pdf_trap *t = user;
	t->code = code;
	longjmp(t->jb, 1);
}

/* s (n bytes of UTF-8) as GBK into out (size cap, NUL-terminated; what does not convert
 * is left out). */
static void gbk(iconv_t cd, const char *s, size_t n, char *out, size_t cap)
{
	char *in = (char *)s, *o = out;
	size_t left = n, room = cap - 1;
	iconv(cd, NULL, NULL, NULL, NULL);
	while (left && iconv(cd, &in, &left, &o, &room) == (size_t)-1 && left && room) {
		in++; /* skip what GBK does not have */
		left--;
	}
	*o = 0;
}

static size_t cp_len(const char *s)
{
	unsigned char c = (unsigned char)*s;
	return c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
}

/* Writes text from (x, y) down, LINE_CHARS characters a line, lead apart; returns the y
 * below the last line. */
static float wrapped(HPDF_Page page, iconv_t cd, const char *text, float x, float y, float lead)
{
	char line[4 * LINE_CHARS + 8];
	const char *p = text;
	while (*p && y > 72) {
		const char *start = p;
		int n = 0;
		while (*p && *p != '\n' && n < LINE_CHARS) {
			size_t k = cp_len(p);
			for (size_t i = 0; i < k && *p; i++)
				p++;
			n++;
		}
		gbk(cd, start, (size_t)(p - start), line, sizeof line);
		HPDF_Page_TextOut(page, x, y, line);
		y -= lead;
		if (*p == '\n')
			p++;
	}
	return y;
}

int delib_minutes_pdf(const delib_minutes *m, unsigned char **out, size_t *len, gz_err *err)
{
	iconv_t cd = iconv_open("GBK", "UTF-8");
	if (cd == (iconv_t)-1)
		return gz_err_set(err, GZ_EINTERNAL, "pdf_failed", "无法生成 PDF（没有 GBK 编码）");
	pdf_trap trap = {0};
	HPDF_Doc volatile pdf = HPDF_New(on_error, &trap);
	if (!pdf) {
		iconv_close(cd);
		return gz_err_set(err, GZ_EINTERNAL, "pdf_failed", "无法生成 PDF");
	}
	if (setjmp(trap.jb)) {
		HPDF_Free(pdf);
		iconv_close(cd);
		return gz_err_set(err, GZ_EINTERNAL, "pdf_failed",
		                  "无法生成 PDF（libharu 错误 %04X）", (unsigned)trap.code);
	}
	HPDF_SetCompressionMode(pdf, HPDF_COMP_ALL);
	HPDF_UseCNSFonts(pdf);
	HPDF_UseCNSEncodings(pdf);
	HPDF_SetInfoAttr(pdf, HPDF_INFO_CREATOR, "gongzhi");
	HPDF_Font body = HPDF_GetFont(pdf, "SimSun", "GBK-EUC-H");
	HPDF_Font head = HPDF_GetFont(pdf, "SimHei", "GBK-EUC-H");
	HPDF_Page page = HPDF_AddPage(pdf);
	HPDF_Page_SetSize(page, HPDF_PAGE_SIZE_A4, HPDF_PAGE_PORTRAIT);
	float w = HPDF_Page_GetWidth(page), h = HPDF_Page_GetHeight(page), left = 72;
	char buf[1024], g[2048];

	HPDF_Page_BeginText(page);
	HPDF_Page_SetFontAndSize(page, head, 20);
	gbk(cd, "议事会纪要", strlen("议事会纪要"), g, sizeof g);
	HPDF_Page_TextOut(page, (w - HPDF_Page_TextWidth(page, g)) / 2, h - 100, g);
	HPDF_Page_SetFontAndSize(page, body, 12);
	float y = h - 140;
	const char *rows[][2] = {{"议题：", m->topic},
	                         {"时间：", m->held},
	                         {"地点：", m->place},
	                         {"参会人员：", m->participants}};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		snprintf(buf, sizeof buf, "%s%s", rows[i][0], rows[i][1] ? rows[i][1] : "");
		y = wrapped(page, cd, buf, left, y, 20);
	}
	y -= 10;
	HPDF_Page_SetFontAndSize(page, head, 13);
	gbk(cd, "会议情况", strlen("会议情况"), g, sizeof g);
	HPDF_Page_TextOut(page, left, y, g);
	HPDF_Page_SetFontAndSize(page, body, 12);
	y = wrapped(page, cd, m->minutes ? m->minutes : "", left, y - 24, 20);
	y -= 40;
	gbk(cd, "与会人员签字：", strlen("与会人员签字："), g, sizeof g);
	HPDF_Page_TextOut(page, left, y > 120 ? y : 120, g);
	gbk(cd, "记录人：", strlen("记录人："), g, sizeof g);
	HPDF_Page_TextOut(page, w - 220, (y > 120 ? y : 120) - 60, g);
	HPDF_Page_EndText(page);

	HPDF_SaveToStream(pdf);
	HPDF_UINT32 size = HPDF_GetStreamSize(pdf);
	unsigned char *data = gz_malloc(size ? size : 1);
	HPDF_UINT32 got = size;
	HPDF_ReadFromStream(pdf, data, &got);
	HPDF_Free(pdf);
	iconv_close(cd);
	*out = data;
	*len = got;
	return 0;
}
