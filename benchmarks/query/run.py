"""Topic matching with word forms: lemmatiser accuracy and speed, matching cost, rematch.

    python benchmarks/query/run.py                    # 100k synthetic articles
    python benchmarks/query/run.py --articles 5000    # quick
    python benchmarks/query/run.py --articles 0       # no rematch
    python benchmarks/query/run.py --rematch-only     # only the rematch

1. Lemmatisers on hand-labelled English and Russian word groups (forms that must meet their
   lemma; pairs of different words that must not meet): simplemma, pymorphy3, Snowball
   (PyStemmer), and what pipeline.wordforms uses (simplemma, pymorphy3 for unknown Russian).
2. ms of matching per article with 20 topics, on the demo newsroom's articles.
3. ``topics rematch`` over a synthetic warehouse (benchmarks/warehouse/synth.py), the code of
   ``--baseline`` (git, before word forms) and this checkout, side by side in one run, each in
   a fresh process.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks" / "warehouse"))

# inflected forms -> lemma (news vocabulary); and pairs that must stay apart
EN_GROUPS = {
    "detain": ["detained", "detains", "detaining"], "arrest": ["arrested", "arrests"],
    "abduct": ["abducted", "abducting", "abducts"], "group": ["groups"], "right": ["rights"],
    "man": ["men"], "woman": ["women"], "say": ["said", "says"], "go": ["went", "goes"],
    "kill": ["killed", "killings"], "report": ["reported", "reports"], "gay": ["gays"],
    "activist": ["activists"], "flee": ["fled", "fleeing"], "deny": ["denied", "denies"],
    "investigation": ["investigations"], "official": ["officials"], "victim": ["victims"],
    "survivor": ["survivors"], "child": ["children"], "country": ["countries"],
}  # fmt: skip
RU_GROUPS = {
    "гей": ["геи", "геев", "геям", "геями", "геях", "гея"],
    "задержать": ["задержан", "задержаны", "задержали", "задержала"],
    "чечня": ["чечне", "чечни", "чечню"], "кадыров": ["кадырова", "кадырову", "кадыровым"],
    "грозный": ["грозном", "грозного"], "правозащитник": ["правозащитники", "правозащитников"],
    "похищение": ["похищения", "похищений", "похищениях"], "человек": ["люди", "людей"],
    "группа": ["группы", "группой"], "убить": ["убиты", "убили"],
    "расследование": ["расследования", "расследованию"], "мужчина": ["мужчин", "мужчины"],
    "сообщение": ["сообщения", "сообщениях"], "пострадавший": ["пострадавшие", "пострадавших"],
    "власть": ["власти", "властей"], "милашина": ["милашиной"], "навальный": ["навального"],
}  # fmt: skip
APART = [
    ("en", "gay", "gaze"), ("en", "news", "new"), ("en", "university", "universe"),
    ("en", "police", "policy"), ("en", "general", "generous"), ("en", "organ", "organization"),
    ("ru", "гей", "ген"), ("ru", "новость", "новый"), ("ru", "стать", "сталь"),
    ("ru", "мир", "мирный"), ("ru", "власть", "властный"), ("ru", "группа", "групповой"),
]  # fmt: skip


def lemmatisers() -> dict[str, dict]:
    import pymorphy3
    import simplemma
    import Stemmer

    from pipeline.wordforms import lemma

    morph = pymorphy3.MorphAnalyzer()
    stem = {"en": Stemmer.Stemmer("english"), "ru": Stemmer.Stemmer("russian")}
    return {
        "simplemma": {
            "en": lambda w: simplemma.lemmatize(w, "en", low_memory=True),
            "ru": lambda w: simplemma.lemmatize(w, "ru", low_memory=True),
        },
        "pymorphy3": {"ru": lambda w: morph.parse(w)[0].normal_form.replace("ё", "е")},
        "snowball": {"en": stem["en"].stemWord, "ru": stem["ru"].stemWord},
        "mediawatch": {"en": lambda w: lemma(w, ("en",)), "ru": lambda w: lemma(w, ("ru",))},
    }


def accuracy() -> list[str]:
    lines = ["| normaliser | lang | forms meeting their lemma | different words kept apart | µs CPU/new word |",
             "|---|---|---|---|---|"]  # fmt: skip
    for k, (name, by_lang) in enumerate(lemmatisers().items()):
        for lang, fn in by_lang.items():
            fn("warm" if lang == "en" else "прогрев")  # loads the dictionary
            groups = EN_GROUPS if lang == "en" else RU_GROUPS
            forms = [(lemma_, f) for lemma_, fs in groups.items() for f in fs]
            met = sum(fn(f) == fn(lemma_) for lemma_, f in forms)
            pairs = [(a, b) for ln, a, b in APART if ln == lang]
            apart = sum(fn(a) != fn(b) for a, b in pairs)
            # words no normaliser has seen (no cache helps), built from real stems
            stems = list(groups) * 20
            digits = str.maketrans("0123456789", "bcdfghklmn" if lang == "en" else "бвгджзклмн")
            words = [f"{s}{'bcdfgklmnp'[k]}{i}".translate(digits) for i, s in enumerate(stems)]
            started = time.process_time()  # CPU time: the machine may be shared
            for w in words:
                fn(w)
            per = (time.process_time() - started) / len(words) * 1e6
            lines.append(
                f"| {name} | {lang} | {met}/{len(forms)} | {apart}/{len(pairs)} | {per:.0f} |"
            )
    return lines


LOADS = {
    "pymorphy3 (ru)": "import pymorphy3; pymorphy3.MorphAnalyzer().parse('геев')",
    "simplemma low-memory (ru)": "import simplemma; simplemma.lemmatize('геев', 'ru', low_memory=True)",
    "simplemma fast data (ru)": "import simplemma; simplemma.lemmatize('геев', 'ru')",
    "simplemma low-memory (en)": "import simplemma; simplemma.lemmatize('gays', 'en', low_memory=True)",
}
LOAD = """
import resource, time
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started = time.perf_counter()
{code}
print(time.perf_counter() - started, (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024)
"""


def load_costs() -> list[str]:
    """Seconds and MB of peak memory to load each dictionary, in a fresh process."""
    lines = ["| dictionary | load s | + MB |", "|---|---|---|"]
    for name, code in LOADS.items():
        out = subprocess.run(
            [sys.executable, "-c", LOAD.format(code=code)],
            check=True,
            capture_output=True,
            text=True,
        )
        seconds, mb = out.stdout.split()
        lines.append(f"| {name} | {float(seconds):.2f} | {float(mb):.0f} |")
    return lines


TOPICS20 = [
    "(chechnya OR chechen* OR чечня OR чеченский OR Kadyrov) AND (gay OR lgbt* OR гей OR лгбт*)",
    '"rights group" OR правозащитник', "detain* OR задержать", "Grozny", "Грозный AND суд",
    '"human rights"~3', "election* AND fraud", "inflation NOT football", "title:sanctions",
    "weather OR погода", '"climate change" OR warming', "police AND protest", "суд AND приговор",
    "court OR суд", "economy OR экономика", "football OR футбол", "=геев", "Moscow OR Москва",
    "investigation OR расследование", "report* AND amnesty",
]  # fmt: skip


PER_ARTICLE = """
import sys, time
sys.path.insert(0, {src!r})
from mediawatch.newsroom import build_newsroom
from pipeline.query import MatchDoc, compile_topics, match_topics
docs = [MatchDoc(a.title, a.text, "", a.language) for a in build_newsroom(seed=7, n_articles={n}).articles]
topics = compile_topics((f"t{{i}}", q) for i, q in enumerate({queries!r}))
started = time.process_time()
for d in docs:
    match_topics(topics, d)
cold = (time.process_time() - started) / len(docs) * 1000
started = time.process_time()
for _ in range(3):
    for d in docs:
        match_topics(topics, d)
print(f"{{cold}} {{(time.process_time() - started) / (3 * len(docs)) * 1000}}")
"""


def per_article(src: Path, queries: list[str], n: int) -> tuple[float, float]:
    """CPU ms per article for all ``queries``: first pass (new words) and warm, fresh process."""
    code = PER_ARTICLE.format(src=str(src), n=n, queries=queries)
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    cold, warm = out.stdout.strip().splitlines()[-1].split()
    return float(cold), float(warm)


def _exact(query: str) -> str:
    import re

    return re.sub(r'(?<![\w:=*"~])(?=[\w"])(?!AND\b|OR\b|NOT\b|\w+:)', "=", query)


REMATCH = """
import sys, time
sys.path.insert(0, {src!r})
from pipeline.rematch import rematch_topic
from warehouse.connection import opened
from pathlib import Path
with opened(Path({db!r})) as con:
    started = time.perf_counter()
    res = rematch_topic(con, "chechnya", {query!r}, workers={workers})
    print(f"{{time.perf_counter() - started:.2f}} {{res.matched}}")
"""


def rematch(db: str, src: Path, query: str, workers: int) -> tuple[float, int]:
    code = REMATCH.format(src=str(src), db=db, query=query, workers=workers)
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    seconds, matched = out.stdout.strip().splitlines()[-1].split()
    return float(seconds), int(matched)


def baseline_tree(rev: str, into: Path) -> Path:
    data = subprocess.run(
        ["git", "-C", str(ROOT), "archive", rev, "pipeline", "warehouse", "mediawatch"],
        check=True, capture_output=True,
    ).stdout  # fmt: skip
    with tarfile.open(fileobj=BytesIO(data)) as tar:
        tar.extractall(into, filter="data")
    return into


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--baseline", default="90fc9fb", help="git revision before word forms")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rematch-only", action="store_true")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="tiny sizes, for the smoke test")
    args = parser.parse_args()
    if args.quick:
        args.articles, args.rounds = 2000, 1

    if not args.rematch_only:
        print("\n".join(accuracy()))
        print()
        print("\n".join(load_costs()))

    from synth import TOPICS, SynthSpec, generate

    from warehouse.connection import opened
    from warehouse.migrate import migrate

    with tempfile.TemporaryDirectory() as tmp:
        old_src = baseline_tree(args.baseline, Path(tmp) / "old")
        if not args.rematch_only:
            n = 60 if args.quick else 360
            print(f"\nmatching, 20 topics, {n} demo-newsroom articles, CPU ms/article"
                  " (first pass: every word new to the process / warm):")  # fmt: skip
            exact = [_exact(q) for q in TOPICS20]
            for label, src, queries in (
                ("baseline code", old_src, TOPICS20),
                ("word forms code", ROOT, TOPICS20),
                ("word forms code, every term =exact", ROOT, exact),
            ):
                cold, warm = per_article(src, queries, n)
                print(f"  {label}: {cold:.2f} / {warm:.2f}")
        if args.articles == 0:
            return
        db = str(Path(tmp) / "w.duckdb")
        with opened(Path(db)) as con:
            migrate(con)
            generate(con, SynthSpec(articles=args.articles))
            con.execute("CHECKPOINT")
        query = TOPICS["chechnya"][0]
        natural_query = "(chechnya OR чечня) AND (gay OR lgbt* OR гей)"
        print(f"\ntopics rematch over {args.articles:,} synthetic articles, {args.workers} workers,"
              f" {args.rounds} rounds alternating (query {query}):")  # fmt: skip
        times: dict[str, list[float]] = {"baseline": [], "word forms": []}
        for i in range(args.rounds):
            for label, src in (("baseline", old_src), ("word forms", ROOT)):
                seconds, matched = rematch(db, src, query, args.workers)
                times[label].append(seconds)
                print(f"  round {i + 1}, {label} code: {seconds:.2f} s, {matched:,} matches")
        seconds, matched = rematch(db, ROOT, natural_query, args.workers)
        print(f"  word forms code, {natural_query}: {seconds:.2f} s, {matched:,} matches")
        old, new = statistics.median(times["baseline"]), statistics.median(times["word forms"])
        print(f"  median: baseline {old:.2f} s, word forms {new:.2f} s, ratio {new / old:.2f}")


if __name__ == "__main__":
    main()
