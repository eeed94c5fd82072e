-- Integrated services (集成化服务), the catalogue (办事指南): what a resident can apply
-- for, with the materials, steps, time limit, responsible office, fee and the typed
-- form fields of an application. docs/SERVICES.md has the rules.
--
-- materials, steps and fields are JSON arrays (checked by svc_check_definitions,
-- src/modules/services/rules.c):
--   materials [{code, name, required, note}]
--   steps     ["…", …]
--   fields    [{code, label, type: text|date|choice|attachment, required, options?, max_chars?}]
-- time_limit_days: working days from the day after acceptance (民法典 第201条);
-- fee_fen: the fee in fen (0: free); online 0: in person only (staff apply at the counter);
-- certificate_kind: what an issued application certifies (NULL: no certificate);
-- scope_code: where it is offered ('' everywhere).
--
-- Search (src/modules/services/terms.c): search_terms are the character bigrams and
-- unigrams of the CJK text and its ASCII words, search_text its runs. Both are computed by
-- the server, not here: a row whose terms_version is older than the server's (every row
-- below, and any row written by SQL) is indexed before the next search. SQLite searches
-- search_terms with FTS5 (kept by the triggers below), PostgreSQL with a tsvector of the
-- same terms ('simple': no stemming), so both find the same rows.

CREATE TABLE services (
    id {{ID}},
    code TEXT {{PG:COLLATE "C"}} NOT NULL UNIQUE,
    name TEXT NOT NULL,
    category TEXT NOT NULL,
    summary TEXT NOT NULL,
    conditions TEXT NOT NULL DEFAULT '',
    office TEXT NOT NULL,
    scope_code TEXT {{PG:COLLATE "C"}} NOT NULL DEFAULT '',
    time_limit_days INTEGER NOT NULL CHECK (time_limit_days BETWEEN 1 AND 90),
    fee_fen BIGINT NOT NULL DEFAULT 0 CHECK (fee_fen >= 0),
    online INTEGER NOT NULL DEFAULT 1,
    certificate_kind TEXT,
    legal_basis TEXT NOT NULL DEFAULT '',
    materials TEXT NOT NULL DEFAULT '[]',
    steps TEXT NOT NULL DEFAULT '[]',
    fields TEXT NOT NULL DEFAULT '[]',
    active INTEGER NOT NULL DEFAULT 1,
    search_text TEXT NOT NULL DEFAULT '',
    search_terms TEXT NOT NULL DEFAULT '',
    terms_version INTEGER NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
    {{PG:, search_vec tsvector GENERATED ALWAYS AS (to_tsvector('simple', search_terms)) STORED}}
);
CREATE INDEX services_terms_version ON services (terms_version);
{{PG:CREATE INDEX services_search ON services USING GIN (search_vec);}}

{{SQLITE:CREATE VIRTUAL TABLE service_fts USING fts5(search_terms, content='services', content_rowid='id');
CREATE TRIGGER services_fts_insert AFTER INSERT ON services BEGIN
    INSERT INTO service_fts (rowid, search_terms) VALUES (new.id, new.search_terms);
END;
CREATE TRIGGER services_fts_delete AFTER DELETE ON services BEGIN
    INSERT INTO service_fts (service_fts, rowid, search_terms) VALUES ('delete', old.id, old.search_terms);
END;
CREATE TRIGGER services_fts_update AFTER UPDATE OF search_terms ON services BEGIN
    INSERT INTO service_fts (service_fts, rowid, search_terms) VALUES ('delete', old.id, old.search_terms);
    INSERT INTO service_fts (rowid, search_terms) VALUES (new.id, new.search_terms);
END;}}

