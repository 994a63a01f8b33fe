-- Topic matches keep what the article really wrote (issue 21): per hit, the query term, the
-- words as they appear in the article (surface) and the lemmas they were matched by (normal).
-- Rows written before this migration have NULL here and keep their matched_terms.
ALTER TABLE topic_matches ADD COLUMN matched_forms STRUCT(term VARCHAR, surface VARCHAR, normal VARCHAR)[];

-- matched_words: the surface forms, lower-cased and distinct (the query terms for older rows)
CREATE OR REPLACE VIEW topic_articles AS
SELECT m.topic,
       a.id AS article_id,
       coalesce(a.story_id, -a.id) AS story_id,
       a.outlet,
       coalesce(a.language, 'unknown') AS language,
       coalesce(a.published_at, a.first_seen_at) AS dated_at,
       CAST(timezone('UTC', coalesce(a.published_at, a.first_seen_at)) AS DATE) AS day,
       m.matched_terms,
       m.matched_forms,
       coalesce(list_distinct(list_transform(m.matched_forms, lambda f: lower(f.surface))),
                m.matched_terms) AS matched_words
FROM topic_matches AS m
JOIN articles AS a ON a.id = m.article_id;

-- what drove each spike: the words as written (геев, Kadyrov's) and the outlets, by articles
CREATE OR REPLACE VIEW spike_drivers AS
WITH spike_articles AS (
    SELECT t.*
    FROM topic_articles AS t
    JOIN spikes AS s ON s.topic = t.topic AND s.day = t.day
),
terms AS (
    SELECT topic, day, unnest(matched_words) AS name FROM spike_articles
),
counted AS (
    SELECT topic, day, 'term' AS kind, name, count(*) AS articles
    FROM terms
    GROUP BY topic, day, name
    UNION ALL
    SELECT topic, day, 'outlet' AS kind, outlet AS name, count(*) AS articles
    FROM spike_articles
    GROUP BY topic, day, outlet
)
SELECT topic,
       day,
       kind,
       name,
       articles,
       row_number() OVER (PARTITION BY topic, day, kind ORDER BY articles DESC, name) AS rank
FROM counted;
