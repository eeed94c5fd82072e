/* The record certificate (志愿服务记录证明) as a PDF, with libharu: one A4 page laid out
 * from the certificate's content (certificate.c), the text in a CJK font from a Debian
 * package embedded (fonts-wqy-zenhei by default: about 1.2 MB per document, readable
 * anywhere without the reader's own Chinese fonts). No database, no HTTP.
 *
 * Why zenhei and not microhei, which the web UI's tests use: libharu 2.3 embeds
 * wqy-microhei.ttc without most of its CJK glyphs (the text is extractable but blank on
 * the page), while wqy-zenhei.ttc comes out whole. Why embedded and not libharu's
 * built-in Chinese fonts (SimSun with GBK-EUC-H): those are not in the file, and a reader
 * without the Adobe-GB1 pack (poppler without poppler-data, for one) shows nothing. */
#include "modules/mobilisation/mob_internal.h"
#include "core/mem.h"
#include "core/time.h"

#include <hpdf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MOB_CJK_FONT_DEFAULT "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"

const char *mob_cjk_font_path(void)
{
	const char *p = getenv("GONGZHI_CJK_FONT");
	return p && *p ? p : MOB_CJK_FONT_DEFAULT;
}

typedef struct {
	HPDF_STATUS error, detail;
} pdf_err;

static void on_error(HPDF_STATUS error, HPDF_STATUS detail, void *user)
{
	pdf_err *e = user;
	if (!e->error) {
		e->error = error;
		e->detail = detail;
	}
}

static void text(HPDF_Page p, HPDF_Font f, float size, float x, float y, const char *s)
{
	HPDF_Page_BeginText(p);
	HPDF_Page_SetFontAndSize(p, f, size);
	HPDF_Page_TextOut(p, x, y, s);
	HPDF_Page_EndText(p);
}

/* "2026年06月01日" of an RFC 3339 time, in Asia/Shanghai. */
static void chinese_date(const char *rfc3339, char *out, size_t cap)
{
	int64_t ms = 0;
	if (!rfc3339 || gz_time_parse_rfc3339(rfc3339, &ms) < 0) {
		snprintf(out, cap, "—");
		return;
	}
	char b[40];
	gz_time_rfc3339(ms + 8 * MOB_HOUR_MS, b, sizeof b); /* the local date */
	snprintf(out, cap, "%.4s年%.2s月%.2s日", b, b + 5, b + 8);
}

static const char *str(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "";
}

