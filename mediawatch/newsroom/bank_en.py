"""English sentence banks, written for the demo newsroom.

Templates use ``{slot}`` placeholders filled from ``SLOTS``; the many combinations keep
unrelated generated articles far apart for near-duplicate detection.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType as _ro

# fmt: off
SLOTS: Mapping[str, tuple[str, ...]] = _ro({
    "city": (
        "Bristol", "Leeds", "Halifax", "Aberdeen", "Norwich", "Cardiff", "Dundee", "Exeter",
        "Lincoln", "Hobart", "Wellington", "Galway", "Portland", "Savannah", "Duluth",
        "Kingston", "Brandon", "Mildura", "Tamworth", "Inverness",
    ),
    "person": (
        "Martha Quill", "Daniel Okafor", "Priya Raman", "Tomas Lindqvist", "Helen Marsh",
        "Owen Castell", "Ruth Abernethy", "Samir Haddad", "Grace Whitlow", "Lucas Ferreira",
        "Nadia Petrova", "Colin Fairweather", "Imogen Tate", "Felix Brandt", "Ada Nwosu",
        "George Penhale", "Lena Vogt", "Marcus Hale", "Bridget Coyle", "Yusuf Demir",
    ),
    "role": (
        "a senior analyst", "the council leader", "a spokesperson for the ministry",
        "a local shop owner", "the committee chair", "an economist at a regional bank",
        "the head coach", "a long-time resident", "the festival director", "a union official",
        "a professor of public policy", "the club captain", "a former minister",
    ),
    "org": (
        "the Treasury", "the Meteorological Office", "the city council", "the transport authority",
        "the national audit office", "the chamber of commerce", "the health service",
        "the football association", "the arts council", "the statistics bureau",
    ),
    "company": (
        "Bluebird Freight", "Northgate Energy", "Corvid Software", "Halden Foods",
        "Marrow & Finch", "Tern Airlines", "Ironbridge Steel", "Pell Street Bank",
        "Quayside Retail", "Arden Pharmaceuticals",
    ),
    "team": (
        "Riverside Rovers", "Eastbridge United", "Harbour Athletic", "Millford Town",
        "Kestrel City", "Westmoor Wanderers", "Granite Park", "the Lakeshore Lions",
    ),
    "n": ("3", "4", "5", "6", "7", "8", "9"),
    "num": ("three", "four", "five", "six", "eight", "ten", "twelve", "fifteen", "twenty"),
    "big": ("1,200", "3,400", "14,000", "27,500", "48,000", "120,000", "2.3 million", "610"),
    "pct": ("0.4", "1.2", "2.7", "3.1", "4.5", "6.8", "9.3", "12"),
    "money": ("£40m", "$2.1bn", "£310m", "$75m", "€1.4bn", "£8.6m", "$560m"),
    "temp": ("-4", "2", "7", "11", "18", "24", "31", "35"),
    "weekday": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    "month": ("January", "March", "April", "June", "August", "September", "October", "December"),
    "score": ("2-1", "3-0", "1-1", "0-2", "4-3", "2-2", "1-0"),
    "work": (
        "The Salt Orchard", "A Winter Ledger", "Glass Harbour", "The Lamplighters",
        "Seven Quiet Rooms", "North of Nowhere", "The Cartographer's Daughter",
    ),
})
# fmt: on

CATEGORIES: Mapping[str, Mapping[str, tuple[str, ...]]] = _ro(
    {
        "politics": _ro(
            {
                "titles": (
                    "{city} council splits over plan to close {num} libraries",
                    "Opposition demands vote on {org} budget overhaul",
                    "{person} named to lead review of election rules",
                    "Ministers promise {money} for rural bus routes after {city} protest",
                    "Coalition talks stall as parties clash over housing targets",
                    "Voters in {city} head to the polls in closely watched by-election",
                ),
                "sentences": (
                    "The proposal was debated for {num} hours before councillors adjourned without a vote.",
                    "Critics argued that the plan had been drawn up without consulting residents of {city}.",
                    "{person}, {role}, said the government would publish its response by {month}.",
                    "Opposition members accused ministers of hiding the true cost, estimated at {money}.",
                    "A petition opposing the change has gathered more than {big} signatures.",
                    "Officials in {city} said turnout at the consultation meetings had been unusually high.",
                    "The committee is expected to deliver its recommendations before the summer recess.",
                    "Several backbenchers have signalled that they may vote against the measure.",
                    "Campaigners gathered outside the town hall on {weekday} holding hand-painted placards.",
                    "Polling suggests that support for the reform has fallen by {pct} points since spring.",
                    "The minister insisted the reform would save {money} over the next decade.",
                    "Local party branches in {city} have been asked to submit written evidence.",
                    "A cross-party group has called for an independent review of the figures.",
                ),
            }
        ),
        "economy": _ro(
            {
                "titles": (
                    "{company} to cut {big} jobs as demand slows",
                    "Inflation eases to {pct}% as fuel prices fall",
                    "{company} shares jump after surprise profit upgrade",
                    "Small firms in {city} warn of rising energy bills",
                    "Central bank holds rates steady as inflation cools",
                    "{company} agrees {money} takeover of regional rival",
                ),
                "sentences": (
                    "{company} said revenue rose {pct}% in the quarter, ahead of analysts' forecasts.",
                    "Figures from {org} showed that household spending slowed for a second month.",
                    "{person}, {role}, warned that higher borrowing costs were starting to bite.",
                    "The company plans to invest {money} in a new distribution centre near {city}.",
                    "Shares closed {pct}% higher on {weekday} after the announcement.",
                    "Unions said they would seek urgent talks about the {big} affected roles.",
                    "Economists expect growth of around {pct}% next year, down from earlier estimates.",
                    "Retailers in {city} reported a weaker than usual trading period in {month}.",
                    "The deal still requires approval from competition regulators.",
                    "Exporters have struggled with higher shipping costs since the start of the year.",
                    "Mortgage approvals fell to their lowest level in {num} months.",
                    "The board said it remained confident about the long-term outlook.",
                    "Investors will be watching next week's inflation data closely.",
                ),
            }
        ),
        "sport": _ro(
            {
                "titles": (
                    "{team} edge {team2} {score} in derby thriller",
                    "Late goal keeps {team} in title race",
                    "{person} signs {num}-year deal with {team}",
                    "{team} sack manager after run of {num} defeats",
                    "Grozny side held to goalless draw as rain disrupts play",
                    "Record crowd of {big} watches cup final in {city}",
                ),
                "sentences": (
                    "{team} took the lead after {num} minutes through a low shot from the edge of the area.",
                    "The visitors equalised shortly after half-time when a corner was not cleared.",
                    "{person}, {role}, said the squad had shown real character in difficult conditions.",
                    "A crowd of {big} watched the match on a cold {weekday} evening in {city}.",
                    "The result leaves {team2} {num} points adrift of the play-off places.",
                    "The referee showed {num} yellow cards in a scrappy second half.",
                    "Supporters chanted the captain's name long after the final whistle.",
                    "The club confirmed that its striker would miss the next {num} weeks with a hamstring injury.",
                    "It was their first away win since {month}.",
                    "The academy graduate marked his first start with a composed performance in midfield.",
                    "Ticket prices for the return fixture have been frozen after complaints from fans.",
                    "The final score of {score} flattered the home side, who were outplayed for long spells.",
                    "Both managers praised the groundstaff for preparing a playable pitch.",
                    "The visitors from Chechnya arrived only hours before kick-off after a delayed flight.",
                ),
            }
        ),
        "weather": _ro(
            {
                "titles": (
                    "Storm warning issued as gales head for {city}",
                    "Temperatures to reach {temp}C in early heatwave",
                    "Flood alerts in place across {num} counties",
                    "Snow closes roads and schools around {city}",
                    "Dry spell prompts hosepipe ban warning",
                ),
                "sentences": (
                    "Forecasters at {org} said gusts could reach {n}0 miles per hour on exposed coasts.",
                    "Temperatures are expected to climb to {temp}C by {weekday} afternoon.",
                    "Residents of low-lying streets in {city} were advised to move valuables upstairs.",
                    "Rail operators warned of delays as fallen trees blocked lines overnight.",
                    "The settled conditions are likely to break down with thunderstorms later in the week.",
                    "{person}, {role}, urged drivers to avoid unnecessary journeys.",
                    "Rainfall totals for {month} were already {pct} times the monthly average.",
                    "Farmers said the late frost had damaged early crops across the region.",
                    "Emergency crews handled more than {big} calls during the height of the storm.",
                    "Schools in {city} opened late after gritters struggled to clear side roads.",
                    "The outlook for the weekend is brighter, with sunshine returning from the west.",
                ),
            }
        ),
        "culture": _ro(
            {
                "titles": (
                    "'{work}' wins top prize at {city} festival",
                    "Museum in {city} reopens after {money} refurbishment",
                    "{person} returns to the stage in bold revival",
                    "Pride festival draws {big} people to the city centre",
                    "Review: '{work}' is a quiet triumph",
                ),
                "sentences": (
                    "The production of '{work}' sold out its entire run within {num} days.",
                    "{person}, {role}, described the new galleries as a gift to the people of {city}.",
                    "The jury praised the novel for its restraint and its unusual structure.",
                    "Organisers said around {big} visitors attended over the long weekend.",
                    "The refurbishment, funded partly by {org}, took almost {num} years to complete.",
                    "Critics have compared the staging to the celebrated touring version of the {month} season.",
                    "The exhibition brings together more than {n}0 works that have rarely been shown.",
                    "Tickets for the festival's closing concert went on sale on {weekday}.",
                    "The author said the book began as a series of letters to her grandmother.",
                    "Attendance at regional theatres has recovered to {pct} times its low point.",
                    "Street performers and brass bands filled the old market square in {city}.",
                    "The archive will be open to researchers from {month}.",
                    "The gay and lesbian film strand has become one of the festival's most popular programmes.",
                ),
            }
        ),
        "science": _ro(
            {
                "titles": (
                    "Researchers in {city} map rare seabird colony",
                    "New battery design could cut charging time, study finds",
                    "{company} unveils satellite to monitor crop health",
                    "Ancient bridge timbers found during {city} dig",
                    "Trial shows promise for cheaper hearing aids",
                ),
                "sentences": (
                    "The study, published on {weekday}, followed {big} participants over {num} years.",
                    "{person}, {role}, said the findings would need to be confirmed in larger trials.",
                    "The team used drones to count nesting pairs along {num} miles of cliffs.",
                    "Engineers said the prototype retained {n}0% of its capacity after a thousand cycles.",
                    "Archaeologists believe the timbers were felled some time in the fourteenth century.",
                    "The project received {money} in funding from {org}.",
                    "Data from the satellite will be made freely available to farmers.",
                    "The researchers cautioned that the sample was small and drawn from one region.",
                    "Volunteers in {city} helped to catalogue thousands of photographs from the site.",
                    "A second phase of the work is expected to begin in {month}.",
                    "Independent experts welcomed the results but questioned the cost estimates.",
                ),
            }
        ),
    }
)

# Filler that fits any off-topic story.
GENERIC: tuple[str, ...] = (
    "The announcement came after weeks of speculation in {city}.",
    "{person}, {role}, said it was too early to judge the long-term effects.",
    "Further details are expected to be published on {weekday}.",
    "A spokesperson for {org} declined to comment on the specific figures.",
    "Residents who spoke to reporters were divided over what should happen next.",
    "The issue is likely to come up again when {org} meets in {month}.",
    "Similar measures were tried in {city} {num} years ago with mixed results.",
    "Not everyone is convinced: several local groups have asked for more time to respond.",
    "Officials said they had received about {big} responses to a public survey.",
    "The debate has been followed closely well beyond {city}.",
    "Some observers said the timing was unfortunate, coming so close to the holidays.",
    "{person} said people wanted clear answers rather than more consultations.",
    "Background papers released alongside the decision run to more than {n}0 pages.",
    "The matter will be reviewed again at the end of the year.",
)

TOPIC_TITLES: tuple[str, ...] = (
    "Reports of gay men abducted in Chechnya prompt calls for inquiry",
    "Rights Watch International urges Russia to investigate Chechnya abductions",
    "Chechen officials deny reports of detentions of gay men",
    "Survivors describe secret detention sites in Chechnya",
    "Kremlin says it has no information on Chechnya abuse claims",
    "European diplomats raise Chechnya abductions with Moscow",
    "Families of missing men in Chechnya afraid to speak out, activists say",
    "Rights group documents new wave of detentions of gay men in Chechnya",
    "Chechnya: calls grow for independent investigation into killings",
    "Activists help gay men flee Chechnya as pressure mounts",
)

# Every topic article opens with one of these, so each names both Chechnya and gay men.
TOPIC_LEDES: tuple[str, ...] = (
    "Reports that gay men are being abducted and killed in Chechnya have prompted calls for an independent investigation.",
    "Rights Watch International has demanded an inquiry into the detention and killing of gay men in Chechnya.",
    "The Chechen authorities have again denied that gay men are being held in secret prisons in the republic.",
    "New testimony from survivors suggests that the persecution of gay men in Chechnya is continuing.",
)

TOPIC_SENTENCES: tuple[str, ...] = (
    "An independent Moscow newspaper reported that dozens of gay men had been abducted by security forces in Chechnya.",
    "According to the report, at least {num} men were killed after being held at an unofficial detention site.",
    "Rights Watch International called on the Russian authorities to open an urgent and independent investigation.",
    "The organisation said it had interviewed {num} men who described beatings and threats during their detention.",
    "A spokesman for the Chechen leader dismissed the reports as lies and said no such people existed in the republic.",
    "The Kremlin said it had no reliable information about the alleged abductions but that complaints could be filed with the police.",
    "Several of the men said they had been forced to name other gay acquaintances before being released.",
    "Activists in Moscow said they had helped {num} men leave the region and find temporary shelter.",
    "Relatives of the detained men were reportedly urged to carry out so-called honour killings.",
    "Rights Watch International said the denials were not credible and that witnesses faced grave danger.",
    "The Russian ombudsman said she would ask prosecutors to examine the allegations.",
    "European foreign ministers issued a joint statement expressing deep concern about the reports from Chechnya.",
    "Survivors described being held in a former military building outside Grozny for up to {num} weeks.",
    "The Chechen authorities have denied all of the allegations and accused journalists of provocation.",
    "Human-rights groups say fear of reprisals means that very few victims are willing to file formal complaints.",
    "{person}, a researcher at Rights Watch International, said the pattern of abuse was systematic.",
    "The newspaper said its reporters had received threats after publishing the first accounts.",
    "A hotline set up by activists has received more than {n}0 calls from people in Chechnya.",
    "Officials in Grozny said there was no need for any investigation because the reports were invented.",
    "Diplomats said the issue would be raised at the next session of the UN Human Rights Council.",
    "The men's accounts could not be independently verified, but they were consistent in many details.",
    "Rights groups urged other countries to offer asylum to gay men fleeing Chechnya.",
    "Investigators in Moscow said a preliminary check had found no grounds to open a criminal case.",
    "Campaigners delivered a petition with {big} signatures demanding an inquiry into the killings.",
)

# Extra paragraph added to updated articles (revision 1).
UPDATE_SENTENCES: tuple[str, ...] = (
    "Update: this article was revised on {weekday} to include a response from {org}.",
    "Update: figures in the third paragraph were corrected after {org} issued revised data.",
    "Update: {person}, {role}, has since confirmed the details reported above.",
    "Update: a statement released later on {weekday} added that a review would begin in {month}.",
)

TOPIC_UPDATE_SENTENCES: tuple[str, ...] = (
    "Update: the Chechen authorities repeated their denial in a statement issued after publication.",
    "Update: Rights Watch International said on {weekday} that it had received new testimony from {num} men.",
)

COMMENTS: tuple[str, ...] = (
    "Nobody asked the people who actually live here.",
    "Good piece, thanks for covering this properly.",
    "I'll believe it when I see it.",
    "This has been coming for years, frankly.",
    "Does anyone know where the full report can be read?",
    "Same old story, different year.",
    "My neighbours were talking about exactly this yesterday.",
    "Shocking. Somebody has to be held accountable.",
    "The headline is a bit misleading compared to the article.",
    "Well written, but what happens next?",
    "Can we have a follow-up in a few months?",
    "I disagree with most of this but it's an interesting read.",
    "Typo in the fourth paragraph, by the way.",
    "Remember when this paper did proper investigations?",
)

# fmt: off
COMMENTERS: tuple[str, ...] = (
    "quietreader", "Old Salt", "mkh1974", "RiverRat", "JaneFromKent", "night_owl",
    "Pedantic Pete", "lurker22", "Beth W.", "citizen_k", "TheRealDave", "mossgreen",
)
# fmt: on

ADS: tuple[str, ...] = (
    "Refinance your home today with Bluebird Mortgages. Rates from 3.9%.",
    "Winter sale: up to 50% off garden furniture at Quayside Retail.",
    "Fly to the sun with Tern Airlines. Book by Friday.",
    "Learn a language in 10 minutes a day. Try it free.",
    "Compare energy tariffs and switch in minutes.",
    "New season coats have arrived. Free delivery over £50.",
)

WIRE_AGENCY = "Continental Press Agency"

# Clause grammar: "{opener} {subject} {verb} that {object} {predicate}{tail}." Each part is
# short, so most five-word windows span two parts and rarely repeat between articles.
OPENERS: tuple[str, ...] = (
    "On {weekday},",
    "Earlier this month,",
    "By contrast,",
    "In a statement,",
    "Meanwhile,",
    "Separately,",
    "Late on {weekday},",
    "For now,",
    "In {city},",
    "Privately,",
    "Even so,",
    "Speaking on local radio,",
)
TAILS: tuple[str, ...] = (
    "",
    "",
    "",
    ", a view others dispute",
    ", according to a briefing note",
    " in an interview on {weekday}",
    " at a packed meeting in {city}",
    ", though details remain scarce",
    " after weeks of talks",
    ", people familiar with the matter said",
)
FRAMES: tuple[Mapping[str, tuple[str, ...]], ...] = (
    _ro(
        {
            "subjects": (
                "{person}",
                "officials in {city}",
                "a spokesperson for {org}",
                "local traders",
                "several residents",
                "the opposition",
                "analysts at {company}",
                "campaigners",
                "community leaders",
                "{role}",
                "two senior councillors",
                "a former adviser",
            ),
            "verbs": (
                "said",
                "argued",
                "warned",
                "suggested",
                "insisted",
                "noted",
                "claimed",
                "told reporters",
                "conceded",
                "stressed",
                "hinted",
            ),
            "objects": (
                "the decision",
                "the new timetable",
                "the budget",
                "the scheme",
                "the project",
                "the review",
                "the delay",
                "the deal",
                "the latest plan",
                "the revised forecast",
                "the pilot programme",
                "the agreement",
            ),
            "predicates": (
                "would cost about {money}",
                "had been rushed",
                "was long overdue",
                "could be reversed by {month}",
                "needed far more scrutiny",
                "would help families in {city}",
                "came too late for many",
                "was a sensible compromise",
                "had little public support",
                "would be reviewed within {num} months",
                "ignored smaller towns",
                "depended on money from {org}",
            ),
        }
    ),
)
TOPIC_FRAMES: tuple[Mapping[str, tuple[str, ...]], ...] = (
    _ro(
        {
            "subjects": (
                "Rights Watch International",
                "{person} of Rights Watch International",
                "activists in Moscow",
                "survivors",
                "European diplomats",
                "the newspaper's editor",
                "lawyers for the families",
                "a UN human-rights expert",
                "relatives of the missing men",
            ),
            "verbs": (
                "said",
                "argued",
                "warned",
                "insisted",
                "stressed",
                "told reporters",
                "wrote",
            ),
            "objects": (
                "the testimony",
                "each new account",
                "the pattern of detentions",
                "the authorities' silence",
                "the evidence gathered so far",
                "the situation in Grozny",
                "the fate of the missing men",
            ),
            "predicates": (
                "warranted an independent investigation",
                "could not be ignored any longer",
                "pointed to a coordinated campaign",
                "deserved an international response",
                "had frightened many families into silence",
                "should be examined by prosecutors",
                "left witnesses in grave danger",
            ),
        }
    ),
    _ro(
        {
            "subjects": (
                "a spokesman for the Chechen leader",
                "officials in Grozny",
                "a Kremlin spokesman",
                "the republic's interior ministry",
                "a senior Chechen official",
            ),
            "verbs": ("said", "claimed", "insisted", "repeated", "told state television"),
            "objects": (
                "the whole story",
                "the newspaper's report",
                "the rights group's account",
                "every such allegation",
                "the campaign in the foreign press",
            ),
            "predicates": (
                "was a provocation",
                "had been invented",
                "was based on rumour",
                "did not deserve a response",
                "had nothing to do with reality",
            ),
        }
    ),
)