-- The community's usual services (every new database has them; staff add others).
INSERT INTO services (code, name, category, summary, conditions, office, time_limit_days, fee_fen, online, certificate_kind, legal_basis, materials, steps, fields, created_at, updated_at) VALUES (
    'residence_proof', '居住证明', 'certificate',
    '为在本社区实际居住的居民开具居住证明，用于子女入学、办理居住证、社保医保和银行业务等。',
    '在本社区实际居住的居民（含外省市户籍人员）；为家庭成员申请的，应为同一户的成员。',
    '社区综合受理窗口', 3, 0, 1, '居住证明',
    '《中华人民共和国城市居民委员会组织法》第三条',
    '[{"code":"id_card","name":"居民身份证","required":true,"note":"正反面照片或扫描件"},{"code":"housing","name":"房屋产权证明或房屋租赁合同","required":true,"note":"租住的提供租赁合同"},{"code":"hukou","name":"户口簿或居住证","required":false,"note":"外省市户籍人员提供居住证"}]',
    '["在线提交申请，或到社区党群服务中心综合受理窗口申请","社区居委会核实实际居住情况，必要时由网格员入户核实","审核通过后出具证明，可在线下载电子证明或到窗口领取"]',
    '[{"code":"purpose","label":"证明用途","type":"choice","required":true,"options":["子女入学","办理居住证","社保医保","银行业务","其他"]},{"code":"address","label":"现居住地址","type":"text","required":true,"max_chars":100},{"code":"since","label":"开始居住日期","type":"date","required":true},{"code":"submit_to","label":"证明提交单位","type":"text","required":false,"max_chars":60}]',
    1735689600000, 1735689600000);

INSERT INTO services (code, name, category, summary, conditions, office, time_limit_days, fee_fen, online, certificate_kind, legal_basis, materials, steps, fields, created_at, updated_at) VALUES (
    'only_child_proof', '独生子女证明', 'certificate',
    '为符合条件的夫妻开具独生子女证明，用于申请独生子女父母奖励、退休时的独生子女父母待遇等。',
    '夫妻一方户籍或居住地在本社区，且只生育一个子女。',
    '社区计生服务站', 5, 0, 1, '独生子女证明',
    '《中华人民共和国人口与计划生育法》',
    '[{"code":"id_cards","name":"夫妻双方居民身份证","required":true,"note":""},{"code":"hukou","name":"户口簿","required":true,"note":"户主页和本人页"},{"code":"marriage","name":"结婚证","required":true,"note":"离婚或再婚的另附离婚证、子女抚养协议或判决书"},{"code":"birth_cert","name":"子女出生医学证明","required":true,"note":""}]',
    '["在线提交申请或到社区计生服务站申请","社区核实生育情况，在社区公示栏公示 5 个工作日","公示无异议的出具证明"]',
    '[{"code":"spouse_name","label":"配偶姓名","type":"text","required":true,"max_chars":20},{"code":"child_name","label":"子女姓名","type":"text","required":true,"max_chars":20},{"code":"child_birth","label":"子女出生日期","type":"date","required":true},{"code":"purpose","label":"证明用途","type":"choice","required":true,"options":["独生子女父母奖励","退休待遇","单位要求","其他"]}]',
    1735689600000, 1735689600000);

INSERT INTO services (code, name, category, summary, conditions, office, time_limit_days, fee_fen, online, certificate_kind, legal_basis, materials, steps, fields, created_at, updated_at) VALUES (
    'conduct_proof', '现实表现证明（用人单位政审）', 'certificate',
    '应聘单位、入伍、升学政审需要时，为本社区居民开具在居住地的现实表现证明，交用人单位或审查单位。',
    '在本社区居住满一年的居民；由用人单位出具政审函的，随申请上传。',
    '社区综合受理窗口', 5, 0, 1, '现实表现证明',
    '《中华人民共和国城市居民委员会组织法》第三条',
    '[{"code":"id_card","name":"居民身份证","required":true,"note":"正反面照片或扫描件"},{"code":"request_letter","name":"用人单位或审查单位的政审函","required":true,"note":"加盖单位公章"}]',
    '["在线提交申请并上传单位政审函","网格员和社区民警了解居住期间的表现","社区党委审核后出具证明，直接交用人单位或由本人领取"]',
    '[{"code":"employer","label":"用人单位名称","type":"text","required":true,"max_chars":60},{"code":"position","label":"应聘岗位或事由","type":"text","required":true,"max_chars":60},{"code":"since","label":"在本社区居住起始日期","type":"date","required":true}]',
    1735689600000, 1735689600000);

