# Deterministic resident rows for bench/import.sh and tests: N rows (-v n=...) over the
# grid codes in -v grids="code1 code2 ...", with valid ID numbers (GB 11643 check
# character), unique ID numbers and unique mobile numbers, and a tag on every 10th row
# (a third of those sensitive: 低保, 残疾). Rows are dealt out to the grids round-robin
# (row i in grid i mod #grids: the harder order for the import, whose grid index then
# grows at every grid's end at once); -v order=grid groups them by grid as a register
# lists them.
#   awk -v n=1000000 -v grids="110101001001001 110101001001002" -f bench/people-gen.awk
# Row i (0-based): birth date = day (i % 29200) after 1930-01-01, sequence i / 29200
# (3 digits), so (date, sequence) and thus the ID number is unique for i < 29,200,000;
# phone 139 + i as 8 digits.
function leap(y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 }
BEGIN {
	OFS = ","
	split("7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2", W, " ")
	split("1 0 X 9 8 7 6 5 4 3 2", C, " ")
	split("31 28 31 30 31 30 31 31 30 31 30 31", ML, " ")
	ng = split(grids, G, " ")
	split("王 李 张 刘 陈 杨 黄 赵 吴 周 徐 孙 马 朱 胡 郭 何 高 林 罗", S, " ")
	split("伟 芳 娜 敏 静 丽 强 磊 军 洋 勇 艳 杰 娟 涛 明 超 秀英 霞 平 刚 桂英", N, " ")
	split("独居老人 高龄 低保 残疾 失业 优抚对象", T, " ")
	# day number -> date, precomputed
	y = 1930; m = 1; d = 1
	for (k = 0; k < 29200; k++) {
		D[k] = sprintf("%04d%02d%02d", y, m, d)
		dim = ML[m] + (m == 2 && leap(y))
		if (++d > dim) { d = 1; if (++m > 12) { m = 1; y++ } }
	}
	print "姓名", "性别", "手机号", "身份证号", "网格编码", "与户主关系", "标签"
	for (i = 0; i < n; i++) {
		seq = int(i / 29200)
		id17 = "110101" D[i % 29200] sprintf("%03d", seq)
		s = 0
		for (k = 1; k <= 17; k++) s += substr(id17, k, 1) * W[k]
		id = id17 C[s % 11 + 1]
		sex = (seq % 2) ? "男" : "女"
		name = S[i % 20 + 1] N[int(i / 20) % 22 + 1]
		tag = (i % 10 == 0) ? T[int(i / 10) % 6 + 1] : ""
		g = order == "grid" ? int(i * ng / n) + 1 : i % ng + 1
		print name, sex, sprintf("139%08d", i), id, G[g], (i % 3 ? "其他" : "户主"), tag
	}
}
