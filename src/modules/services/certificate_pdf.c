/* A certificate as a PDF (libharu, a CJK TrueType font embedded, the verification code as
 * a QR code by libqrencode through core/qr.h). Reads the font file; knows neither HTTP nor the
 * database. */
#include "modules/services/certificate_pdf.h"
#include "core/mem.h"
#include "core/qr.h"

#include <hpdf.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Fonts tried in order when GONGZHI_CJK_FONT is not set: TrueType fonts whose glyphs
 * libharu embeds whole. Debian's fonts-wqy-zenhei first (deps/debian.txt installs it).
 * Not WenQuanYi Micro Hei: libharu 2.3 drops the parts of its composite glyphs, and about
 * half the characters (证, 明, 张 …) come out blank though pdftotext still reads them; not
 * Noto Sans CJK either (CFF outlines, which libharu cannot embed). */
static const char *const fonts[] = {
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
};

const char *svc_pdf_font(void)
{
	const char *env = getenv("GONGZHI_CJK_FONT");
	if (env && *env)
		return access(env, R_OK) == 0 ? env : NULL;
	for (size_t i = 0; i < sizeof fonts / sizeof fonts[0]; i++)
		if (access(fonts[i], R_OK) == 0)
			return fonts[i];
	return NULL;
}

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

/* Byte length of the code point at s. */
static size_t cp_len(const char *s)
{
	unsigned char c = (unsigned char)*s;
	return c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
}

/* Writes text from (x, y) down, lines at most width wide (broken between any two
 * characters: Chinese has no spaces), lead apart; returns the y below the last line. */
static float wrapped(HPDF_Page page, const char *text, float x, float y, float width, float lead)
{
	char line[1024];
	const char *p = text;
	while (*p) {
		size_t n = 0;
		while (p[n] && p[n] != '\n') {
			size_t k = cp_len(p + n);
			if (n + k >= sizeof line)
				break;
			memcpy(line, p, n + k);
			line[n + k] = '\0';
			if (n && HPDF_Page_TextWidth(page, line) > width)
				break;
			n += k;
		}
		memcpy(line, p, n);
		line[n] = '\0';
		HPDF_Page_TextOut(page, x, y, line);
		y -= lead;
		p += n;
		if (*p == '\n')
			p++;
	}
	return y;
}

static void text_at(HPDF_Page page, HPDF_Font font, float size, float x, float y, const char *s)
{
	HPDF_Page_SetFontAndSize(page, font, size);
	HPDF_Page_TextOut(page, x, y, s);
}

/* The QR code of text (core/qr.h), module by module, its top left corner at (x, y), side
 * side. */
static void qr(HPDF_Page page, const char *text, float x, float y, float side)
{
	int w;
	unsigned char *q = gz_qr_modules(text, &w);
	if (!q)
		return;
	float m = side / (float)w;
	HPDF_Page_SetRGBFill(page, 0, 0, 0);
	for (int r = 0; r < w; r++)
		for (int c = 0; c < w; c++)
			if (q[r * w + c])
				HPDF_Page_Rectangle(page, x + (float)c * m, y - (float)(r + 1) * m,
				                    m, m);
	HPDF_Page_Fill(page);
	free(q);
}

int svc_certificate_pdf(const svc_pdf_certificate *c, unsigned char **out, size_t *len, gz_err *err)
{
	const char *font_file = svc_pdf_font();
	if (!font_file)
		return gz_err_set(
		    err, GZ_EUNAVAILABLE, "font_unavailable",
		    "服务器没有中文字体，无法生成 PDF（安装 fonts-wqy-microhei 或设置 "
		    "GONGZHI_CJK_FONT）");
	pdf_trap trap = {0};
	HPDF_Doc volatile pdf = HPDF_New(on_error, &trap);
	if (!pdf)
		return gz_err_set(err, GZ_EINTERNAL, "pdf_failed", "无法生成 PDF");
	if (setjmp(trap.jb)) {
		HPDF_Free(pdf);
		return gz_err_set(err, GZ_EINTERNAL, "pdf_failed",
		                  "无法生成 PDF（libharu 错误 %04X）", (unsigned)trap.code);
	}
	HPDF_SetCompressionMode(pdf, HPDF_COMP_ALL);
	HPDF_UseUTFEncodings(pdf);
	HPDF_SetCurrentEncoder(pdf, "UTF-8");
	HPDF_SetInfoAttr(pdf, HPDF_INFO_TITLE, c->kind);
	HPDF_SetInfoAttr(pdf, HPDF_INFO_CREATOR, "gongzhi");
	const char *name = HPDF_LoadTTFontFromFile2(pdf, font_file, 0, HPDF_TRUE);
	HPDF_Font font = HPDF_GetFont(pdf, name, "UTF-8");
	HPDF_Page page = HPDF_AddPage(pdf);
	HPDF_Page_SetSize(page, HPDF_PAGE_SIZE_A4, HPDF_PAGE_PORTRAIT);
	float w = HPDF_Page_GetWidth(page), h = HPDF_Page_GetHeight(page);
	float left = 72, right = w - 72;

	HPDF_Page_BeginText(page);
	HPDF_Page_SetFontAndSize(page, font, 28);
	float tw = HPDF_Page_TextWidth(page, c->kind);
	HPDF_Page_TextOut(page, (w - tw) / 2, h - 110, c->kind);
	char line[256];
	snprintf(line, sizeof line, "编号：%s", c->number);
	text_at(page, font, 11, right - 240, h - 145, line);
	if (c->revoked) {
		snprintf(line, sizeof line, "本证明已于 %s 作废",
		         c->revoked_on ? c->revoked_on : "");
		HPDF_Page_SetRGBFill(page, 0.8f, 0, 0);
		text_at(page, font, 16, left, h - 175, line);
		HPDF_Page_SetRGBFill(page, 0, 0, 0);
	}
	snprintf(line, sizeof line, "持证人：%s", c->holder);
	text_at(page, font, 14, left, h - 215, line);
	HPDF_Page_SetFontAndSize(page, font, 14);
	float y = wrapped(page, c->body, left + 28, h - 255, right - left - 28, 26);
	text_at(page, font, 14, left + 28, y - 10, "特此证明。");
	text_at(page, font, 14, right - 220, y - 90, c->community);
	text_at(page, font, 14, right - 220, y - 116, c->issued_on);
	text_at(page, font, 10, right - 220, y - 138, "（盖章）");

	text_at(page, font, 10, left + 110, 150,
	        "扫描二维码或在核验页面输入核验码，查验本证明真伪：");
	snprintf(line, sizeof line, "核验码：%s", c->verify_code);
	text_at(page, font, 12, left + 110, 128, line);
	text_at(page, font, 9, left + 110, 108, c->check_url);
	HPDF_Page_EndText(page);
	qr(page, c->check_url, left, 170, 96);

	HPDF_SaveToStream(pdf);
	HPDF_UINT32 size = HPDF_GetStreamSize(pdf);
	unsigned char *buf = gz_malloc(size ? size : 1);
	HPDF_UINT32 got = size;
	HPDF_ReadFromStream(pdf, buf, &got);
	HPDF_Free(pdf);
	*out = buf;
	*len = got;
	return 0;
}