INSERT INTO services (code, name, category, summary, conditions, office, time_limit_days, fee_fen, online, certificate_kind, legal_basis, materials, steps, fields, created_at, updated_at) VALUES (
    'elder_card', '老年人优待证办理', 'card',
    '年满 60 周岁的老年人办理老年人优待证，凭证享受公园、公共交通等优待。',
    '年满 60 周岁，户籍或居住地在本社区。',
    '社区民政工作站', 10, 0, 1, NULL,
    '《中华人民共和国老年人权益保障法》第五章',
    '[{"code":"id_card","name":"居民身份证","required":true,"note":"正反面照片或扫描件"},{"code":"hukou","name":"户口簿","required":true,"note":"户主页和本人页"}]',
    '["在线提交申请并上传照片，或到社区民政工作站申请","社区初审后报街道","制证后通知到社区领取"]',
    '[{"code":"photo","label":"近期一寸免冠彩色照片","type":"attachment","required":true},{"code":"pickup","label":"领取方式","type":"choice","required":true,"options":["社区领取","网格员送达"]}]',
    1735689600000, 1735689600000);

INSERT INTO services (code, name, category, summary, conditions, office, time_limit_days, fee_fen, online, certificate_kind, legal_basis, materials, steps, fields, created_at, updated_at) VALUES (
    'aged_allowance', '高龄津贴申请', 'subsidy',
    '为年满 80 周岁的老年人申请高龄津贴，按月发放到本人账户。',
    '年满 80 周岁的本市户籍老年人。',
    '社区民政工作站', 10, 0, 1, NULL,
    '《中华人民共和国老年人权益保障法》第三十三条',
    '[{"code":"id_card","name":"居民身份证","required":true,"note":"正反面照片或扫描件"},{"code":"hukou","name":"户口簿","required":true,"note":"户主页和本人页"},{"code":"bank_card","name":"本人银行卡或存折","required":true,"note":"用于发放补贴"}]',
    '["本人或家属在线申请，或到社区民政工作站申请","社区核实后报街道审核","审核通过的次月起发放"]',
    '[{"code":"agent","label":"代办人姓名（本人申请的不填）","type":"text","required":false,"max_chars":20}]',
    1735689600000, 1735689600000);

INSERT INTO services (code, name, category, summary, conditions, office, time_limit_days, fee_fen, online, certificate_kind, legal_basis, materials, steps, fields, created_at, updated_at) VALUES (
    'disability_subsidy', '残疾人两项补贴申请', 'subsidy',
    '困难残疾人生活补贴和重度残疾人护理补贴的申请，社区受理并初审后报街道、区残联审核。',
    '持有第二代残疾人证；生活补贴面向低保、低收入家庭的残疾人，护理补贴面向残疾等级为一级、二级的重度残疾人。',
    '社区残疾人协会', 15, 0, 1, NULL,
    '《国务院关于全面建立困难残疾人生活补贴和重度残疾人护理补贴制度的意见》（国发〔2015〕52号）',
    '[{"code":"id_card","name":"居民身份证","required":true,"note":"正反面照片或扫描件"},{"code":"disability_card","name":"中华人民共和国残疾人证","required":true,"note":"第二代残疾人证"},{"code":"hukou","name":"户口簿","required":true,"note":"户主页和本人页"},{"code":"bank_card","name":"本人银行卡或存折","required":true,"note":"用于发放补贴"},{"code":"dibao_card","name":"低保或低收入家庭证明材料","required":false,"note":"申请生活补贴的提供"}]',
    '["本人或监护人在线申请，或到社区残疾人协会申请","社区初审并入户核实","街道审核、区残联审定","审定通过的次月起发放"]',
    '[{"code":"kind","label":"申请补贴","type":"choice","required":true,"options":["困难残疾人生活补贴","重度残疾人护理补贴","两项都申请"]},{"code":"guardian","label":"监护人姓名（本人申请的不填）","type":"text","required":false,"max_chars":20}]',
    1735689600000, 1735689600000);