int mob_certificate_pdf(const json_t *c, unsigned char **out, size_t *len, gz_err *err)
{
	const char *font = mob_cjk_font_path();
	if (access(font, R_OK) != 0)
		return gz_err_set(err, GZ_EUNAVAILABLE, "pdf_font_unavailable",
		                  "生成 PDF 需要中文字体 %s（Debian 软件包 fonts-wqy-zenhei）",
		                  font);
	pdf_err pe = {0};
	HPDF_Doc pdf = HPDF_New(on_error, &pe);
	if (!pdf)
		return gz_err_set(err, GZ_EINTERNAL, "pdf_error", "无法创建 PDF");
	HPDF_SetCompressionMode(pdf, HPDF_COMP_ALL);
	HPDF_UseUTFEncodings(pdf);
	HPDF_SetCurrentEncoder(pdf, "UTF-8");
	const char *fname = HPDF_LoadTTFontFromFile2(pdf, font, 0, HPDF_TRUE);
	HPDF_Font f = fname ? HPDF_GetFont(pdf, fname, "UTF-8") : NULL;
	HPDF_Page p = HPDF_AddPage(pdf);
	if (!f || !p || pe.error) {
		HPDF_Free(pdf);
		return gz_err_set(err, GZ_EINTERNAL, "pdf_error", "无法载入字体 %s（libharu %04X）",
		                  font, (unsigned)pe.error);
	}
	HPDF_Page_SetSize(p, HPDF_PAGE_SIZE_A4, HPDF_PAGE_PORTRAIT);
	float w = HPDF_Page_GetWidth(p), y = HPDF_Page_GetHeight(p) - 90;
	char line[512], d1[40], d2[40];
	/* frame */
	HPDF_Page_SetLineWidth(p, 1.5f);
	HPDF_Page_Rectangle(p, 40, 40, w - 80, HPDF_Page_GetHeight(p) - 80);
	HPDF_Page_Stroke(p);
	const char *title = "志愿服务记录证明";
	HPDF_Page_SetFontAndSize(p, f, 26);
	text(p, f, 26, (w - HPDF_Page_TextWidth(p, title)) / 2, y, title);
	y -= 36;
	snprintf(line, sizeof line, "编号：%s", str(c, "number"));
	text(p, f, 11, w - 260, y, line);
	y -= 40;
	int64_t minutes = json_integer_value(json_object_get(c, "total_minutes"));
	chinese_date(str(c, "first_service_at"), d1, sizeof d1);
	chinese_date(str(c, "last_service_at"), d2, sizeof d2);
	snprintf(line, sizeof line, "兹证明 %s 同志", str(c, "name"));
	text(p, f, 14, 70, y, line);
	y -= 26;
	snprintf(line, sizeof line, "自 %s 至 %s 参加志愿服务，", d1, d2);
	text(p, f, 14, 70, y, line);
	y -= 26;
	snprintf(line, sizeof line, "累计志愿服务时长 %lld 小时 %lld 分钟，共 %lld 次。",
	         (long long)(minutes / 60), (long long)(minutes % 60),
	         (long long)json_integer_value(json_object_get(c, "services")));
	text(p, f, 14, 70, y, line);
	y -= 40;
	text(p, f, 13, 70, y, "服务内容（最近）：");
	y -= 22;
	size_t i;
	json_t *s;
	json_array_foreach(json_object_get(c, "recent"), i, s)
	{
		if (y < 240)
			break;
		int64_t m = json_integer_value(json_object_get(s, "minutes"));
		chinese_date(str(s, "started_at"), d1, sizeof d1);
		snprintf(line, sizeof line, "%s  %s（%s）  %lld 小时 %lld 分钟", d1,
		         str(s, "content"), str(s, "org_name"), (long long)(m / 60),
		         (long long)(m % 60));
		text(p, f, 11, 84, y, line);
		y -= 18;
	}
	y -= 12;
	text(p, f, 13, 70, y, "服务时长按组织：");
	y -= 22;
	json_array_foreach(json_object_get(c, "by_organisation"), i, s)
	{
		if (y < 200)
			break;
		int64_t m = json_integer_value(json_object_get(s, "minutes"));
		snprintf(line, sizeof line, "%s：%lld 小时 %lld 分钟", str(s, "org_name"),
		         (long long)(m / 60), (long long)(m % 60));
		text(p, f, 11, 84, y, line);
		y -= 18;
	}
	const json_t *issuer = json_object_get(c, "issuer");
	snprintf(line, sizeof line, "出具单位：%s", str(issuer, "name"));
	text(p, f, 13, w - 330, 170, line);
	if (*str(issuer, "contact")) {
		snprintf(line, sizeof line, "联系方式：%s", str(issuer, "contact"));
		text(p, f, 12, w - 330, 148, line);
	}
	chinese_date(str(c, "issued_at"), d1, sizeof d1);
	snprintf(line, sizeof line, "出具日期：%s", d1);
	text(p, f, 12, w - 330, 126, line);
	text(p, f, 9, 70, 70,
	     "本证明依据《志愿服务条例》根据志愿服务记录免费出具，记录如有更正以更正记录为准。");
	if (pe.error || HPDF_SaveToStream(pdf) != HPDF_OK) {
		HPDF_Free(pdf);
		return gz_err_set(err, GZ_EINTERNAL, "pdf_error", "生成 PDF 失败（libharu %04X）",
		                  (unsigned)pe.error);
	}
	HPDF_UINT32 n = HPDF_GetStreamSize(pdf);
	unsigned char *buf = gz_malloc(n ? n : 1);
	HPDF_UINT32 got = n;
	HPDF_ReadFromStream(pdf, buf, &got); /* HPDF_OK, or HPDF_STREAM_EOF at the end */
	if (got != n) {
		free(buf);
		HPDF_Free(pdf);
		return gz_err_set(err, GZ_EINTERNAL, "pdf_error", "读取 PDF 失败");
	}
	HPDF_Free(pdf);
	*out = buf;
	*len = n;
	return 0;
}
