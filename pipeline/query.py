"""Topic queries: a Lucene-like boolean language, compiled once and matched in Python.

Syntax (parsed by luqum, so it is Lucene's):

* ``AND`` / ``&&``, ``OR`` / ``||``, ``NOT`` / ``!`` / ``-term``; ``+term`` is the plain term.
  Operators must be written in capitals; a lowercase ``and``/``or``/``not`` is rejected
  because it almost always means the operator (quote it to search the word).
* Adjacent terms are joined by **AND** (``chechnya gay`` = ``chechnya AND gay``), unlike
  Media Cloud's OR default: a monitoring topic should narrow, not widen.  Precedence:
  NOT > AND > OR > implicit AND, so ``a b OR c`` is ``a AND (b OR c)``; use parentheses.
* ``"exact phrase"``: the words in order, whatever punctuation or line breaks lie between.
* ``"amnesty chechnya"~10``: all words, in any order, with at most 10 other words between.
* Wildcards inside a word: ``gay*``, ``чечн*``, ``wom?n``.  A trailing ``*`` also works on
  the words of a phrase (``"чечн* геи"``).
* Fields: ``title:``, ``text:``, ``outlet:``, ``language:``, ``author:``.  Unfielded terms
  search the title OR the text (a phrase never spans the two).
* Case, accents and ё/е are ignored on both sides (see :mod:`pipeline.textnorm`).
* Not supported, rejected with a message: ranges, regexes, fuzzy ``word~``.  Boosts
  ``^2`` are accepted and ignored (there is no scoring).

Matching never touches SQL: a document is tokenised once per field (:class:`TokenizedDoc`),
shared by all topics, and the compiled tree is evaluated against token sets; positions are
only built when a phrase, proximity or snippet needs them.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import InvalidOperation
from typing import TYPE_CHECKING, Any

from luqum import tree as lq
from luqum.exceptions import IllegalCharacterError, ParseError, ParseSyntaxError
from luqum.parser import lexer as _luqum_lexer
from luqum.thread import parse as _luqum_parse

from pipeline.items import TopicMatch
from pipeline.textnorm import normalize_word, prepare, snippet_around, token_span
from pipeline.textnorm import tokenize as _tokenize

if TYPE_CHECKING:
    from pipeline.items import Article

__all__ = [
    "CompiledQuery",
    "MatchDoc",
    "QueryError",
    "TokenizedDoc",
    "compile_query",
    "compile_topics",
    "match_topics",
]

FIELDS = ("title", "text", "outlet", "language", "author")
CONTENT_FIELDS = ("title", "text")
_FIELD_ALIASES = {"authors": "author", "lang": "language", "body": "text", "headline": "title"}
_AUTHOR_GAP = 50  # placeholder tokens between authors so phrases/proximity never join two names
_OPERATOR_WORDS = {"and": "AND", "or": "OR", "not": "NOT"}


class QueryError(ValueError):
    """A topic query that cannot be compiled; the message names a 1-based column."""

    def __init__(self, column: int, message: str) -> None:
        super().__init__(f"query error at column {column}: {message}")
        self.column = column
        self.detail = message


@dataclass(frozen=True, slots=True)
class MatchDoc:
    """What an article offers to matching."""

    title: str
    text: str
    outlet: str = ""
    language: str = ""
    authors: tuple[str, ...] = ()

    @classmethod
    def from_article(cls, article: Article) -> MatchDoc:
        return cls(
            title=article.title or "",
            text=article.text or "",
            outlet=article.outlet or "",
            language=article.language or "",
            authors=tuple(article.authors),
        )


# --------------------------------------------------------------------------- documents


class FieldIndex:
    """One field of one document: token list, vocabulary, lazy positions and expansions."""

    __slots__ = ("prepared", "tokens", "vocab", "_positions", "_sorted", "_expansions")

    def __init__(self, prepared: str, tokens: list[str]) -> None:
        self.prepared = prepared
        self.tokens = tokens
        self.vocab = set(tokens)
        self.vocab.discard("")
        self._positions: dict[str, list[int]] = {}
        self._sorted: list[str] | None = None
        self._expansions: dict[str, tuple[str, ...]] = {}

    def occurrences(self, token: str) -> list[int]:
        """Sorted positions of ``token``; built per token on demand (most never are needed)."""
        found = self._positions.get(token)
        if found is None:
            found = []
            find = self.tokens.index  # C-speed scans beat a Python loop over all tokens
            i = -1
            try:
                while True:
                    i = find(token, i + 1)
                    found.append(i)
            except ValueError:
                pass
            self._positions[token] = found
        return found

    def expand(self, pattern: WildPattern) -> tuple[str, ...]:
        """Vocabulary words matching a wildcard pattern; cached because topics share patterns."""
        found = self._expansions.get(pattern.key)
        if found is not None:
            return found
        if pattern.prefix is not None:
            if self._sorted is None:
                self._sorted = sorted(self.vocab)
            words = self._sorted
            prefix = pattern.prefix
            i = bisect_left(words, prefix)
            hits = []
            while i < len(words) and words[i].startswith(prefix):
                hits.append(words[i])
                i += 1
            found = tuple(hits)
        else:
            fullmatch = pattern.regex.fullmatch
            found = tuple(w for w in self.vocab if fullmatch(w))
        self._expansions[pattern.key] = found
        return found


class TokenizedDoc:
    """A document tokenised once per field, shared by every topic it is matched against."""

    __slots__ = ("doc", "_fields")

    def __init__(self, doc: MatchDoc) -> None:
        self.doc = doc
        self._fields: dict[str, FieldIndex] = {}

    def field(self, name: str) -> FieldIndex:
        index = self._fields.get(name)
        if index is None:
            index = self._fields[name] = self._build(name)
        return index

    def _build(self, name: str) -> FieldIndex:
        doc = self.doc
        if name == "author":
            tokens: list[str] = []
            for author in doc.authors or ():
                if tokens:
                    tokens.extend([""] * _AUTHOR_GAP)
                tokens.extend(_tokenize(author))
            return FieldIndex("", tokens)
        text = {"title": doc.title, "text": doc.text, "outlet": doc.outlet}.get(name, doc.language)
        text = text or ""  # tolerate None from callers that skip MatchDoc.from_article
        return FieldIndex(prepare(text), _tokenize(text))


# --------------------------------------------------------------------------- compiled nodes

Hit = tuple[str, str, int, int]  # (term display, field, first token, last token)


@dataclass(frozen=True, slots=True)
class WildPattern:
    key: str  # normalised pattern text, e.g. "чечн*"
    prefix: str | None  # set when the pattern is "literal*"
    regex: re.Pattern[str]


class Node:
    __slots__ = ()

    def test(self, doc: TokenizedDoc) -> bool:
        raise NotImplementedError

    def hits(self, doc: TokenizedDoc, out: list[Hit]) -> bool:
        """Like :meth:`test`, and when true append the positive leaf hits to ``out``."""
        raise NotImplementedError


class AndNode(Node):
    __slots__ = ("children",)

    def __init__(self, children: list[Node]) -> None:
        self.children = children

    def test(self, doc: TokenizedDoc) -> bool:
        return all(child.test(doc) for child in self.children)

    def hits(self, doc: TokenizedDoc, out: list[Hit]) -> bool:
        found: list[Hit] = []
        for child in self.children:
            if not child.hits(doc, found):
                return False
        out.extend(found)
        return True


class OrNode(Node):
    __slots__ = ("children",)

    def __init__(self, children: list[Node]) -> None:
        self.children = children

    def test(self, doc: TokenizedDoc) -> bool:
        return any(child.test(doc) for child in self.children)

    def hits(self, doc: TokenizedDoc, out: list[Hit]) -> bool:
        matched = False
        for child in self.children:  # no short cut: every matching alternative is reported
            if child.hits(doc, out):
                matched = True
        return matched


class NotNode(Node):
    __slots__ = ("child",)

    def __init__(self, child: Node) -> None:
        self.child = child

    def test(self, doc: TokenizedDoc) -> bool:
        return not self.child.test(doc)

    def hits(self, doc: TokenizedDoc, out: list[Hit]) -> bool:
        return not self.child.test(doc)


Element = str | WildPattern  # one word of a leaf: a normalised token or a wildcard


class Leaf(Node):
    """A word, wildcard, phrase or proximity group searched in one or more fields."""

    __slots__ = ("fields", "elements", "slop", "display", "content")

    def __init__(
        self, fields: tuple[str, ...], elements: list[Element], slop: int | None, display: str
    ) -> None:
        self.fields = fields
        self.elements = elements
        self.slop = slop  # None: exact phrase (or single word); n: proximity
        self.display = display
        self.content = all(f in CONTENT_FIELDS for f in fields)

    def test(self, doc: TokenizedDoc) -> bool:
        if len(self.elements) == 1:
            element = self.elements[0]
            if isinstance(element, str):
                return any(element in doc.field(f).vocab for f in self.fields)
            return any(doc.field(f).expand(element) for f in self.fields)
        return any(self._first(doc.field(f)) is not None for f in self.fields)

    def _all_present(self, index: FieldIndex) -> bool:
        """Cheap vocabulary check that spares building positions for most documents."""
        vocab = index.vocab
        return all(e in vocab if isinstance(e, str) else index.expand(e) for e in self.elements)

    def hits(self, doc: TokenizedDoc, out: list[Hit]) -> bool:
        matched = False
        for f in self.fields:
            span = self._first(doc.field(f))
            if span is not None:
                matched = True
                out.append((self.display, f, span[0], span[1]))
        return matched

    def _positions(self, index: FieldIndex, element: Element) -> list[int]:
        if isinstance(element, str):
            return index.occurrences(element)
        words = index.expand(element)
        if len(words) == 1:
            return index.occurrences(words[0])
        return sorted(p for w in words for p in index.occurrences(w))

    def _first(self, index: FieldIndex) -> tuple[int, int] | None:
        """Token span of the earliest match in this field, or None."""
        if not self._all_present(index):
            return None
        if len(self.elements) == 1:
            element = self.elements[0]
            words = (element,) if isinstance(element, str) else index.expand(element)
            first = min(index.tokens.index(w) for w in words)
            return first, first
        lists = [self._positions(index, e) for e in self.elements]
        if self.slop is None:
            return _first_phrase(lists)
        return _first_window(lists, self.slop)


def _first_phrase(lists: list[list[int]]) -> tuple[int, int] | None:
    later = [set(positions) for positions in lists[1:]]
    for start in lists[0]:
        if all(start + i in s for i, s in enumerate(later, 1)):
            return start, start + len(lists) - 1
    return None


def _first_window(lists: list[list[int]], slop: int) -> tuple[int, int] | None:
    """Earliest window holding every element with at most ``slop`` other words inside."""
    k = len(lists)
    limit = slop + k - 1
    events = sorted((p, i) for i, positions in enumerate(lists) for p in positions)
    counts = [0] * k
    covered = 0
    left = 0
    for pos, elem in events:
        if counts[elem] == 0:
            covered += 1
        counts[elem] += 1
        while covered == k:
            left_pos, left_elem = events[left]
            if pos - left_pos <= limit:
                return left_pos, pos
            counts[left_elem] -= 1
            if counts[left_elem] == 0:
                covered -= 1
            left += 1
    return None


# --------------------------------------------------------------------------- compiled query


class CompiledQuery:
    """A parsed topic query.  Pickles as its source and recompiles (~1 ms) on load."""

    __slots__ = ("source", "_root", "_terms")

    def __init__(self, source: str, root: Node, terms: list[str]) -> None:
        self.source = source
        self._root = root
        self._terms = terms

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        return compile_query, (self.source,)

    def __repr__(self) -> str:
        return f"CompiledQuery({self.source!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CompiledQuery) and other.source == self.source

    def __hash__(self) -> int:
        return hash(self.source)

    def terms(self) -> list[str]:
        """Positive title/text terms as written (no field prefix), for highlighting."""
        return list(self._terms)

    def test(self, doc: MatchDoc | TokenizedDoc) -> bool:
        """Whether the document matches, without computing terms and snippet."""
        return self._root.test(_as_tokenized(doc))

    def match(self, doc: MatchDoc | TokenizedDoc, topic: str = "") -> TopicMatch | None:
        """The match of this query on ``doc`` labelled ``topic``, or None.

        ``matched_terms`` are the positive title/text terms that hit (in query order);
        metadata terms (outlet, language, author) filter but are not listed.
        """
        tokenized = _as_tokenized(doc)
        if not self._root.test(tokenized):
            return None
        found: list[Hit] = []
        self._root.hits(tokenized, found)
        content = [hit for hit in found if hit[1] in CONTENT_FIELDS]
        terms = tuple(dict.fromkeys(hit[0] for hit in content))
        return TopicMatch(topic=topic, matched_terms=terms, snippet=_snippet(tokenized, content))


def _as_tokenized(doc: MatchDoc | TokenizedDoc) -> TokenizedDoc:
    return doc if isinstance(doc, TokenizedDoc) else TokenizedDoc(doc)


def _snippet(doc: TokenizedDoc, hits: list[Hit]) -> str:
    """Text around the first text hit; the title when the hits are only there."""
    for name in CONTENT_FIELDS[::-1]:  # text first, then title
        spans = [(first, last) for _, field, first, last in hits if field == name]
        if not spans:
            continue
        first, last = min(spans)
        index = doc.field(name)
        span = token_span(index.prepared, first, last)
        if span is not None:
            return snippet_around(index.prepared, *span)
    text = doc.field("text").prepared or doc.field("title").prepared
    return snippet_around(text, 0, 0)


def match_topics(
    topics: Sequence[tuple[str, CompiledQuery]], doc: MatchDoc | TokenizedDoc
) -> list[TopicMatch]:
    """All topics matching ``doc``; the document is tokenised once for all of them."""
    tokenized = _as_tokenized(doc)
    matches = []
    for name, query in topics:
        found = query.match(tokenized, topic=name)
        if found is not None:
            matches.append(found)
    return matches


# --------------------------------------------------------------------------- compilation


def compile_query(source: str) -> CompiledQuery:
    """Parse and check a topic query; raises :class:`QueryError` with a column."""
    if not isinstance(source, str) or not source.strip():
        raise QueryError(1, "expected a search term, the query is empty")
    rewritten, columns = _rewrite_operators(source)
    try:
        parsed = _luqum_parse(rewritten)
    except (ParseError, ValueError, InvalidOperation, TypeError) as exc:
        raise _diagnose(rewritten, columns, exc) from None
    builder = _Builder(rewritten, columns)
    root = builder.build(parsed, field=None, positive=True)
    if root.test(TokenizedDoc(MatchDoc(title="", text=""))):
        raise QueryError(
            1, "expected at least one term that is not negated (this would match everything)"
        )
    return CompiledQuery(source, root, list(dict.fromkeys(builder.terms)))


def _rewrite_operators(source: str) -> tuple[str, list[int]]:
    """Turn ``&&``, ``||`` and a leading ``!`` into words luqum knows, outside quotes.

    Returns the new text and, per character of it, the column (1-based) it came from.
    """
    out: list[str] = []
    columns: list[int] = []
    i, n, quoted = 0, len(source), False
    while i < n:
        ch = source[i]
        replacement = None
        if ch == "\\" and i + 1 < n:
            out.append(source[i : i + 2])
            columns.extend((i + 1, i + 2))
            i += 2
            continue
        if ch == '"':
            quoted = not quoted
        elif not quoted:
            pair = source[i : i + 2]
            if pair in ("&&", "||"):
                replacement, width = (" AND " if pair == "&&" else " OR "), 2
            elif ch == "!" and (i == 0 or source[i - 1].isspace() or source[i - 1] in "(:+-"):
                replacement, width = " NOT ", 1
        if replacement is None:
            out.append(ch)
            columns.append(i + 1)
            i += 1
        else:
            out.append(replacement)
            columns.extend([i + 1] * len(replacement))
            i += width
    columns.append(n + 1)  # the end of the query
    return "".join(out), columns


_TOKEN_NAMES = {
    "AND_OP": "AND",
    "OR_OP": "OR",
    "NOT": "NOT",
    "PLUS": "+",
    "MINUS": "-",
    "LPAREN": "(",
    "RPAREN": ")",
    "COLUMN": ":",
    "APPROX": "~",
    "BOOST": "^",
    "TO": "TO",
}
_OPERATORS = {"AND_OP", "OR_OP", "NOT", "PLUS", "MINUS", "COLUMN"}
_RANGE_TOKENS = {"LBRACKET", "RBRACKET", "LESSTHAN", "GREATERTHAN"}


def _lex(text: str) -> list[Any]:
    lexer = _luqum_lexer.clone()
    lexer.input(text)
    tokens = []
    while (token := lexer.token()) is not None:
        tokens.append(token)
    return tokens


def _diagnose(text: str, columns: list[int], exc: Exception) -> QueryError:
    """Turn a luqum failure into a QueryError saying where and what was expected."""

    def col(pos: int) -> int:
        return columns[min(pos, len(columns) - 1)]

    message = str(exc)
    if isinstance(exc, IllegalCharacterError):
        found = re.search(r"at position (\d+)$", message)
        pos = int(found.group(1)) if found else 0
        ch = text[pos] if pos < len(text) else ""
        if ch == '"':
            return QueryError(col(pos), "unterminated quote: expected a closing '\"'")
        if ch == "'":
            return QueryError(col(pos), "use double quotes '\"' for phrases, not '''")
        if ch == "/":
            return QueryError(col(pos), "regular expressions (/.../) are not supported")
        if ch == "\\":
            return QueryError(col(pos), "expected a character after '\\'")
        return QueryError(col(pos), f"unexpected character {ch!r}")
    if not isinstance(exc, ParseSyntaxError):
        tilde = text.find("~")
        if tilde != -1:
            return QueryError(col(tilde), "expected a whole number of words after '~'")
        return QueryError(1, f"cannot parse the query ({exc})")

    try:
        tokens = _lex(text)
    except ParseError:  # pragma: no cover - the lexer already succeeded once
        return QueryError(1, message)
    opened: list[Any] = []
    for token in tokens:
        if token.type in _RANGE_TOKENS:
            return QueryError(col(token.lexpos), "ranges ([a TO b], <, >) are not supported")
        if token.type == "LPAREN":
            opened.append(token)
        elif token.type == "RPAREN":
            if not opened:
                return QueryError(col(token.lexpos), "unexpected ')' without a matching '('")
            opened.pop()
    if opened:
        return QueryError(col(opened[-1].lexpos), "expected ')' to close this '('")

    def name(i: int) -> str:
        token = tokens[i]
        if token.type == "COLUMN" and i > 0 and tokens[i - 1].type == "TERM":
            return f"{tokens[i - 1].value}:"
        return _TOKEN_NAMES.get(token.type) or str(token.value)

    found = re.search(r"at position (\d+)!?$", message)
    if found is None:  # unexpected end of the query
        last = len(tokens) - 1
        if tokens and tokens[last].type in _OPERATORS:
            return QueryError(col(len(text)), f"expected a term after '{name(last)}'")
        return QueryError(col(len(text)), "unexpected end of the query")
    pos = int(found.group(1))
    at = next((i for i, t in enumerate(tokens) if t.lexpos == pos), None)
    if at is None:  # pragma: no cover - luqum reports token positions
        return QueryError(col(pos), "unexpected text")
    here, kind = name(at), tokens[at].type
    before = tokens[at - 1].type if at > 0 else None
    if kind == "APPROX":
        return QueryError(col(pos), "'~' must follow a quoted phrase, as in \"a b\"~10")
    if kind == "BOOST":
        return QueryError(col(pos), "'^' must follow a term")
    if before in _OPERATORS:
        return QueryError(col(pos), f"expected a term after '{name(at - 1)}', found '{here}'")
    if before == "LPAREN" and kind == "RPAREN":
        return QueryError(col(pos), "expected a term inside '( )'")
    if kind in ("AND_OP", "OR_OP"):
        return QueryError(col(pos), f"expected a term before '{here}'")
    if kind == "COLUMN":
        return QueryError(col(pos), "expected a field name before ':'")
    return QueryError(col(pos), f"unexpected '{here}'")


_TERM_PIECE_RE = re.compile(r"(?:\w|[*?])+")
_PHRASE_PIECE_RE = re.compile(r"\w+\*?")
_ESCAPE_RE = re.compile(r"\\(.)", re.DOTALL)


class _Builder:
    """Translates luqum's tree into matcher nodes, collecting positive terms on the way."""

    def __init__(self, text: str, columns: list[int]) -> None:
        self.text = text
        self.columns = columns
        self.terms: list[str] = []

    def column(self, item: lq.Item) -> int:
        pos = item.pos or 0
        return self.columns[min(pos, len(self.columns) - 1)]

    def error(self, item: lq.Item, message: str) -> QueryError:
        return QueryError(self.column(item), message)

    def build(self, item: lq.Item, field: str | None, positive: bool) -> Node:
        if isinstance(item, lq.AndOperation | lq.UnknownOperation):
            return AndNode(self._flatten(item, AndNode, field, positive))
        if isinstance(item, lq.OrOperation):
            return OrNode(self._flatten(item, OrNode, field, positive))
        if isinstance(item, lq.Not | lq.Prohibit):
            return NotNode(self.build(item.a, field, positive=False))
        if isinstance(item, lq.Plus):
            return self.build(item.a, field, positive)
        if isinstance(item, lq.BaseGroup):  # Group and FieldGroup
            return self.build(item.expr, field, positive)
        if isinstance(item, lq.Boost):
            return self.build(item.expr, field, positive)
        if isinstance(item, lq.SearchField):
            return self._field(item, field, positive)
        if isinstance(item, lq.Proximity):
            return self._proximity(item, field, positive)
        if isinstance(item, lq.Fuzzy):
            raise self.error(
                item, 'fuzzy search (word~) is not supported; for proximity quote: "a b"~10'
            )
        if isinstance(item, lq.Phrase):
            return self._leaf(item, field, positive, self._phrase_elements(item), None)
        if isinstance(item, lq.Regex):
            raise self.error(item, "regular expressions (/.../) are not supported")
        if isinstance(item, lq.Range | lq.From | lq.To):
            raise self.error(item, "ranges ([a TO b], <, >) are not supported")
        if isinstance(item, lq.Word):
            return self._leaf(item, field, positive, self._word_elements(item), None)
        raise self.error(item, f"unsupported syntax {str(item)!r}")

    def _flatten(
        self, item: lq.BaseOperation, kind: type[Node], field: str | None, positive: bool
    ) -> list[Node]:
        children = []
        for operand in item.operands:
            node = self.build(operand, field, positive)
            if type(node) is kind:
                children.extend(node.children)  # type: ignore[attr-defined]  # luqum's node classes are untyped; only operations reach here
            else:
                children.append(node)
        return children

    def _field(self, item: lq.SearchField, field: str | None, positive: bool) -> Node:
        name = _FIELD_ALIASES.get(item.name.lower(), item.name.lower())
        if name not in FIELDS:
            raise self.error(
                item,
                f"unknown field '{item.name}:', expected one of "
                + ", ".join(f"{f}:" for f in FIELDS)
                + " (quote the text to search for a ':')",
            )
        if field is not None:
            raise self.error(item, f"field '{item.name}:' inside '{field}:'")
        return self.build(item.expr, name, positive)

    def _proximity(self, item: lq.Proximity, field: str | None, positive: bool) -> Node:
        if getattr(item, "_implicit_degree", False):
            raise self.error(item, "expected a number of words after '~', as in \"a b\"~10")
        if not isinstance(item.term, lq.Phrase):  # pragma: no cover - grammar forbids it
            raise self.error(item, "'~' must follow a quoted phrase")
        elements = self._phrase_elements(item.term)
        return self._leaf(item, field, positive, elements, int(item.degree))

    def _leaf(
        self,
        item: lq.Item,
        field: str | None,
        positive: bool,
        elements: list[Element],
        slop: int | None,
    ) -> Node:
        display = self.text[item.pos : item.pos + item.size] if item.pos is not None else str(item)
        fields = CONTENT_FIELDS if field is None else (field,)
        if positive and field in (None, *CONTENT_FIELDS):
            self.terms.append(display)
        return Leaf(fields, elements, slop, display)

    def _word_elements(self, item: lq.Word) -> list[Element]:
        raw = item.value
        lowered = raw.lower()
        if lowered in _OPERATOR_WORDS and raw != raw.upper():
            op = _OPERATOR_WORDS[lowered]
            raise self.error(
                item, f"write the operator as '{op}' in capitals, or quote \"{raw}\" to search it"
            )
        # an escaped wildcard is literal punctuation, i.e. a word break
        text = _ESCAPE_RE.sub(lambda m: " " if m.group(1) in "*?" else m.group(1), raw)
        elements: list[Element] = []
        for piece in _TERM_PIECE_RE.findall(prepare(text)):
            if "*" in piece or "?" in piece:
                elements.append(self._wildcard(item, piece))
            else:
                word = normalize_word(piece)
                if word:
                    elements.append(word)
        if not elements:
            raise self.error(item, f"expected letters or digits in '{raw}'")
        return elements

    def _phrase_elements(self, item: lq.Phrase) -> list[Element]:
        inner = _ESCAPE_RE.sub(r"\1", item.value[1:-1])
        elements: list[Element] = []
        for piece in _PHRASE_PIECE_RE.findall(prepare(inner)):
            if piece.endswith("*"):
                elements.append(self._wildcard(item, piece))
            else:
                word = normalize_word(piece)
                if word:
                    elements.append(word)
        if not elements:
            raise self.error(item, "expected words inside the quotes")
        return elements

    def _wildcard(self, item: lq.Item, piece: str) -> WildPattern:
        parts = re.split(r"([*?])", piece)
        literal = [normalize_word(p) for p in parts[::2]]
        if not any(literal):
            raise self.error(item, f"expected letters before or after the wildcard in '{piece}'")
        key_parts: list[str] = []
        regex_parts: list[str] = []
        for i, part in enumerate(parts):
            if i % 2:
                key_parts.append(part)
                regex_parts.append(".*" if part == "*" else ".")
            else:
                key_parts.append(literal[i // 2])
                regex_parts.append(re.escape(literal[i // 2]))
        key = "".join(key_parts)
        prefix = None
        if key.endswith("*") and "*" not in key[:-1] and "?" not in key:
            prefix = key[:-1]
        return WildPattern(key=key, prefix=prefix, regex=re.compile("".join(regex_parts)))


def compile_topics(topics: Iterable[tuple[str, str]]) -> list[tuple[str, CompiledQuery]]:
    """Compile ``(name, query)`` pairs, naming the topic in any error."""
    compiled = []
    for name, source in topics:
        try:
            compiled.append((name, compile_query(source)))
        except QueryError as exc:
            raise QueryError(exc.column, f"topic {name!r}: {exc.detail}") from None
    return compiled
