"""Inline CSS and JavaScript of heavy pages: the bytes a parser must wade through.

Real article pages inline tens of KB of critical CSS, tag-manager and ad-stack code and
a JSON app config; extraction pays for parsing them even though none of it is text.
Everything is drawn from a ``Random`` so that the bytes follow from the seed alone.
"""

from __future__ import annotations

import json
from random import Random

BLOCKS = (
    "site-header", "mega-menu", "utility-bar", "cmp-banner", "breadcrumb", "share-bar",
    "story", "story-body", "headline", "byline", "teaser", "card", "rail", "most-read",
    "latest-news", "author-box", "newsletter-signup", "comments", "comment", "site-footer",
    "btn", "icon", "badge", "pill", "grid", "col", "modal", "drawer", "search-box",
    "ad-slot", "video-player", "gallery", "live-blog", "topic-tag", "paywall", "toast",
)  # fmt: skip
ELEMENTS = ("", "__inner", "__title", "__link", "__list", "__item", "__media", "__meta",
            "__label", "__summary", "__icon", "__wrap", "__count", "__body", "__header")  # fmt: skip
MODIFIERS = ("", "", "--primary", "--dark", "--compact", "--featured", "--active",
             "--sticky", "--large", "--hidden", "--open", "--premium")  # fmt: skip
PSEUDO = ("", "", "", ":hover", ":focus-visible", "::before", "::after", ":first-child",
          ":not(:last-child)", ":nth-child(2n)")  # fmt: skip
SIZES = ("0", "2px", "4px", ".25rem", ".5rem", ".75rem", "1rem", "1.25rem", "1.5rem", "2rem",
         "24px", "32px", "48px", "auto")  # fmt: skip
PROPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("display", ("block", "flex", "grid", "inline-flex", "none", "inline-block")),
    ("position", ("relative", "absolute", "sticky", "fixed")),
    ("margin", SIZES), ("padding", SIZES), ("gap", SIZES[1:8]),
    ("font-size", (".75rem", ".875rem", "1rem", "1.125rem", "1.375rem", "1.75rem", "2.25rem")),
    ("font-weight", ("400", "500", "600", "700", "800")),
    ("line-height", ("1", "1.15", "1.3", "1.45", "1.6")),
    ("letter-spacing", ("0", ".01em", ".02em", "-.01em", ".08em")),
    ("text-transform", ("none", "uppercase", "capitalize")),
    ("color", ("var(--ink)", "var(--brand)", "var(--muted)", "#fff", "inherit")),
    ("background", ("var(--paper)", "var(--brand)", "transparent", "var(--tint)")),
    ("border-bottom", ("1px solid var(--rule)", "2px solid var(--brand)", "0")),
    ("border-radius", ("0", "2px", "4px", "999px", "50%")),
    ("transition", ("color .2s ease", "opacity .3s", "transform .25s ease-out")),
    ("z-index", ("1", "10", "100", "1000", "2147483647")),
    ("max-width", ("100%", "640px", "980px", "1280px", "75ch")),
    ("grid-template-columns", ("repeat(2,1fr)", "repeat(3,1fr)", "repeat(4,1fr)", "2fr 1fr")),
    ("align-items", ("center", "flex-start", "baseline", "stretch")),
    ("justify-content", ("space-between", "center", "flex-end")),
    ("overflow", ("hidden", "auto", "visible")),
    ("opacity", ("0", ".6", ".85", "1")),
    ("font-family", ("var(--serif)", "var(--sans)", "var(--mono)")),
)  # fmt: skip
BREAKPOINTS = ("(min-width:600px)", "(min-width:900px)", "(min-width:1200px)",
               "(max-width:599px)", "(prefers-reduced-motion:reduce)", "print")  # fmt: skip


def _hex(rng: Random) -> str:
    return f"#{rng.randrange(0x1000000):06x}"


def _rule(rng: Random) -> str:
    selector = "." + rng.choice(BLOCKS) + rng.choice(ELEMENTS) + rng.choice(MODIFIERS)
    if rng.random() < 0.3:
        selector += " ." + rng.choice(BLOCKS) + rng.choice(ELEMENTS)
    selector += rng.choice(PSEUDO)
    decls = ";".join(f"{p}:{rng.choice(v)}" for p, v in rng.sample(PROPS, rng.randint(2, 7)))
    return f"{selector}{{{decls}}}"


