-- The page's other titles (og:title, the <title> element) beside the displayed headline, and
-- the language it declares beside the one its text is detected as (`language` is the one believed).
ALTER TABLE articles ADD COLUMN title_og VARCHAR;
ALTER TABLE articles ADD COLUMN title_html VARCHAR;
ALTER TABLE articles ADD COLUMN language_declared VARCHAR;
ALTER TABLE articles ADD COLUMN language_detected VARCHAR;
