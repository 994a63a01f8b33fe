"""The DuckDB warehouse: schema migrations, short-lived connections, batched transactional writes.

DuckDB lets one process write and others read only while nobody writes, so every
connection here is short: open, do one transaction, close. Readers and writers retry
briefly on the other's lock instead of failing.
"""