def stylesheet(rng: Random, size: int) -> str:
    """Critical CSS of about ``size`` characters: custom properties, rules, media queries."""
    brand, tint = _hex(rng), _hex(rng)
    parts = [
        f":root{{--brand:{brand};--ink:#121212;--muted:#6b6b6b;--paper:#fff;--tint:{tint};"
        "--rule:#dcdcdc;--serif:Georgia,'Times New Roman',serif;--sans:system-ui,"
        "-apple-system,'Segoe UI',Roboto,Arial,sans-serif;--mono:ui-monospace,Menlo,monospace}"
    ]
    for weight in ("400", "700"):
        parts.append(
            f"@font-face{{font-family:'Ledger Sans';font-weight:{weight};font-display:swap;"
            f"src:url(/static/fonts/ledger-sans-{weight}.{rng.getrandbits(32):08x}.woff2) "
            "format('woff2')}"
        )
    total = sum(map(len, parts))
    while total < size:
        if rng.random() < 0.15:
            inner = "".join(_rule(rng) for _ in range(rng.randint(3, 9)))
            chunk = f"@media {rng.choice(BREAKPOINTS)}{{{inner}}}"
        else:
            chunk = _rule(rng)
        parts.append(chunk)
        total += len(chunk)
    return "".join(parts)


# -- JavaScript --------------------------------------------------------------------------------

_SNIPPETS = (
    "function {f}(e){{var t=document.querySelectorAll('img[data-src]');if(!('IntersectionObserver'"
    "in window)){{t.forEach(function(n){{n.src=n.dataset.src}});return}}var o=new IntersectionObserver"
    "(function(r){{r.forEach(function(i){{if(i.isIntersecting){{i.target.src=i.target.dataset.src;"
    "o.unobserve(i.target)}}}})}},{{rootMargin:'{n}px 0px'}});t.forEach(function(n){{o.observe(n)}})}}",
    "function {f}(){{var h=document.getElementById('site-header'),y=0;window.addEventListener("
    "'scroll',function(){{var s=window.scrollY;h.classList.toggle('site-header--sticky',s>{n});"
    "h.classList.toggle('site-header--hidden',s>y&&s>{n2});y=s}},{{passive:!0}})}}",
    "function {f}(){{document.querySelectorAll('.mega-menu__item').forEach(function(i){{var b=i."
    "querySelector('button');b&&b.addEventListener('click',function(){{var o=i.classList.toggle("
    "'mega-menu__item--open');b.setAttribute('aria-expanded',String(o))}})}})}}",
    "function {f}(c){{var m=parseInt(localStorage.getItem('{k}')||'0',10)+1;localStorage.setItem("
    "'{k}',String(m));if(m>{n3}&&!c.subscriber){{document.documentElement.classList.add("
    "'paywall--active');window.dataLayer.push({{event:'meter_limit',count:m}})}}}}",
    "function {f}(){{var d=[25,50,75,100],s={{}};window.addEventListener('scroll',function(){{var p="
    "Math.round(100*(window.scrollY+innerHeight)/document.body.scrollHeight);d.forEach(function(x)"
    "{{p>=x&&!s[x]&&(s[x]=1,window.dataLayer.push({{event:'scroll_depth',depth:x}}))}})}},{{passive:!0}})}}",
    "function {f}(u){{if(!('PerformanceObserver'in window))return;new PerformanceObserver(function(l)"
    "{{l.getEntries().forEach(function(e){{navigator.sendBeacon(u,JSON.stringify({{n:e.name,v:Math."
    "round(e.startTime),t:e.entryType,s:{n}}}))}})}}).observe({{type:'largest-contentful-paint',"
    "buffered:!0}})}}",
    "function {f}(a){{var b=document.getElementById('comments');if(!b)return;var o=new "
    "IntersectionObserver(function(r){{r[0].isIntersecting&&(o.disconnect(),fetch(a+'/api/comments?"
    "limit={n}').then(function(x){{return x.json()}}).then(function(j){{b.dataset.count=j.total}}))}});"
    "o.observe(b)}}",
    "function {f}(){{document.querySelectorAll('[data-share]').forEach(function(a){{a.addEventListener("
    "'click',function(e){{e.preventDefault();var w=window.open(a.href,'share','width={n4},height={n2}');"
    "w&&w.focus();window.dataLayer.push({{event:'share',network:a.dataset.share}})}})}})}}",
    "function {f}(){{var c=document.cookie.match(/(?:^|; ){k}=([^;]*)/);if(c)return;var b="
    "document.getElementById('cookie-consent');b.hidden=!1;b.querySelectorAll('button').forEach("
    "function(x){{x.addEventListener('click',function(){{document.cookie='{k}='+x.dataset.choice+"
    "';max-age={n5};path=/;SameSite=Lax';b.hidden=!0}})}})}}",
)


def _ident(rng: Random) -> str:
    letters = "abcdefghijklmnopqrstuvwxyz"
    return rng.choice("_$" + letters) + "".join(
        rng.choice(letters + "0123456789") for _ in range(3)
    )


