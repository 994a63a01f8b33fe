"""The scheduler behind ``mediawatch run``: crawls and daily digests on a schedule, forever.

What is due is always decided from the warehouse (``crawl_runs``, ``digest_outbox``),
never from APScheduler's memory, so a restart, a crash or a DST change neither loses nor
repeats a run. Modules, one concern each:

- ``plan``: config -> job specs (intervals, cron expressions, jitter, validation)
- ``catchup``: what was missed while the scheduler was down, from ``crawl_runs``
- ``crawl_job`` / ``digest_job``: the jobs; they only call library functions
- ``events``: every scheduler event to the log and to ``scheduler_events``
- ``lock``: one scheduler per warehouse
- ``service``: the long-running process and its signal handling
- ``status``: next runs and recent events, for ``mediawatch status``
"""
