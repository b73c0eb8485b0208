-- NO: the school registers attendance per lesson, this many a day (ABS-1); NULL: once a day.
-- Denmark's register moments are the law's and ignore it.
ALTER TABLE school ADD COLUMN register_lessons INTEGER CHECK (register_lessons BETWEEN 1 AND 10);
