"""Topic queries: a Lucene-like boolean language, compiled once and matched in Python.

Syntax (parsed by luqum, so it is Lucene's):

* ``AND`` / ``&&``, ``OR`` / ``||``, ``NOT`` / ``!`` / ``-term``; ``+term`` is the plain term.
  Operators must be written in capitals; a lowercase ``and``/``or``/``not`` is rejected
  because it almost always means the operator (quote it to search the word).
* Adjacent terms are joined by **AND** (``chechnya gay`` = ``chechnya AND gay``), unlike
  Media Cloud's OR default: a monitoring topic should narrow, not widen.  Precedence:
  NOT > AND > OR > implicit AND, so ``a b OR c`` is ``a AND (b OR c)``; use parentheses.
* A term matches its word forms: document words and query terms are compared by lemma in
  the document's language (:mod:`pipeline.wordforms`), so ``геи`` finds геев and
  ``detain`` finds detained. ``=term`` and ``="a phrase"`` match the form as written only.
* A capitalised term is a name: it also matches words of the other script (Latin <->
  Cyrillic) whose transliteration skeleton is its own (:mod:`pipeline.translit`), so
  ``Kadyrov`` finds Кадырову.
* ``"exact phrase"``: the words in order (each in any form), whatever punctuation or line
  breaks lie between.
* ``"amnesty chechnya"~10``: all words, in any order, with at most 10 other words between.
* Wildcards inside a word: ``gay*``, ``чечн*``, ``wom?n``, matched on the word as written
  and on its lemma (``гей*`` finds геях).  A trailing ``*`` also works on the words of a
  phrase (``"чечн* геи"``).
* Fields: ``title:``, ``text:``, ``outlet:``, ``language:``, ``author:``.  Unfielded terms
  search the title OR the text (a phrase never spans the two).
* Case, accents and ё/е are ignored on both sides (see :mod:`pipeline.textnorm`).
* Not supported, rejected with a message: ranges, regexes, fuzzy ``word~``.  Boosts
  ``^2`` are accepted and ignored (there is no scoring).

Matching never touches SQL: a document is tokenised once per field (:class:`TokenizedDoc`),
shared by all topics, and the compiled tree is evaluated against token sets; positions are
only built when a phrase, proximity, snippet or the matched forms need them. A match lists
each hit's words as written and their lemmas (:class:`~pipeline.items.MatchedForm`).
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

from pipeline.items import MatchedForm, TopicMatch
from pipeline.textnorm import (
    collapse_whitespace,
    normalize_word,
    prepare,
    snippet_around,
    token_span,
)
from pipeline.textnorm import tokenize as _tokenize
from pipeline.translit import name_key
from pipeline.wordforms import Lexicon, language_of, lemma, lexicon, script_of

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
_CODE_FIELDS = ("outlet", "language")
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
    """One field of one document: tokens, vocabulary, and lazily lemmas and positions.

    Word forms are looked up through the per-process :class:`~pipeline.wordforms.Lexicon`
    of the document's language: the vocabulary is learned once, then each term costs a set
    intersection. Positions are built per token only when a phrase, proximity or the
    matched-forms list needs them.
    """

    __slots__ = (
        "prepared", "tokens", "vocab", "language", "_positions", "_sorted", "_expansions",
        "_generation", "_lemmas", "_lex",
    )  # fmt: skip

    def __init__(self, prepared: str, tokens: list[str], language: str = "") -> None:
        self.prepared = prepared
        self.tokens = tokens
        self.vocab = set(tokens)
        self.vocab.discard("")
        self.language = language
        self._positions: dict[str, list[int]] = {}
        self._sorted: list[str] | None = None
        self._expansions: dict[str, tuple[str, ...]] = {}
        self._generation = -1
        self._lemmas: list[str] | None = None
        self._lex: Lexicon | None = None

    def occurrences(self, token: str) -> list[int]:
        """Sorted positions of ``token``; built per token on demand (most never are needed)."""
        found = self._positions.get(token)
        if found is None:
            found = self._positions[token] = _indexes(self.tokens, token)
        return found

    def lexicon(self) -> Lexicon:
        """The language's lexicon, with this field's vocabulary learned."""
        lex = self._lex
        if lex is None:
            lex = self._lex = lexicon(self.language)
        if self._generation != lex.generation:  # not learned yet, or the memo was emptied
            self._generation = lex.learn(self.vocab)
        return lex

    def forms_of(self, word_lemma: str) -> list[str]:
        """Vocabulary words whose lemma is ``word_lemma``."""
        words = self.lexicon().words_of.get(word_lemma)
        if not words or self.vocab.isdisjoint(words):
            return []
        return [w for w in words if w in self.vocab]

    def lemmas(self) -> list[str]:
        """The lemma of every token, aligned with :attr:`tokens` (placeholders stay "")."""
        if self._lemmas is None:
            lemma_of = self.lexicon().lemma_of
            self._lemmas = [lemma_of.get(t, t) for t in self.tokens]
        return self._lemmas

    def named(self, script: str, key: str) -> list[str]:
        """Vocabulary words of ``script`` whose transliteration skeleton is ``key``."""

        def same_name(word: str, root: str) -> bool:
            # Cyrillic names are compared by lemma (Кадырову -> кадыров), Latin as written
            return script_of(word) == script and name_key(root if script == "cyrl" else word) == key

        found = self.lexicon().select(f"name {script} {key}", same_name)
        return list(self.vocab.intersection(found)) if found else []

    def expand(self, pattern: WildPattern) -> tuple[str, ...]:
        """Vocabulary words whose folded form or lemma matches a wildcard pattern.

        Cached because topics share patterns. The lemma side makes ``"rights group*"``
        and ``гей*`` (геях -> гей) work on normalised tokens as well as on words as written.
        """
        found = self._expansions.get(pattern.key)
        if found is not None:
            return found
        if pattern.prefix is not None:
            if self._sorted is None:
                self._sorted = sorted(self.vocab)
            hits = _with_prefix(self._sorted, pattern.prefix)
        else:
            fullmatch = pattern.regex.fullmatch
            hits = [w for w in self.vocab if fullmatch(w)]
        if not pattern.exact:
            # words that only the lemma side adds (геях for гей*): usually none at all
            by_lemma = self.lexicon().select(pattern.lemma_key, pattern.adds_by_lemma)
            if by_lemma and not self.vocab.isdisjoint(by_lemma):
                hits = sorted({*hits, *self.vocab.intersection(by_lemma)})
        found = self._expansions[pattern.key] = tuple(hits)
        return found


def _with_prefix(words: list[str], prefix: str) -> list[str]:
    """The words of a sorted list that start with ``prefix`` (a bisect, not a scan)."""
    i = bisect_left(words, prefix)
    hits = []
    while i < len(words) and words[i].startswith(prefix):
        hits.append(words[i])
        i += 1
    return hits


def _indexes(tokens: list[str], token: str) -> list[int]:
    found = []
    find = tokens.index  # C-speed scans beat a Python loop over all tokens
    i = -1
    try:
        while True:
            i = find(token, i + 1)
            found.append(i)
    except ValueError:
        pass
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
            return FieldIndex("", tokens, doc.language or "")
        text = {"title": doc.title, "text": doc.text, "outlet": doc.outlet}.get(name, doc.language)
        text = text or ""  # tolerate None from callers that skip MatchDoc.from_article
        return FieldIndex(prepare(text), _tokenize(text), doc.language or "")


# --------------------------------------------------------------------------- compiled nodes

Hit = tuple[str, str, int, int]  # (term display, field, first token, last token)


@dataclass(frozen=True, slots=True)
class WildPattern:
    key: str  # normalised pattern text, e.g. "чечн*"
    prefix: str | None  # set when the pattern is "literal*"
    regex: re.Pattern[str]
    exact: bool = False  # =gay*: the words as written only, not their lemmas
    lemma_key: str = ""  # names this pattern's selection in a Lexicon

    def matches(self, word: str) -> bool:
        if self.prefix is not None:
            return word.startswith(self.prefix)
        return self.regex.fullmatch(word) is not None

    def adds_by_lemma(self, word: str, root: str) -> bool:
        """Whether ``word`` matches only through its lemma ``root``."""
        return root != word and self.matches(root) and not self.matches(word)


class Form:
    """A word matched by its lemma in the document's language (the default for a term).

    ``name`` (a capitalised term) also matches words of the other script whose
    transliteration skeleton is the term's (Kadyrov / Кадырову, Грозный / Grozny).
    """

    __slots__ = ("word", "script", "name", "_lemmas", "_key")

    def __init__(self, word: str, name: bool) -> None:
        self.word = word  # folded as a token
        self.script = script_of(word)
        self.name = name and self.script in _NAME_SCRIPTS
        self._lemmas: dict[str, str] = {}
        self._key: str | None = None

    def lemma(self, language: str) -> str:
        found = self._lemmas.get(language)
        if found is None:
            found = self._lemmas[language] = lemma(self.word, language_of(self.word, language))
        return found

    def key(self) -> str:
        if self._key is None:
            base = lemma(self.word, ("ru",)) if self.script == "cyrl" else self.word
            self._key = name_key(base)
        return self._key

    def other_script(self) -> str:
        return _NAME_SCRIPTS[self.script]


_NAME_SCRIPTS = {"latn": "cyrl", "cyrl": "latn"}

Element = str | WildPattern | Form  # an exact folded token, a wildcard, or a word form


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
            return any(_present(doc.field(f), element) for f in self.fields)
        return any(self._first(doc.field(f)) is not None for f in self.fields)

    def _all_present(self, index: FieldIndex) -> bool:
        """Cheap vocabulary check that spares building positions for most documents."""
        return all(_present(index, e) for e in self.elements)

    def hits(self, doc: TokenizedDoc, out: list[Hit]) -> bool:
        matched = False
        for f in self.fields:
            span = self._first(doc.field(f))
            if span is not None:
                matched = True
                out.append((self.display, f, span[0], span[1]))
        return matched

    def _first(self, index: FieldIndex) -> tuple[int, int] | None:
        """Token span of the earliest match in this field, or None."""
        if not self._all_present(index):
            return None
        lists = [_positions(index, e) for e in self.elements]
        if len(lists) == 1:
            return (lists[0][0], lists[0][0]) if lists[0] else None
        if self.slop is None:
            return _first_phrase(lists)
        return _first_window(lists, self.slop)


def _present(index: FieldIndex, element: Element) -> bool:
    vocab = index.vocab
    if isinstance(element, str):
        return element in vocab
    if isinstance(element, Form):
        if element.word in vocab:  # the same word has the same lemma: no lookup needed
            return True
        if index.forms_of(element.lemma(index.language)):
            return True
        return element.name and bool(index.named(element.other_script(), element.key()))
    return bool(index.expand(element))


def _positions(index: FieldIndex, element: Element) -> list[int]:
    if isinstance(element, str):
        return index.occurrences(element)
    if isinstance(element, Form):
        words = index.forms_of(element.lemma(index.language))
        if element.name:
            words = [*words, *index.named(element.other_script(), element.key())]
        if len(words) == 1:
            return index.occurrences(words[0])
        return sorted({p for w in words for p in index.occurrences(w)})
    expanded = index.expand(element)
    if len(expanded) == 1:
        return index.occurrences(expanded[0])
    return sorted(p for w in expanded for p in index.occurrences(w))


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
        return TopicMatch(
            topic=topic,
            matched_terms=terms,
            snippet=_snippet(tokenized, content),
            matched_forms=_forms(tokenized, content),
        )


def _as_tokenized(doc: MatchDoc | TokenizedDoc) -> TokenizedDoc:
    return doc if isinstance(doc, TokenizedDoc) else TokenizedDoc(doc)


_FORM_WORDS = 8  # a longer hit (a proximity window) is shown as its first and last word


def _forms(doc: TokenizedDoc, hits: list[Hit]) -> tuple[MatchedForm, ...]:
    """What each hit looked like in the article and what it was matched as.

    One entry per term and distinct surface form (the title's and the text's may differ).
    """
    forms: dict[tuple[str, str], MatchedForm] = {}
    for term, field, first, last in hits:
        index = doc.field(field)
        lemmas = index.lemmas()
        if last - first < _FORM_WORDS:
            span = token_span(index.prepared, first, last)
            surface = collapse_whitespace(index.prepared[span[0] : span[1]]) if span else ""
            normal = " ".join(w for w in lemmas[first : last + 1] if w)
        else:
            ends = [token_span(index.prepared, i) for i in (first, last)]
            surface = " … ".join(index.prepared[a:b] for a, b in filter(None, ends))
            normal = f"{lemmas[first]} … {lemmas[last]}"
        forms.setdefault((term, surface.casefold()), MatchedForm(term, surface, normal))
    return tuple(forms.values())


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
    builder = _Builder(rewritten, columns, source)
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
        elif not quoted and ch == "=" and source[i + 1 : i + 2] == '"':
            # ="exact phrase" -> "=exact phrase": luqum keeps the marker inside the phrase
            out.append('"=')
            columns.extend((i + 1, i + 2))
            quoted = True
            i += 2
            continue
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

    def __init__(self, text: str, columns: list[int], source: str) -> None:
        self.text = text
        self.source = source
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
                children.extend(node.children)  # type: ignore[attr-defined]
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
        if item.pos is None:  # pragma: no cover - luqum sets positions on parsed items
            display = str(item)
        else:  # as the user wrote it (columns map the rewritten text back to the source)
            first = self.columns[item.pos] - 1
            last = self.columns[min(item.pos + item.size, len(self.columns)) - 1]
            display = self.source[first:last]
        fields = CONTENT_FIELDS if field is None else (field,)
        if field in _CODE_FIELDS:  # outlet slugs and language codes are codes, not words
            elements = [e.word if isinstance(e, Form) else e for e in elements]
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
        exact = raw.startswith("=")
        # an escaped wildcard is literal punctuation, i.e. a word break
        text = _ESCAPE_RE.sub(lambda m: " " if m.group(1) in "*?" else m.group(1), raw[exact:])
        elements: list[Element] = []
        for piece in _TERM_PIECE_RE.findall(prepare(text)):
            if "*" in piece or "?" in piece:
                elements.append(self._wildcard(item, piece, exact))
            else:
                elements.extend(_word_element(piece, exact))
        if not elements:
            raise self.error(item, f"expected letters or digits in '{raw}'")
        return elements

    def _phrase_elements(self, item: lq.Phrase) -> list[Element]:
        inner = _ESCAPE_RE.sub(r"\1", item.value[1:-1])
        exact = inner.startswith("=")  # ="..." (moved inside the quotes by _rewrite_operators)
        elements: list[Element] = []
        for piece in _PHRASE_PIECE_RE.findall(prepare(inner[exact:])):
            if piece.endswith("*"):
                elements.append(self._wildcard(item, piece, exact))
            else:
                elements.extend(_word_element(piece, exact))
        if not elements:
            raise self.error(item, "expected words inside the quotes")
        return elements

    def _wildcard(self, item: lq.Item, piece: str, exact: bool = False) -> WildPattern:
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
        return WildPattern(
            key=("=" if exact else "") + key,
            prefix=prefix,
            regex=re.compile("".join(regex_parts)),
            exact=exact,
            lemma_key="wild " + key,
        )


def _word_element(piece: str, exact: bool) -> list[Element]:
    """An exact folded token for ``=word``, else a word form; capitalised words are names."""
    word = normalize_word(piece)
    if not word:
        return []
    if exact:
        return [word]
    return [Form(word, name=piece[:1].isupper())]


def compile_topics(topics: Iterable[tuple[str, str]]) -> list[tuple[str, CompiledQuery]]:
    """Compile ``(name, query)`` pairs, naming the topic in any error."""
    compiled = []
    for name, source in topics:
        try:
            compiled.append((name, compile_query(source)))
        except QueryError as exc:
            raise QueryError(exc.column, f"topic {name!r}: {exc.detail}") from None
    return compiled
