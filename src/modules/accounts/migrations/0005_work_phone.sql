-- The work phone of a staff account (issue 9, "One masking rule": the staff serving
-- residents are shown by name and work phone, as the posted 网格员公示 boards do). A work
-- number is published to the residents served, so it is kept in clear, unlike residents'
-- phones: a mobile "13812345678" or a landline "010-12345678"; NULL = none.
ALTER TABLE users ADD COLUMN work_phone TEXT;