def app_code(rng: Random) -> str:
    """A bundle of page behaviour (lazy images, sticky header, meters, beacons)."""
    picks = rng.sample(_SNIPPETS, rng.randint(6, len(_SNIPPETS)))
    names = [_ident(rng) for _ in picks]
    bodies = [
        s.format(
            f=name,
            k=f"mw_{rng.getrandbits(24):06x}",
            n=rng.randrange(50, 400),
            n2=rng.randrange(300, 900),
            n3=rng.randrange(3, 12),
            n4=rng.randrange(500, 700),
            n5=rng.randrange(10**6, 4 * 10**7),
        )
        for s, name in zip(picks, names, strict=True)
    ]
    calls = ";".join(f"try{{{n}(window.__APP__||{{}})}}catch(e){{}}" for n in names)
    return '!function(){"use strict";' + "".join(bodies) + calls + "}();"


def vendors(rng: Random, count: int) -> str:
    """A consent manager's vendor list, as ad-tech sites ship it inline."""
    heads = ("Ad", "Tra", "Quant", "Nex", "Opti", "Pub", "Media", "Data", "Tag", "Pix", "Bid",
             "Reach", "Sona", "Vela", "Cor", "Lumi", "Kin", "Strat", "Aud", "Sig")  # fmt: skip
    tails = ("ly", "iq", "matic", "sense", "hub", "works", "logic", "tics", "stream", "point",
             "scale", "lab", "wave", "nest")  # fmt: skip
    forms = ("", " Ltd", " GmbH", " SAS", " Inc.", " B.V.", " AB", " S.p.A.")
    rows = []
    for i in range(1, count + 1):
        name = rng.choice(heads) + rng.choice(tails) + rng.choice(forms)
        rows.append({
            "id": i * 3 + rng.randrange(3),
            "name": name,
            "purposes": sorted(rng.sample(range(1, 11), rng.randint(1, 6))),
            "legIntPurposes": sorted(rng.sample(range(2, 11), rng.randint(0, 3))),
            "policyUrl": f"https://{name.split()[0].lower()}.example/privacy",
            "cookieMaxAgeSeconds": rng.choice((86400, 2592000, 31536000, 34190000)),
        })  # fmt: skip
    return "window.__tcfVendorList=" + _js(rows) + ";"


def analytics(rng: Random, page: dict[str, object]) -> str:
    """Tag-manager bootstrap with the page's data layer."""
    container = f"GTM-{rng.getrandbits(28):07X}"
    return (
        "window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments)}"
        f"window.dataLayer.push({_js(page)});"
        "gtag('consent','default',{ad_storage:'denied',analytics_storage:'denied',"
        "wait_for_update:500});(function(w,d,s,l,i){w[l]=w[l]||[];w[l].push({'gtm.start':"
        "new Date().getTime(),event:'gtm.js'});var f=d.getElementsByTagName(s)[0],j="
        "d.createElement(s),dl=l!='dataLayer'?'&l='+l:'';j.async=true;j.src="
        "'/tm/gtm.js?id='+i+dl;f.parentNode.insertBefore(j,f)})(window,document,'script',"
        f"'dataLayer','{container}');"
    )


def ad_stack(rng: Random, section: str, keywords: list[str]) -> str:
    """Ad slot definitions and header-bidding set-up for one page."""
    sizes = ([300, 250], [300, 600], [728, 90], [970, 250], [320, 50], [320, 100], [160, 600])
    bidders = ("appnexus", "rubicon", "ix", "openx", "pubmatic", "criteo", "teads", "smart")
    slots = []
    for i in range(rng.randint(6, 24)):
        slots.append({
            "code": f"ad-{rng.choice(('top', 'mpu', 'rail', 'inread', 'footer'))}-{i}",
            "path": f"/{rng.randrange(10**7, 10**8)}/news/{section}",
            "sizes": rng.sample(sizes, rng.randint(1, 4)),
            "targeting": {"pos": str(i), "sect": section, "kw": keywords[:6],
                          "refresh": rng.choice(("30", "60", "off"))},
            "bids": [{"bidder": b, "params": {"placementId": rng.randrange(10**6, 10**7)}}
                     for b in rng.sample(bidders, rng.randint(2, 5))],
        })  # fmt: skip
    return (
        "window.googletag=window.googletag||{cmd:[]};window.pbjs=window.pbjs||{que:[]};"
        f"window.__adUnits={_js(slots)};"
        "googletag.cmd.push(function(){window.__adUnits.forEach(function(u){googletag."
        "defineSlot(u.path,u.sizes,u.code).setTargeting('pos',u.targeting.pos).addService("
        "googletag.pubads())});googletag.pubads().enableLazyLoad({fetchMarginPercent:200,"
        "renderMarginPercent:100});googletag.enableServices()});"
    )


def _js(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")


def config_blob(value: object) -> str:
    """JSON for a ``<script type="application/json">`` block, safe inside HTML."""
    return _js(value)
