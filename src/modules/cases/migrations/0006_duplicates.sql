-- Duplicate suggestions (src/modules/cases/duplicates.c): open cases of one category
-- reported within its window (case_categories.dup_window_hours) of a time.
CREATE INDEX cases_category_reported ON cases (category_id, reported_at);
