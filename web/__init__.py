"""``mediawatch serve``: a read-only web view of the warehouse and the digest archive for analysts."""