INSERT INTO services (code, name, category, summary, conditions, office, time_limit_days, fee_fen, online, certificate_kind, legal_basis, materials, steps, fields, created_at, updated_at) VALUES (
    'dibao_initial', '最低生活保障申请（社区初审）', 'assistance',
    '家庭人均收入低于当地最低生活保障标准、且财产状况符合规定的家庭申请低保，社区受理并初审后报街道审核确认。',
    '共同生活的家庭成员户籍在本市，家庭人均收入低于低保标准，家庭财产符合规定。需本人到窗口签署家庭经济状况核对授权书。',
    '社区民政工作站', 10, 0, 0, NULL,
    '《社会救助暂行办法》第二章',
    '[{"code":"id_cards","name":"家庭成员居民身份证","required":true,"note":""},{"code":"hukou","name":"户口簿","required":true,"note":"户主页和本人页"},{"code":"income","name":"家庭成员收入证明","required":true,"note":"在职人员由单位出具，无业人员书面说明"},{"code":"assets","name":"家庭财产申报表","required":true,"note":"窗口领取或在线下载填写"},{"code":"authorisation","name":"家庭经济状况核对授权书","required":true,"note":"家庭成员本人签字"}]',
    '["到社区民政工作站提出申请，工作人员代为录入","社区入户调查、民主评议并初审","街道审核确认，结果在社区公示"]',
    '[{"code":"members","label":"共同生活家庭成员人数","type":"choice","required":true,"options":["1","2","3","4","5","6 人及以上"]},{"code":"reason","label":"申请原因","type":"text","required":true,"max_chars":300}]',
    1735689600000, 1735689600000);

INSERT INTO services (code, name, category, summary, conditions, office, time_limit_days, fee_fen, online, certificate_kind, legal_basis, materials, steps, fields, created_at, updated_at) VALUES (
    'temporary_assistance', '临时救助申请', 'assistance',
    '因火灾、交通事故、突发重大疾病等原因导致基本生活暂时出现严重困难的家庭或个人申请临时救助。',
    '遭遇突发事件、意外伤害、重大疾病，导致基本生活陷入困境的家庭或个人。',
    '社区民政工作站', 5, 0, 1, NULL,
    '《社会救助暂行办法》第十一章',
    '[{"code":"id_card","name":"居民身份证","required":true,"note":"正反面照片或扫描件"},{"code":"proof","name":"困难情况证明材料","required":true,"note":"如医疗费用票据、事故认定书"},{"code":"bank_card","name":"本人银行卡或存折","required":true,"note":"用于发放补贴"}]',
    '["在线或到社区民政工作站申请","社区核实困难情况后报街道","街道审批，急难情形先行救助"]',
    '[{"code":"event","label":"困难原因","type":"choice","required":true,"options":["突发重大疾病","火灾等意外事故","突发事件","其他"]},{"code":"event_date","label":"发生日期","type":"date","required":true},{"code":"description","label":"困难情况说明","type":"text","required":true,"max_chars":500}]',
    1735689600000, 1735689600000);

INSERT INTO services (code, name, category, summary, conditions, office, time_limit_days, fee_fen, online, certificate_kind, legal_basis, materials, steps, fields, created_at, updated_at) VALUES (
    'birth_registration', '生育登记', 'registration',
    '夫妻生育子女实行登记服务，登记后可享受孕产期保健等服务。',
    '夫妻一方户籍或居住地在本社区。',
    '社区计生服务站', 1, 0, 1, NULL,
    '《中华人民共和国人口与计划生育法》第十八条',
    '[{"code":"id_cards","name":"夫妻双方居民身份证","required":true,"note":""},{"code":"marriage","name":"结婚证","required":false,"note":"未婚的可不提供"}]',
    '["在线填写登记信息","社区计生服务站确认登记","登记完成后在线查看登记结果"]',
    '[{"code":"spouse_name","label":"配偶姓名","type":"text","required":false,"max_chars":20},{"code":"expected_date","label":"预产期","type":"date","required":true},{"code":"order","label":"本次生育为第几孩","type":"choice","required":true,"options":["一孩","二孩","三孩"]}]',
    1735689600000, 1735689600000);

