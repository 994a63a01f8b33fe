"""``mediawatch sql`` errors through the installed script: the hint on where to look names up
comes only when the query named a table or column that is not there."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_cli import one_error_line, run
from test_trends import write_config

SHOW_TABLES = 'hint: list tables with: mediawatch sql "SHOW TABLES"'
DESCRIBE = (
    'hint: list a table\'s columns with: mediawatch sql "DESCRIBE articles" (or another table)'
)


@pytest.mark.parametrize(
    ("query", "hint"),
    [
        ("SELECT * FROM no_such_table", SHOW_TABLES),
        ("SELECT no_such_column FROM articles", DESCRIBE),
        ("SELECT a.no_such_column FROM articles AS a", DESCRIBE),
        ("SELECT 1 +", None),  # a syntax error
        ("SELECT 'a' + 1", None),  # a type error
        ("SELECT CAST('x' AS INTEGER)", None),  # a conversion error
    ],
)
def test_sql_hint_only_for_unknown_names(warehouse: Path, query: str, hint: str | None) -> None:
    config = write_config(warehouse.parent, {"wave": "gay"})
    done = run(config, "sql", query)
    assert done.returncode == 1, done
    assert one_error_line(done.stderr).startswith("error: SQL error:")
    hints = [line for line in done.stderr.splitlines() if line.startswith("hint:")]
    assert hints == ([hint] if hint else []), done.stderr
