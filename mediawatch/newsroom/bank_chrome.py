"""Words for the page chrome of heavy pages (menus, banners, footers), English and Russian.

Kept apart from the article banks so that no boilerplate phrase can ever be drawn into an
article body. Russian strings must stay encodable in cp1251 (no arrows, no emoji).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ChromeWords:
    menu: Mapping[str, tuple[str, ...]]  # section -> topics; empty: filled from the slots
    menu_extra: tuple[str, ...]
    utility: tuple[str, ...]
    footer: Mapping[str, tuple[str, ...]]
    cookie: tuple[str, str, str, tuple[str, ...]]  # heading, two paragraphs, buttons
    purposes: tuple[str, ...]
    share: tuple[str, ...]
    share_label: str
    newsletters: tuple[tuple[str, str], ...]
    newsletter_form: tuple[str, str, str, str]  # heading, placeholder, button, small print
    bio: tuple[str, ...]
    beats: tuple[str, ...]
    author_links: tuple[str, ...]
    labels: Mapping[str, str]
    reactions: tuple[str, ...]
    handles: tuple[str, ...]


EN = ChromeWords(
    menu={
        "News": ("UK", "World", "Europe", "Americas", "Asia", "Africa", "Middle East",
                 "Education", "Health", "Transport", "Crime", "Housing", "Immigration",
                 "Fact check", "In pictures", "Explainers"),
        "Politics": ("Parliament", "Elections", "Local government", "Diplomacy", "Defence",
                     "Devolution", "Policy tracker", "Polls", "Budget", "Inquiries"),
        "Business": ("Markets", "Companies", "Economy", "Personal finance", "Property",
                     "Energy", "Retail", "Technology", "Small business", "Pensions",
                     "Banking", "Trade", "Jobs"),
        "Sport": ("Football", "Cricket", "Rugby union", "Rugby league", "Tennis", "Golf",
                  "Athletics", "Cycling", "Boxing", "Formula 1", "Swimming", "Results",
                  "Fixtures", "Tables", "Transfers"),
        "Weather": ("Forecast", "Warnings", "Radar", "Pollen", "Tides", "Ski report",
                    "Climate", "Floods"),
        "Culture": ("Film", "Music", "Books", "Theatre", "Art", "Television", "Podcasts",
                    "Festivals", "Games", "Reviews", "Classical", "Comedy"),
        "Science": ("Space", "Environment", "Wildlife", "Archaeology", "Medicine",
                    "Physics", "Oceans", "AI", "Energy transition", "Biology"),
        "Lifestyle": ("Food", "Travel", "Fashion", "Family", "Gardening", "Motoring",
                      "Fitness", "Money tips", "Relationships", "Home", "Pets", "Recipes"),
        "Opinion": ("Editorials", "Columnists", "Letters", "Cartoons", "Obituaries",
                    "Readers' editor", "Debate", "Analysis"),
        "Local": (),  # filled with the city names of the article bank
        "Clubs": (),  # filled with the team names
        "Firms": (),  # filled with the company names
    },
    menu_extra=("Puzzles", "Crossword", "Newsletters", "Podcasts", "Video", "Live",
                   "Events", "Shop", "Jobs", "Dating", "Archive", "Apps"),
    utility=("Subscribe", "Log in", "Register", "Search", "Edition: UK", "Skip to content"),
    footer={
        "About us": ("Who we are", "Contact us", "Careers", "Editorial standards",
                     "Corrections", "Complaints", "Press office", "Ownership", "Awards"),
        "Help": ("Help centre", "Manage my account", "Delivery", "Accessibility",
                 "Report a problem", "FAQ", "Secure drop", "Community guidelines"),
        "Legal": ("Terms and conditions", "Privacy policy", "Cookie policy",
                  "Cookie settings", "Modern slavery statement", "Licensing",
                  "Syndication", "Reprints and permissions"),
        "Products": ("Print edition", "Digital edition", "Apps", "Newsletters",
                     "Podcasts", "Puzzles", "Gift subscriptions", "Student offer",
                     "Group subscriptions", "Reader offers", "Shop"),
        "Advertise": ("Advertise with us", "Media kit", "Branded content", "Classifieds",
                      "Announcements", "Public notices", "Recruitment advertising"),
        "Follow": ("Facebook", "X", "Instagram", "YouTube", "LinkedIn", "TikTok",
                   "WhatsApp channel", "RSS feeds"),
    },
    cookie=("We value your privacy",
               ("We and our {n} partners store and access information on your device, such as "
                "cookies, and process personal data such as unique identifiers and browsing "
                "data for personalised advertising and content, audience measurement and "
                "product development."),
               ("You can accept, reject or manage your choices below, including your right to "
                "object where legitimate interest is used, at any time via Cookie settings "
                "at the bottom of every page."),
               ("Accept all", "Reject all", "Manage options")),
    purposes=("Store and access information on a device", "Use limited data to select "
                 "advertising", "Create profiles for personalised advertising", "Measure "
                 "advertising performance", "Measure content performance", "Understand "
                 "audiences through statistics", "Develop and improve services",
                 "Use precise geolocation data", "Link different devices"),
    share=("Facebook", "X", "LinkedIn", "WhatsApp", "Reddit", "Email", "Copy link"),
    share_label="Share this article",
    newsletters=(("The Morning Briefing", "The day's essential stories before breakfast."),
                    ("Money Matters", "Markets, bills and your pocket, every Thursday."),
                    ("Weekend Reads", "Long reads and culture picks for Saturday."),
                    ("The Final Whistle", "Results and talking points after every match."),
                    ("Climate Week", "What changed for the planet this week.")),
    newsletter_form=("Sign up to {name}", "Enter your email address", "Sign up",
                        ("We use your sign-up to provide content in ways you have consented "
                         "to. You can unsubscribe at any time.")),
    bio=("{name} is {beat} at {outlet}, covering {t1} and {t2}.",
            "{name} has reported on {t1} for {n} years and writes on {t2} for {outlet}.",
            "{name} joined {outlet} as {beat}. Tips on {t1} are welcome by secure message."),
    beats=("a senior correspondent", "a staff reporter", "the political editor",
              "a business reporter", "the sport desk lead", "a data journalist",
              "the regional affairs editor", "a culture writer"),
    author_links=("Follow", "More stories", "Email the author"),
    labels={"home": "Home", "most_read": "Most read", "latest": "Latest news",
               "comments": "Show more comments", "ago": "{n} min ago", "hours": "{n}h ago",
               "reply": "Reply", "report": "Report", "likes": "{n} likes", "ad": "Advertisement",
               "premium": "Premium", "live": "Live", "copyright": "All rights reserved.",
               "app": "Get the app", "close": "Close"},
    reactions=("Spot on.", "Couldn't agree more.", "Same story every year.",
                  "Who is going to pay for this?", "Interesting, but the headline oversells it.",
                  "My neighbour said exactly this last week.", "Finally someone says it.",
                  "Not convinced, to be honest.", "Any figures for the rest of the region?",
                  "This deserves far more attention.", "Seen it all before.",
                  "Thanks for the clear write-up.", "The comments are better than the article.",
                  "Let's wait and see what actually happens.", "Typical.",
                  "Where is the follow-up on last month's story?"),
    handles=("northern_lights", "SkepticalSue", "Bob_the_builder", "coastalwalker",
                "dmitri88", "ParkRunner", "TeaAndToast", "HillWalker42", "nightshift_nurse",
                "retired_teacher", "CityCommuter", "GreenThumb", "kestrel", "OldHand",
                "FactsPlease", "millie_b", "ferryman", "LateToTheParty", "quiet_observer",
                "Tomasz_K", "Avocado_on_toast", "the_real_pete"),
)  # fmt: skip

RU = ChromeWords(
    menu={
        "Новости": ("Россия", "Мир", "Регионы", "Общество", "Происшествия", "Образование",
                    "Здравоохранение", "Транспорт", "ЖКХ", "Проверка фактов", "Фоторепортажи",
                    "Объясняем"),
        "Политика": ("Госдума", "Выборы", "Местное самоуправление", "Дипломатия",
                     "Оборона", "Законопроекты", "Опросы", "Бюджет", "Назначения"),
        "Экономика": ("Рынки", "Компании", "Финансы", "Недвижимость", "Энергетика",
                      "Ритейл", "Технологии", "Малый бизнес", "Пенсии", "Банки",
                      "Налоги", "Работа"),
        "Спорт": ("Футбол", "Хоккей", "Баскетбол", "Теннис", "Биатлон", "Бокс",
                  "Лыжные гонки", "Фигурное катание", "Результаты", "Расписание",
                  "Турнирные таблицы", "Трансферы"),
        "Погода": ("Прогноз", "Предупреждения", "Радар", "Магнитные бури", "Паводки",
                   "Климат"),
        "Культура": ("Кино", "Музыка", "Книги", "Театр", "Выставки", "Телевидение",
                     "Подкасты", "Фестивали", "Рецензии"),
        "Наука": ("Космос", "Экология", "Природа", "Археология", "Медицина", "Физика",
                  "Искусственный интеллект", "Биология"),
        "Общество": ("Семья", "Путешествия", "Авто", "Дача", "Здоровье", "Кулинария",
                     "Психология", "Дом", "Питомцы"),
        "Мнения": ("Колонки", "Письма читателей", "Интервью", "Аналитика", "Некрологи"),
        "Города": (),  # filled with the city names of the article bank
        "Клубы": (),  # filled with the team names
        "Компании": (),  # filled with the company names
    },
    menu_extra=("Спецпроекты", "Видео", "Онлайн", "Подкасты", "Рассылки", "Архив",
                   "Афиша", "Вакансии", "Приложения", "Гороскоп"),
    utility=("Подписка", "Войти", "Регистрация", "Поиск", "Перейти к содержанию"),
    footer={
        "О редакции": ("Контакты", "Вакансии", "Редакционная политика", "Исправления",
                       "Реклама на сайте", "Пресс-служба", "Учредитель"),
        "Помощь": ("Справочный центр", "Личный кабинет", "Доставка", "Доступность",
                   "Сообщить об ошибке", "Правила комментирования"),
        "Правовая информация": ("Пользовательское соглашение",
                                "Политика конфиденциальности", "Использование cookie",
                                "Настройки cookie", "Правила перепечатки", "Лицензии"),
        "Продукты": ("Печатная версия", "Электронная версия", "Мобильные приложения",
                     "Рассылки", "Подкасты", "Подарочная подписка", "Архив номеров"),
        "Мы в соцсетях": ("ВКонтакте", "Одноклассники", "Telegram", "Дзен", "YouTube",
                          "RSS"),
    },
    cookie=("Мы используем файлы cookie",
               ("Мы и наши партнеры ({n}) используем файлы cookie и обрабатываем данные о "
                "посещениях, чтобы показывать рекламу, измерять аудиторию и улучшать работу "
                "сайта."),
               ("Продолжая пользоваться сайтом, вы соглашаетесь с политикой "
                "конфиденциальности. Изменить выбор можно в любой момент в настройках "
                "cookie внизу страницы."),
               ("Принять все", "Отклонить", "Настроить")),
    purposes=("Хранение информации на устройстве", "Подбор рекламы",
                 "Персонализация рекламы", "Измерение эффективности рекламы",
                 "Статистика посещений", "Улучшение сервисов", "Геолокация",
                 "Связывание устройств"),
    share=("ВКонтакте", "Одноклассники", "Telegram", "WhatsApp", "Email",
              "Скопировать ссылку"),
    share_label="Поделиться",
    newsletters=(("Утренний дайджест", "Главные новости дня до завтрака."),
                    ("Деньги", "Рынки, цены и семейный бюджет по четвергам."),
                    ("Чтение на выходные", "Большие тексты и культура по субботам."),
                    ("Спорт за неделю", "Результаты и главные матчи недели.")),
    newsletter_form=("Подпишитесь на рассылку «{name}»", "Ваш email", "Подписаться",
                        ("Нажимая кнопку, вы соглашаетесь на обработку персональных данных. "
                         "Отписаться можно в любой момент.")),
    bio=("{name} — {beat} издания «{outlet}», пишет о темах «{t1}» и «{t2}».",
            "{name} освещает тему «{t1}» уже {n} лет, в «{outlet}» ведет раздел «{t2}».",
            "{name} работает в «{outlet}» ({beat}). Присылайте информацию по теме «{t1}»."),
    beats=("специальный корреспондент", "обозреватель", "редактор отдела политики",
              "корреспондент отдела экономики", "спортивный обозреватель",
              "редактор региональной ленты", "обозреватель отдела культуры"),
    author_links=("Подписаться", "Все материалы автора", "Написать автору"),
    labels={"home": "Главная", "most_read": "Самое читаемое", "latest": "Лента новостей",
               "comments": "Показать еще комментарии", "ago": "{n} мин назад",
               "hours": "{n} ч назад", "reply": "Ответить", "report": "Пожаловаться",
               "likes": "Нравится: {n}", "ad": "Реклама", "premium": "Эксклюзив",
               "live": "Онлайн", "copyright": "Все права защищены.",
               "app": "Скачать приложение", "close": "Закрыть"},
    reactions=("Полностью согласен.", "Каждый год одно и то же.",
                  "А кто за это заплатит?", "Заголовок громче, чем сама новость.",
                  "У нас во дворе то же самое.", "Наконец-то об этом написали.",
                  "Не убедили, если честно.", "А по области есть цифры?",
                  "Тема важнее, чем кажется.", "Спасибо, толково написано.",
                  "Посмотрим, что будет на деле.", "Комментарии интереснее статьи.",
                  "Ждем продолжения.", "Все как всегда."),
    handles=("Наблюдатель", "tanya_k", "Сибиряк", "petrovich61", "Гость_из_Самары",
                "Мария В.", "old_reader", "Дачник", "igor.m", "Северянин", "Лена",
                "skeptik", "Пенсионер", "nord_wind", "Студент", "Алексей"),
)  # fmt: skip


def words(language: str) -> ChromeWords:
    return RU if language == "ru" else EN
