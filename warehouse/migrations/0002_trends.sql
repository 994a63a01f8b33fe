-- Topic trends as plain views over topic_matches x articles (see docs/trends.md).
-- An article's day is the UTC date of coalesce(published_at, first_seen_at); an article
-- without a story counts as its own story, -id (the digests use the same convention).
-- Filter on topic: DuckDB pushes it into the topic_matches scan, so one topic costs a
-- join of its matches with four columns of articles (measured in benchmarks/warehouse).

CREATE VIEW topic_articles AS
SELECT m.topic,
       a.id AS article_id,
       coalesce(a.story_id, -a.id) AS story_id,
       a.outlet,
       coalesce(a.language, 'unknown') AS language,
       coalesce(a.published_at, a.first_seen_at) AS dated_at,
       CAST(timezone('UTC', coalesce(a.published_at, a.first_seen_at)) AS DATE) AS day,
       m.matched_terms
FROM topic_matches AS m
JOIN articles AS a ON a.id = m.article_id;

CREATE VIEW topic_daily AS
SELECT topic,
       day,
       count(*) AS articles,
       count(DISTINCT story_id) AS stories,
       count(DISTINCT outlet) AS outlets
FROM topic_articles
GROUP BY topic, day;

CREATE VIEW topic_share_outlet AS
SELECT topic,
       outlet,
       count(*) AS articles,
       100.0 * count(*) / sum(count(*)) OVER (PARTITION BY topic) AS pct
FROM topic_articles
GROUP BY topic, outlet;

CREATE VIEW topic_share_language AS
SELECT topic,
       language,
       count(*) AS articles,
       100.0 * count(*) / sum(count(*)) OVER (PARTITION BY topic) AS pct
FROM topic_articles
GROUP BY topic, language;

CREATE VIEW topic_share_outlet_daily AS
SELECT topic,
       day,
       outlet,
       count(*) AS articles,
       100.0 * count(*) / sum(count(*)) OVER (PARTITION BY topic, day) AS pct
FROM topic_articles
GROUP BY topic, day, outlet;

CREATE VIEW topic_share_language_daily AS
SELECT topic,
       day,
       language,
       count(*) AS articles,
       100.0 * count(*) / sum(count(*)) OVER (PARTITION BY topic, day) AS pct
FROM topic_articles
GROUP BY topic, day, language;

-- the first and latest article of each story within a topic; the origin is the outlet of the
-- earliest matched copy (ties broken by outlet name, so the answer is stable)
CREATE VIEW story_coverage AS
SELECT c.story_id,
       c.topic,
       c.first_at,
       c.latest_at,
       c.articles,
       c.outlets,
       c.origin_outlet,
       s.title
FROM (
    SELECT story_id,
           topic,
           min(dated_at) AS first_at,
           max(dated_at) AS latest_at,
           count(*) AS articles,
           count(DISTINCT outlet) AS outlets,
           arg_min(outlet, (dated_at, outlet)) AS origin_outlet
    FROM topic_articles
    GROUP BY story_id, topic
) AS c
LEFT JOIN stories AS s ON s.id = c.story_id;

-- every day of the warehouse for every topic (days without matches count as 0), with the
-- trailing 28-day baseline of the story count and a z-score whose denominator is at least 1
-- (a baseline that never varies would otherwise divide by zero or turn 1 -> 2 into infinity)
CREATE VIEW topic_spike_scores AS
WITH bounds AS (
    SELECT CAST(timezone('UTC', min(coalesce(published_at, first_seen_at))) AS DATE) AS first_day,
           CAST(timezone('UTC', max(coalesce(published_at, first_seen_at))) AS DATE) AS last_day
    FROM articles
),
calendar AS (
    SELECT t.topic,
           CAST(unnest(generate_series(b.first_day, b.last_day, INTERVAL 1 DAY)) AS DATE) AS day
    FROM (SELECT DISTINCT topic FROM topic_matches) AS t, bounds AS b
),
dense AS (
    SELECT c.topic,
           c.day,
           coalesce(d.articles, 0) AS articles,
           coalesce(d.stories, 0) AS stories,
           coalesce(d.outlets, 0) AS outlets
    FROM calendar AS c
    LEFT JOIN topic_daily AS d ON d.topic = c.topic AND d.day = c.day
),
scored AS (
    SELECT *,
           avg(stories) OVER w AS baseline_mean,
           coalesce(stddev_pop(stories) OVER w, 0) AS baseline_sd,
           count(*) OVER w AS baseline_days
    FROM dense
    WINDOW w AS (PARTITION BY topic ORDER BY day ROWS BETWEEN 28 PRECEDING AND 1 PRECEDING)
)
SELECT topic,
       day,
       articles,
       stories,
       outlets,
       baseline_mean,
       baseline_sd,
       baseline_days,
       (stories - baseline_mean) / greatest(baseline_sd, 1.0) AS z
FROM scored;

-- the defaults: at least 5 stories, z >= 3, and a week of history to compare with
CREATE VIEW spikes AS
SELECT topic, day, articles, stories, outlets, baseline_mean, baseline_sd, z
FROM topic_spike_scores
WHERE stories >= 5 AND z >= 3 AND baseline_days >= 7;

-- what drove each spike: matched terms and outlets, by the number of articles that day
CREATE VIEW spike_drivers AS
WITH spike_articles AS (
    SELECT t.*
    FROM topic_articles AS t
    JOIN spikes AS s ON s.topic = t.topic AND s.day = t.day
),
terms AS (
    SELECT topic, day, unnest(matched_terms) AS name FROM spike_articles
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