INSERT INTO services (code, name, category, summary, conditions, office, time_limit_days, fee_fen, online, certificate_kind, legal_basis, materials, steps, fields, created_at, updated_at) VALUES (
    'family_planning_consult', '计划生育政策咨询', 'consultation',
    '就生育登记、独生子女父母奖励、计划生育（计生）家庭特别扶助等政策提出咨询，社区计生服务站答复。',
    '本社区居民。',
    '社区计生服务站', 3, 0, 1, NULL,
    '《中华人民共和国人口与计划生育法》',
    '[]',
    '["在线提交咨询问题","社区计生服务站在时限内答复，需要时电话联系"]',
    '[{"code":"topic","label":"咨询主题","type":"choice","required":true,"options":["生育登记","独生子女父母奖励","计划生育特别扶助","其他"]},{"code":"question","label":"咨询问题","type":"text","required":true,"max_chars":500}]',
    1735689600000, 1735689600000);

INSERT INTO services (code, name, category, summary, conditions, office, time_limit_days, fee_fen, online, certificate_kind, legal_basis, materials, steps, fields, created_at, updated_at) VALUES (
    'social_insurance_consult', '社会保险政策咨询', 'consultation',
    '就养老保险、医疗保险、失业保险（社保）的参保、缴费、待遇领取等提出咨询，社区社会保障服务站答复。',
    '本社区居民。',
    '社区社会保障服务站', 3, 0, 1, NULL,
    '《中华人民共和国社会保险法》',
    '[]',
    '["在线提交咨询问题","社区社会保障服务站在时限内答复，需要时电话联系"]',
    '[{"code":"topic","label":"咨询主题","type":"choice","required":true,"options":["养老保险","医疗保险","失业保险","其他"]},{"code":"question","label":"咨询问题","type":"text","required":true,"max_chars":500}]',
    1735689600000, 1735689600000);

INSERT INTO services (code, name, category, summary, conditions, office, time_limit_days, fee_fen, online, certificate_kind, legal_basis, materials, steps, fields, created_at, updated_at) VALUES (
    'employment_registration', '就业失业登记', 'registration',
    '劳动年龄内、有劳动能力和就业要求的失业人员办理失业登记，领取《就业创业证》，享受就业服务和扶持政策。',
    '法定劳动年龄内、有劳动能力、有就业要求、处于无业状态的本市户籍或常住人员。',
    '社区社会保障服务站', 5, 0, 1, NULL,
    '《就业服务与就业管理规定》第六章',
    '[{"code":"id_card","name":"居民身份证","required":true,"note":"正反面照片或扫描件"},{"code":"termination","name":"解除或终止劳动合同证明","required":false,"note":"曾就业的提供"}]',
    '["在线提交登记申请","社区社会保障服务站核实就业状态","登记完成，发放《就业创业证》"]',
    '[{"code":"kind","label":"登记类型","type":"choice","required":true,"options":["失业登记","就业登记"]},{"code":"last_employer","label":"原工作单位","type":"text","required":false,"max_chars":60}]',
    1735689600000, 1735689600000);

INSERT INTO services (code, name, category, summary, conditions, office, time_limit_days, fee_fen, online, certificate_kind, legal_basis, materials, steps, fields, created_at, updated_at) VALUES (
    'flexible_employment_subsidy', '灵活就业社会保险补贴申请', 'subsidy',
    '就业困难人员以灵活就业方式就业并缴纳社会保险费的，申请社会保险补贴（社保补贴）。',
    '经认定的就业困难人员，以个人身份缴纳社会保险费。',
    '社区社会保障服务站', 10, 0, 1, NULL,
    '《中华人民共和国就业促进法》第五十二条',
    '[{"code":"id_card","name":"居民身份证","required":true,"note":"正反面照片或扫描件"},{"code":"payment","name":"社会保险缴费凭证","required":true,"note":"最近一个季度"},{"code":"bank_card","name":"本人银行卡或存折","required":true,"note":"用于发放补贴"}]',
    '["在线申请并上传缴费凭证","社区初审后报街道审核","审核通过后按季度拨付"]',
    '[{"code":"quarter","label":"申请补贴的季度","type":"choice","required":true,"options":["第一季度","第二季度","第三季度","第四季度"]}]',
    1735689600000, 1735689600000);

