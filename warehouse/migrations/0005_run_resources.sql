-- What a crawl cost the machine: CPU of the crawler and of the extraction workers, peak memory.
ALTER TABLE crawl_runs ADD COLUMN cpu_crawl_s DOUBLE;
ALTER TABLE crawl_runs ADD COLUMN cpu_extract_s DOUBLE;
ALTER TABLE crawl_runs ADD COLUMN peak_rss_mb DOUBLE;
ALTER TABLE crawl_runs ADD COLUMN extract_peak_rss_mb DOUBLE;
