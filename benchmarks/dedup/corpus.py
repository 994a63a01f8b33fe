"""A deterministic, labelled corpus of article-like texts for the dedup benchmark and tests.

Every article belongs to a *story* (its label). A story is one original text plus its
republished copies: new headline, the source's boilerplate removed, the republisher's
own boilerplate added, often truncated to 60-80 %, tags reordered. Events have several
distinct stories that share names, places and numbers but not sentences; those must not
merge. Every wire original carries the same credit paragraph, every outlet its footer,
and some stories are short briefs where boilerplate is a large share of the text.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import cast

EN = {
    "first": [
        "James",
        "Maria",
        "Robert",
        "Linda",
        "Michael",
        "Sarah",
        "David",
        "Emma",
        "Daniel",
        "Olivia",
        "Thomas",
        "Grace",
        "Samuel",
        "Chloe",
        "Henry",
        "Alice",
        "Oliver",
        "Hannah",
        "Jack",
        "Laura",
        "Adam",
        "Nora",
        "Victor",
        "Helen",
        "Peter",
        "Irene",
        "Lucas",
        "Clara",
        "Martin",
        "Rosa",
        "Felix",
        "Ada",
        "Hugo",
        "Vera",
        "Ethan",
        "Mila",
        "Owen",
        "Zoe",
        "Ivan",
        "Leah",
    ],
    "last": [
        "Smith",
        "Johnson",
        "Okafor",
        "Nakamura",
        "Garcia",
        "Müller",
        "Rossi",
        "Kowalski",
        "Dubois",
        "Silva",
        "Chen",
        "Patel",
        "Novak",
        "Jensen",
        "Haddad",
        "Moreau",
        "Larsen",
        "Costa",
        "Brennan",
        "Fischer",
        "Ahmed",
        "Petrov",
        "Varga",
        "Lindqvist",
        "Mendes",
        "Tanaka",
        "Oyelaran",
        "Kaplan",
        "Horvat",
        "Quinn",
        "Bianchi",
        "Ferreira",
        "Walsh",
        "Ortiz",
    ],
    "place": [
        "Lisbon",
        "Nairobi",
        "Osaka",
        "Tbilisi",
        "Quito",
        "Tallinn",
        "Lagos",
        "Perth",
        "Bergen",
        "Seville",
        "Antwerp",
        "Gdansk",
        "Manila",
        "Dakar",
        "Cusco",
        "Riga",
        "Porto",
        "Graz",
        "Hanoi",
        "Tampere",
        "Leeds",
        "Lyon",
        "Turin",
        "Busan",
        "Hobart",
        "Zagreb",
        "Accra",
        "Bilbao",
        "Cork",
        "Malmo",
        "Dundee",
        "Ghent",
        "Basel",
        "Split",
        "Varna",
    ],
    "org": [
        "the central bank",
        "the port authority",
        "the health ministry",
        "the city council",
        "the national railway",
        "the energy regulator",
        "the teachers union",
        "the football federation",
        "the water utility",
        "the space agency",
        "the election commission",
        "the chamber of commerce",
        "the supreme court",
        "the airline",
        "the parliament",
        "the fire service",
        "the weather office",
        "the university hospital",
        "the transport workers union",
        "the customs service",
    ],
    "thing": [
        "budget plan",
        "new bridge",
        "rail strike",
        "flood defences",
        "fuel prices",
        "school reform",
        "vaccine rollout",
        "housing project",
        "tax increase",
        "wind farm",
        "trade deal",
        "pension reform",
        "metro extension",
        "harbour expansion",
        "wage agreement",
        "coastal erosion",
        "power outage",
        "drought measures",
        "airport runway",
        "food prices",
    ],
    "verb": [
        "said",
        "warned",
        "confirmed",
        "announced",
        "argued",
        "insisted",
        "admitted",
        "suggested",
        "stressed",
        "denied",
        "claimed",
        "noted",
        "explained",
        "predicted",
        "estimated",
    ],
    "adj": [
        "sharp",
        "modest",
        "unexpected",
        "long-awaited",
        "controversial",
        "temporary",
        "significant",
        "gradual",
        "record",
        "limited",
        "sweeping",
        "cautious",
        "costly",
        "urgent",
        "partial",
    ],
    "when": [
        "on Monday",
        "on Tuesday",
        "on Wednesday",
        "on Thursday",
        "on Friday",
        "at the weekend",
        "late on Sunday",
        "earlier this week",
        "last month",
        "this morning",
    ],
    "people": [
        "residents",
        "commuters",
        "farmers",
        "nurses",
        "students",
        "shop owners",
        "pensioners",
        "fishermen",
        "drivers",
        "investors",
        "teachers",
        "tourists",
    ],
}
EN_TEMPLATES = [
    "{person} {verb} {when} that {org} would review the {thing} in {place}.",
    "According to {org}, the {thing} will cost about {num} million euros over {small} years.",
    "{person}, a spokesperson for {org}, {verb} that the decision was {adj}.",
    "Local {people} in {place} {verb} they had not been consulted about the {thing}.",
    "The {adj} change follows months of talks between {org} and {org2}.",
    "{person} {verb} {when} that at least {num} {people} could be affected.",
    "Critics of the {thing} say it is {adj} and ignores the needs of {people}.",
    "In {place}, {org} has already spent {num} million on the {thing} since {year}.",
    "{person} told reporters in {place} that the {thing} was {adj} but necessary.",
    "Officials expect a {adj} increase of {small} per cent in costs for {people}.",
    "The plan was first proposed in {year} by {person}, then head of {org}.",
    "A vote on the {thing} is scheduled for {when2}, {person} {verb}.",
    "Some {people} in {place} have started a petition against the {thing}.",
    "{org} {verb} that about {num} jobs depend on the {thing}.",
    "Neither {org} nor {org2} responded to requests for comment {when}.",
    "The last time {place} faced a similar {thing} was in {year}, {person} recalled.",
    "Analysts {verb} the {adj} move could take {small} years to show results.",
    "Meanwhile, {people} from {place2} travelled to {place} to join the protest.",
    "{person} {verb} that {org2} had been warned about the risks as early as {year}.",
    "Figures published by {org} show {num} complaints from {people} this year.",
    "The mayor of {place} called the {thing} a {adj} step for the whole region.",
    "It is not yet clear how the {thing} will be financed, {person} {verb}.",
    "Under the proposal, {people} would receive up to {num} euros in compensation.",
    "{org2} has asked for a {adj} review of the {thing} before any final decision.",
]
# Inserted between words so that template sentences do not repeat whole 5-word phrases
# in every article (real prose varies its wording; a fixed template bank does not).
EN_FILLERS = [
    "also",
    "still",
    "now",
    "again",
    "reportedly",
    "already",
    "recently",
    "finally",
    "quietly",
    "openly",
    "largely",
    "partly",
    "mostly",
    "certainly",
    "clearly",
    "apparently",
    "officially",
    "initially",
    "eventually",
    "formally",
    "briefly",
    "publicly",
    "privately",
    "strongly",
    "repeatedly",
    "once",
    "locally",
    "nationally",
    "widely",
    "jointly",
]
RU_FILLERS = [
    "также",
    "уже",
    "снова",
    "всё-таки",
    "вновь",
    "официально",
    "публично",
    "ранее",
    "сейчас",
    "впервые",
    "вероятно",
    "действительно",
    "по-прежнему",
    "отчасти",
    "формально",
    "недавно",
    "окончательно",
    "лично",
    "заранее",
    "неоднократно",
    "фактически",
    "явно",
]
RU = {
    "first": [
        "Иван",
        "Мария",
        "Алексей",
        "Ольга",
        "Дмитрий",
        "Анна",
        "Сергей",
        "Елена",
        "Михаил",
        "Татьяна",
        "Андрей",
        "Наталья",
        "Павел",
        "Ирина",
        "Николай",
        "Светлана",
        "Артём",
        "Юлия",
        "Григорий",
        "Вера",
        "Степан",
        "Дарья",
        "Фёдор",
        "Ксения",
        "Борис",
        "Полина",
        "Егор",
        "Алиса",
        "Роман",
        "Зоя",
    ],
    "last": [
        "Иванов",
        "Смирнова",
        "Кузнецов",
        "Попова",
        "Соколов",
        "Лебедева",
        "Козлов",
        "Новикова",
        "Морозов",
        "Волкова",
        "Зайцев",
        "Павлова",
        "Семёнов",
        "Голубева",
        "Виноградов",
        "Богданова",
        "Воробьёв",
        "Фёдорова",
        "Медведев",
        "Ершова",
        "Никитин",
        "Соловьёва",
        "Орлов",
        "Андреева",
    ],
    "place": [
        "Казани",
        "Самаре",
        "Перми",
        "Томске",
        "Иркутске",
        "Ярославле",
        "Калининграде",
        "Владивостоке",
        "Новосибирске",
        "Екатеринбурге",
        "Твери",
        "Мурманске",
        "Архангельске",
        "Сочи",
        "Омске",
        "Барнауле",
        "Вологде",
        "Пскове",
        "Уфе",
        "Тюмени",
    ],
    "org": [
        "городская администрация",
        "министерство здравоохранения",
        "областная дума",
        "управление транспорта",
        "центральный банк",
        "энергетическая компания",
        "профсоюз учителей",
        "водоканал",
        "избирательная комиссия",
        "портовое управление",
        "налоговая служба",
        "метеорологическая служба",
        "федерация футбола",
        "прокуратура",
        "региональное правительство",
    ],
    "thing": [
        "бюджет",
        "новый мост",
        "ремонт дорог",
        "тарифы на электричество",
        "реформа школ",
        "строительство метро",
        "жилищная программа",
        "повышение налогов",
        "ветряная электростанция",
        "пенсионная реформа",
        "расширение порта",
        "отключение света",
        "цены на продукты",
        "реконструкция аэропорта",
        "программа вакцинации",
    ],
    "verb": [
        "заявил",
        "сообщил",
        "подтвердил",
        "отметил",
        "подчеркнул",
        "предупредил",
        "признал",
        "уточнил",
        "пояснил",
        "добавил",
    ],
    "adj": [
        "неожиданное",
        "спорное",
        "долгожданное",
        "временное",
        "значительное",
        "постепенное",
        "рекордное",
        "частичное",
        "осторожное",
        "срочное",
    ],
    "when": [
        "в понедельник",
        "во вторник",
        "в среду",
        "в четверг",
        "в пятницу",
        "в выходные",
        "на этой неделе",
        "в прошлом месяце",
        "сегодня утром",
    ],
    "people": [
        "жители",
        "пассажиры",
        "фермеры",
        "врачи",
        "студенты",
        "пенсионеры",
        "водители",
        "инвесторы",
        "учителя",
        "туристы",
    ],
}
RU_TEMPLATES = [
    "{person} {verb} {when}, что {org} пересмотрит решение о том, как {thing} повлияет на жизнь в {place}.",
    "По данным ведомства {org}, {thing} обойдётся примерно в {num} миллионов рублей за {small} года.",
    "Представитель ведомства {org} {person} {verb}, что это {adj} решение.",
    "Местные {people} в {place} говорят, что с ними никто не обсуждал {thing}.",
    "Это {adj} изменение последовало после долгих переговоров, в которых участвовали {org} и {org2}.",
    "{person} {verb} {when}, что затронуты могут быть не менее {num} человек.",
    "Критики считают, что {thing} — это {adj} шаг, который не учитывает интересы граждан.",
    "В {place} с {year} года на {thing} уже потратили {num} миллионов рублей.",
    "{person} {verb} журналистам в {place}, что {thing} необходим, хотя и вызывает вопросы.",
    "Голосование по вопросу {thing} назначено на {when2}, {verb} {person}.",
    "Часть жителей в {place} начала собирать подписи против проекта {thing}.",
    "Ни ведомство {org}, ни ведомство {org2} {when} не ответили на запрос о комментарии.",
    "В последний раз {place} сталкивался с подобной ситуацией в {year} году, напомнил {person}.",
    "Аналитики ожидают, что результаты станут заметны лишь через {small} года.",
    "Тем временем жители из {place2} приехали в {place}, чтобы поддержать протест.",
    "{person} {verb}, что ведомство {org2} предупреждали о рисках ещё в {year} году.",
    "Опубликованные данные показывают {num} жалоб за этот год.",
    "Мэр города назвал {thing} важным шагом для всего региона, сообщили в {place}.",
    "Пока неясно, из каких средств будет финансироваться {thing}, {verb} {person}.",
    "Согласно проекту, жители получат компенсацию до {num} рублей.",
]
WIRE_CREDIT = {
    "en": "This story was provided by the Global Wire News Service. All rights reserved. "
    "It may not be published, broadcast, rewritten or redistributed without permission.",
    "ru": "Материал предоставлен информационным агентством Глобал Ньюс. Все права защищены. "
    "Полное или частичное воспроизведение без разрешения запрещено.",
}
FOOTERS = {
    "en": [
        "Subscribe to the {outlet} newsletter to get the most important stories of the day "
        "delivered to your inbox every morning, free of charge.",
        "Have a story tip? Contact the {outlet} newsroom by e-mail or message us securely. "
        "We read every message and protect our sources.",
        "Follow {outlet} on social media for live updates, photos and video from our "
        "reporters around the region and the world.",
        "Support independent journalism: become a member of {outlet} today and read "
        "without limits on all your devices.",
    ],
    "ru": [
        "Подписывайтесь на рассылку {outlet}, чтобы каждое утро получать главные новости "
        "дня прямо на свою электронную почту.",
        "Есть новость? Напишите в редакцию {outlet}, мы читаем все сообщения и "
        "гарантируем анонимность источников.",
        "Читайте {outlet} в социальных сетях: оперативные новости, фото и видео от наших "
        "корреспондентов со всего региона.",
    ],
}
OUTLETS = [
    f"{name} {kind}"
    for name in [
        "North",
        "South",
        "East",
        "West",
        "Harbour",
        "Valley",
        "River",
        "Capital",
        "Coastal",
        "Metro",
        "Union",
        "Daily",
    ]
    for kind in ("Times", "Herald", "Post")
]


@dataclass(frozen=True, slots=True)
class Doc:
    doc_id: int
    story: int
    event: int
    text: str
    kind: str  # original | copy | brief


def _event(rng: random.Random, lang: str) -> dict[str, object]:
    pool = EN if lang == "en" else RU
    people = [f"{rng.choice(pool['first'])} {rng.choice(pool['last'])}" for _ in range(3)]
    return {
        "lang": lang,
        "people": people,
        "places": rng.sample(pool["place"], 2),
        "orgs": rng.sample(pool["org"], 2),
        "thing": rng.choice(pool["thing"]),
        "num": rng.randint(12, 980),
        "year": rng.randint(1998, 2023),
    }


def _sentence(rng: random.Random, event: dict[str, object]) -> str:
    lang = str(event["lang"])
    pool = EN if lang == "en" else RU
    template = rng.choice(EN_TEMPLATES if lang == "en" else RU_TEMPLATES)
    on_event = rng.random() < 0.6

    def pick(key: str, event_key: str | None = None, index: int = 0) -> str:
        if on_event and event_key is not None:
            value = event[event_key]
            return str(value[index] if isinstance(value, list) else value)
        return rng.choice(pool[key])

    person = (
        rng.choice(cast("list[str]", event["people"]))
        if on_event
        else f"{rng.choice(pool['first'])} {rng.choice(pool['last'])}"
    )
    return _vary(
        rng,
        template.format(
            person=person,
            verb=rng.choice(pool["verb"]),
            when=rng.choice(pool["when"]),
            when2=rng.choice(pool["when"]),
            org=pick("org", "orgs", 0),
            org2=pick("org", "orgs", 1),
            thing=pick("thing", "thing"),
            place=pick("place", "places", 0),
            place2=pick("place", "places", 1),
            people=rng.choice(pool["people"]),
            adj=rng.choice(pool["adj"]),
            num=event["num"] if on_event and rng.random() < 0.5 else rng.randint(3, 999),
            small=rng.randint(2, 9),
            year=event["year"] if on_event else rng.randint(1990, 2024),
        ),
        lang,
    )


def _vary(rng: random.Random, sentence: str, lang: str) -> str:
    fillers = EN_FILLERS if lang == "en" else RU_FILLERS
    out: list[str] = []
    for word in sentence.split(" "):
        out.append(word)
        if rng.random() < 0.2:
            out.append(rng.choice(fillers))
    return " ".join(out)


def _paragraphs(rng: random.Random, event: dict[str, object], count: int) -> list[str]:
    return [" ".join(_sentence(rng, event) for _ in range(rng.randint(2, 4))) for _ in range(count)]


def _headline(rng: random.Random, event: dict[str, object]) -> str:
    return _sentence(rng, event).rstrip(".")


def _tags(rng: random.Random, event: dict[str, object]) -> list[str]:
    people, places = cast("list[str]", event["people"]), cast("list[str]", event["places"])
    tags = [*people[:2], *places, str(event["thing"])]
    rng.shuffle(tags)
    return tags


def _footer(rng: random.Random, lang: str, outlet: str) -> list[str]:
    chosen = rng.sample(FOOTERS[lang], rng.randint(1, 2))
    return [f.format(outlet=outlet) for f in chosen]


def _render(headline: str, paragraphs: list[str], tags: list[str]) -> str:
    return "\n\n".join([headline, *paragraphs, "Tags: " + ", ".join(tags)])


def generate(n: int, seed: int = 20240601, ru_share: float = 0.3) -> list[Doc]:
    """``n`` labelled documents in a shuffled arrival order (copies may precede originals)."""
    rng = random.Random(seed)
    docs: list[Doc] = []
    story = 0
    event_id = 0
    while len(docs) < n:
        lang = "ru" if rng.random() < ru_share else "en"
        event = _event(rng, lang)
        for _ in range(rng.choice((1, 1, 2, 2, 3))):  # distinct stories about this event
            brief = rng.random() < 0.1
            body = _paragraphs(rng, event, rng.randint(2, 3) if brief else rng.randint(5, 12))
            tags = _tags(rng, event)
            wire = not brief and rng.random() < 0.6
            outlet = rng.choice(OUTLETS)
            own = [WIRE_CREDIT[lang]] if wire else _footer(rng, lang, outlet)
            docs.append(
                Doc(
                    len(docs),
                    story,
                    event_id,
                    _render(_headline(rng, event), body + own, tags),
                    "brief" if brief else "original",
                )
            )
            copies = 0 if brief or rng.random() < 0.4 else rng.randint(1, 6)
            for _ in range(copies):
                kept = body
                if rng.random() < 0.6:  # truncated to the first 60-80 %
                    kept = body[: max(1, round(len(body) * rng.uniform(0.6, 0.8)))]
                extra = _footer(rng, lang, rng.choice(OUTLETS))
                keep_credit = wire and rng.random() < 0.5
                paragraphs = kept + ([WIRE_CREDIT[lang]] if keep_credit else []) + extra
                copy_tags = list(tags)
                rng.shuffle(copy_tags)
                text = _render(_headline(rng, event), paragraphs, copy_tags)
                docs.append(Doc(len(docs), story, event_id, text, "copy"))
            story += 1
        event_id += 1
    docs = docs[:n]
    rng.shuffle(docs)
    return docs


def pairwise_scores(truth: list[int], predicted: list[int]) -> tuple[float, float, int, int]:
    """Pairwise precision and recall of a clustering, and the true/predicted pair counts."""
    from collections import Counter

    def pairs(counter: Counter) -> int:
        return sum(c * (c - 1) // 2 for c in counter.values())

    true_pairs = pairs(Counter(truth))
    pred_pairs = pairs(Counter(predicted))
    both = pairs(Counter(zip(truth, predicted, strict=True)))
    precision = both / pred_pairs if pred_pairs else 1.0
    recall = both / true_pairs if true_pairs else 1.0
    return precision, recall, true_pairs, pred_pairs
