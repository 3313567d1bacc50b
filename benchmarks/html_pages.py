"""Web pages as sites build them, with the answer key: what is the article and what is furniture.

Each page wraps an original article (written for this benchmark) in the chrome of a kind of site: a
news site (nav bar, cookie banner, related stories, footer), a documentation site (sidebar, search,
table of options, code), a blog without semantic tags (div soup, comments, newsletter pop-up), a
wiki-like page (contents box, infobox, edit links, references) and an old table-layout page. The
key lists the article's paragraphs, headings, list items and table rows, and the furniture's strings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape


@dataclass
class Article:
    """The text a reader came for, in order: (kind, text) with kind heading/paragraph/item/row."""

    title: str
    parts: list[tuple[str, str]]


@dataclass
class Page:
    name: str
    html: str
    article: Article
    furniture: list[str] = field(default_factory=list)

    @property
    def headings(self) -> list[str]:
        return [self.article.title] + [t for k, t in self.article.parts if k == "heading"]

    @property
    def paragraphs(self) -> list[str]:
        return [t for k, t in self.article.parts if k in ("paragraph", "item")]

    @property
    def rows(self) -> list[str]:
        return [t for k, t in self.article.parts if k == "row"]


def _body(article: Article, heading_tag: str = "h2") -> str:
    """The article's parts as ordinary HTML: lists and tables grouped."""
    out: list[str] = []
    i = 0
    parts = article.parts
    while i < len(parts):
        kind, text = parts[i]
        if kind == "heading":
            out.append(f"<{heading_tag}>{escape(text)}</{heading_tag}>")
        elif kind == "paragraph":
            out.append(f"<p>{_inline(text)}</p>")
        elif kind == "item":
            items = []
            while i < len(parts) and parts[i][0] == "item":
                items.append(f"<li>{_inline(parts[i][1])}</li>")
                i += 1
            out.append("<ul>\n" + "\n".join(items) + "\n</ul>")
            continue
        elif kind == "row":
            rows = []
            first = True
            while i < len(parts) and parts[i][0] == "row":
                cells = parts[i][1].split(" | ")
                tag = "th" if first else "td"
                rows.append("<tr>" + "".join(f"<{tag}>{escape(c)}</{tag}>" for c in cells) + "</tr>")
                first = False
                i += 1
            out.append("<table>\n" + "\n".join(rows) + "\n</table>")
            continue
        i += 1
    return "\n".join(out)


def _inline(text: str) -> str:
    """Some markup inside a paragraph, as pages have: a link on the first word pair, bold elsewhere."""
    words = escape(text).split(" ")
    if len(words) > 6:
        words[1] = f'<a href="/topic/{words[1].lower().strip(",.")}">{words[1]}</a>'
        words[4] = f"<b>{words[4]}</b>"
    return " ".join(words)


# -- the articles -----------------------------------------------------------------------------------

HARBOUR = Article(
    "Harbour town votes to rebuild its flood wall",
    [
        (
            "paragraph",
            "Residents of Kessing voted on Tuesday to rebuild the harbour flood wall, ending a "
            "debate that had divided the town council for three winters.",
        ),
        (
            "paragraph",
            "The new wall will rise 1.4 metres above the old one and run for 820 metres from the "
            "ferry slip to the boatyard. Work is expected to begin in April and to last two seasons.",
        ),
        ("heading", "What the vote decided"),
        (
            "paragraph",
            "Of the 3,912 ballots cast, 2,405 supported the plan, a majority of 61 per cent. "
            "Turnout was the highest the town has recorded for a local question.",
        ),
        (
            "paragraph",
            "The council had offered two other options: raising only the quay, or moving the "
            "fish market inland. Neither gained more than a fifth of the vote.",
        ),
        ("heading", "Who pays"),
        (
            "paragraph",
            "The regional fund will cover two thirds of the cost. The remaining share, about "
            "4.6 million euros, will come from a harbour levy on moorings over ten years.",
        ),
        (
            "paragraph",
            "Boat owners' association chair Mette Hals said the levy was fair if the works kept "
            "to the schedule, and warned that delays would cost members a second season of repairs.",
        ),
        ("heading", "Timeline"),
        ("row", "Phase | Start | Length"),
        ("row", "Survey of the old wall | April | 6 weeks"),
        ("row", "Foundations | June | 4 months"),
        ("row", "New wall and gates | March next year | 5 months"),
    ],
)

KILN = Article(
    "Installing and configuring Kiln",
    [
        (
            "paragraph",
            "Kiln turns a folder of recipes into a printed cookbook. This page explains how to "
            "install it and which settings change the layout.",
        ),
        ("heading", "Requirements"),
        ("item", "A computer running Linux, macOS or Windows 10 or later."),
        ("item", "At least 200 MB of free disk space for the font cache."),
        ("item", "A recipe folder in which every recipe is a plain text file."),
        ("heading", "Installation"),
        (
            "paragraph",
            "Download the installer for your system and run it. On Linux, the package manager "
            "installs Kiln together with its fonts, so no further step is needed.",
        ),
        (
            "paragraph",
            "After installing, run the command kiln check in your recipe folder. It lists the "
            "recipes it found and reports any file it could not read.",
        ),
        ("heading", "Settings"),
        (
            "paragraph",
            "Settings live in a file called kiln.toml next to your recipes. The table lists the "
            "ones most people change.",
        ),
        ("row", "Setting | Default | Meaning"),
        ("row", "page_size | A5 | Paper size of the printed book"),
        ("row", "columns | 1 | Columns of text on each page"),
        ("row", "index | true | Whether to print an index of ingredients"),
        ("heading", "Troubleshooting"),
        (
            "paragraph",
            "If the book comes out blank, the recipes are probably saved in a word-processor "
            "format. Save them as plain text and run kiln check again.",
        ),
    ],
)

GARDEN = Article(
    "Five things I learned from a year of balcony tomatoes",
    [
        (
            "paragraph",
            "Last spring I put six tomato plants on a north-facing balcony, against the advice "
            "of everyone I asked. Here is what a year taught me.",
        ),
        ("heading", "The short version"),
        ("item", "Cherry varieties cope with shade far better than large ones."),
        ("item", "Pots smaller than twenty litres dry out by noon in July."),
        ("item", "A single tray of water under each pot halved my watering."),
        ("item", "Wind, not cold, did most of the damage."),
        ("item", "Pinching out side shoots mattered less than the books claim."),
        ("heading", "What I would do differently"),
        (
            "paragraph",
            "I would start the seeds indoors three weeks later. The early seedlings grew tall "
            "and weak on the windowsill and never recovered their strength.",
        ),
        (
            "paragraph",
            "I would also tie the plants to the railing instead of using bamboo canes, which "
            "the wind loosened twice in August.",
        ),
        ("heading", "The harvest"),
        (
            "paragraph",
            "In the end the six plants gave just under nine kilograms of fruit, most of it "
            "between late July and the first week of October.",
        ),
    ],
)

BRIDGE = Article(
    "Old Mill Bridge",
    [
        (
            "paragraph",
            "The Old Mill Bridge is a stone arch bridge over the river Tam, built in 1787 to "
            "carry the road from the mill to the market square.",
        ),
        ("row", "Crosses | River Tam"),
        ("row", "Material | Sandstone"),
        ("row", "Total length | 64 metres"),
        ("row", "Opened | 1787"),
        ("heading", "History"),
        (
            "paragraph",
            "The bridge replaced a timber crossing that had been swept away in the flood of "
            "1784. The mill owner paid for half of the work in exchange for a toll on grain carts.",
        ),
        (
            "paragraph",
            "The toll was abolished in 1851, when the county took over the bridge and "
            "widened its approaches.",
        ),
        ("heading", "Design"),
        (
            "paragraph",
            "Three arches of unequal span carry the roadway. The central arch is the widest, "
            "at 22 metres, so that barges could pass under it at high water.",
        ),
        ("heading", "Restoration"),
        (
            "paragraph",
            "A restoration completed in 2009 replaced the parapets and cleaned the stonework. "
            "The bridge has been closed to motor traffic since then.",
        ),
    ],
)

SOCIETY = Article(
    "Annual report of the Brindle Valley Walking Society",
    [
        (
            "paragraph",
            "The society organised 48 walks this year, four more than last year, with an "
            "average of 19 walkers on each.",
        ),
        ("heading", "Membership"),
        (
            "paragraph",
            "Membership rose to 212, of whom 37 joined during the year. Twelve members did not "
            "renew, most of them because they had moved away from the valley.",
        ),
        ("heading", "Paths"),
        (
            "paragraph",
            "Volunteers cleared 14 kilometres of overgrown footpath and rebuilt two stiles on "
            "the ridge route. The council repaired the footbridge at Coldwell in September.",
        ),
        ("heading", "Accounts"),
        ("row", "Item | Income | Spending"),
        ("row", "Subscriptions | 2,120 | 0"),
        ("row", "Coach hire | 0 | 1,480"),
        ("row", "Path materials | 0 | 310"),
        ("paragraph", "The society ends the year with a balance of 1,905 pounds."),
    ],
)


# -- the sites --------------------------------------------------------------------------------------


def news_page() -> Page:
    a = HARBOUR
    html = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{a.title} | The Coast Ledger</title>
<style>body {{ font-family: Georgia; }} .cookie-consent {{ position: fixed; }}</style>
<script>window.dataLayer = window.dataLayer || []; function gtag(){{dataLayer.push(arguments);}}</script>
<script type="application/ld+json">{{"@type": "NewsArticle", "headline": "Ledger structured data"}}</script>
</head><body>
<div id="cookie-banner" class="cookie-consent" role="dialog">We use cookies to improve your experience
and to show you relevant offers. <button>Accept all</button> <a href="/privacy">Manage choices</a></div>
<header class="site-header"><a class="logo" href="/">The Coast Ledger</a>
<nav aria-label="Sections"><ul><li><a href="/local">Local news</a></li><li>
<a href="/sport">Sport and leisure</a></li>
<li><a href="/business">Business desk</a></li><li><a href="/opinion">Opinion pages</a></li></ul></nav>
<form class="search"><input name="q" placeholder="Search the Ledger"><button>Go</button></form></header>
<main>
<article>
<header><h1>{escape(a.title)}</h1><p class="byline">By Ines Marsh · Tuesday evening</p></header>
<div class="share-buttons"><a href="#">Share on social media</a> <a href="#">Email this story</a></div>
{_body(a)}
<figure><img src="wall.jpg" alt="The harbour wall at low tide"><figcaption>The old wall, patched many times
since it was built.</figcaption></figure>
</article>
<section class="related-stories"><h2>More from Local news</h2><ul>
<li><a href="/a">Ferry timetable changes for winter season</a></li>
<li><a href="/b">School roof repairs finished ahead of term</a></li></ul></section>
<div class="newsletter-signup"><h3>Get the morning briefing</h3>
<p>Sign up for our free daily newsletter.</p></div>
</main>
<footer><p>© The Coast Ledger. All rights reserved.</p><ul><li><a href="/about">About the Ledger</a></li>
<li><a href="/contact">Contact the newsroom</a></li><li><a href="/terms">Terms of use</a></li></ul></footer>
<script>document.querySelectorAll('a').forEach(function (link) {{ link.rel = 'noopener'; }});</script>
</body></html>"""
    furniture = [
        "We use cookies to improve your experience", "Accept all", "Manage choices", "Local news",
        "Sport and leisure", "Business desk", "Search the Ledger", "Share on social media",
        "Email this story", "Ferry timetable changes", "School roof repairs", "Get the morning briefing",
        "Sign up for our free daily newsletter", "All rights reserved", "Contact the newsroom",
        "Terms of use", "dataLayer", "Ledger structured data", "font-family", "noopener",
    ]  # fmt: skip
    return Page("news", html, a, furniture)


def docs_page() -> Page:
    a = KILN
    html = f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{a.title} — Kiln documentation</title>
<link rel="stylesheet" href="/theme.css"><script src="/search-index.js"></script></head>
<body class="docs">
<div class="topbar"><span class="project">Kiln 3.2</span>
<div role="search"><input type="search" placeholder="Search the docs"></div>
<a href="https://example.org/kiln">Source code</a></div>
<div class="wrapper">
<div class="sidebar"><p class="caption">Contents</p><ul>
<li><a href="/start">Getting started with Kiln</a></li><li>
<a href="/install">Installing and configuring</a></li>
<li><a href="/recipes">Writing recipe files</a></li><li><a href="/print">Printing your book</a></li>
<li><a href="/faq">Frequently asked questions</a></li></ul></div>
<div class="content" role="main">
<div class="breadcrumbs"><a href="/">Docs home</a> » Installing</div>
<h1>{escape(a.title)}</h1>
{_body(a)}
<pre><code>[book]
page_size = "A5"
columns = 1</code></pre>
<div class="page-footer"><a href="/edit">Edit this page on the forge</a>
<span>Last updated by the Kiln team</span></div>
<div class="pager"><a href="/start">Previous: Getting started</a>
<a href="/recipes">Next: Writing recipes</a></div>
</div></div>
<script>var idx = lunr(function () {{ this.field('title'); }});</script>
</body></html>"""
    furniture = [
        "Kiln 3.2", "Search the docs", "Source code", "Getting started with Kiln", "Writing recipe files",
        "Printing your book", "Frequently asked questions", "Docs home", "Edit this page on the forge",
        "Last updated by the Kiln team", "Previous: Getting started", "Next: Writing recipes", "lunr",
    ]  # fmt: skip
    return Page("docs", html, a, furniture)


def blog_page() -> Page:
    a = GARDEN
    html = f"""<html><head><title>{a.title} – Rooftop Notes</title>
<style>#sidebar {{ float: right; }}</style></head>
<body>
<div id="wrapper">
<div id="header"><div class="blog-name">Rooftop Notes</div>
<div class="menu">
<a href="/">Home page</a> | <a href="/about">About me</a> | <a href="/archive">All posts</a></div></div>
<div class="modal newsletter-popup"><p>Never miss a post! Enter your email to subscribe.</p></div>
<div class="post">
<div class="post-header"><h1>{escape(a.title)}</h1><div class="meta">Posted in Gardening</div></div>
<div class="entry-content">
{_body(a, heading_tag="h3")}
</div>
<div class="post-tags">Tags: tomatoes, balcony</div>
</div>
<div id="comments"><h3>3 responses</h3>
<div class="comment"><p>Great post, I had the same trouble with wind on my balcony!</p></div>
<div class="comment"><p>Which cherry variety did you grow?</p></div></div>
<div id="sidebar"><h3>Archives</h3><ul><li>October archive</li><li>September archive</li></ul>
<h3>Blogroll</h3><ul><li><a href="#">The Pot Grower</a></li></ul></div>
<div id="footer">Powered by a small blog engine · Theme by Somebody</div>
</div></body></html>"""
    furniture = [
        "Rooftop Notes", "Home page", "About me", "All posts", "Never miss a post",
        "Great post, I had the same trouble", "Which cherry variety did you grow", "October archive",
        "Blogroll", "The Pot Grower", "Powered by a small blog engine", "3 responses",
    ]  # fmt: skip
    return Page("blog", html, a, furniture)


def wiki_page() -> Page:
    a = BRIDGE
    rows = [t for k, t in a.parts if k == "row"]
    infobox = "".join(
        f"<tr><th>{escape(r.split(' | ')[0])}</th><td>{escape(r.split(' | ')[1])}</td></tr>" for r in rows
    )
    prose = Article(a.title, [p for p in a.parts if p[0] != "row"])
    body = _body(prose).replace("</h2>", '<span class="mw-editsection">[edit section]</span></h2>')
    html = f"""<!DOCTYPE html>
<html><head><meta charset="UTF-8"><title>{a.title} - Valleypedia</title></head>
<body>
<div id="mw-head"><div id="p-personal"><a href="/login">Log in to Valleypedia</a></div>
<div id="left-navigation"><a href="/main">Main page of the wiki</a> <a href="/random">Random article</a>
</div></div>
<div id="content" class="mw-body" role="main">
<h1 id="firstHeading">{escape(a.title)}</h1>
<div id="siteSub">From Valleypedia, the free valley encyclopedia</div>
<table class="infobox"><caption>{escape(a.title)}</caption>{infobox}</table>
<div id="toc" class="toc"><h2>Contents</h2><ul><li>1 History</li><li>2 Design</li><li>3 Restoration</li>
</ul></div>
{body}
<h2>References</h2><ol class="references"><li>County records office, bridge ledger volume two.</li></ol>
<div class="printfooter">Retrieved from the Valleypedia archive</div>
<div id="catlinks">Categories: Bridges in the valley</div>
</div>
<div id="footer"><ul><li>This page was last edited on a Sunday.</li>
<li>Privacy policy of Valleypedia</li></ul></div>
</body></html>"""
    furniture = [
        "Log in to Valleypedia", "Main page of the wiki", "Random article", "[edit section]",
        "1 History", "Retrieved from the Valleypedia archive", "last edited on a Sunday",
        "Privacy policy of Valleypedia",
    ]  # fmt: skip
    return Page("wiki", html, a, furniture)


def legacy_page() -> Page:
    a = SOCIETY
    html = f"""<HTML><HEAD><TITLE>Brindle Valley Walking Society</TITLE></HEAD>
<BODY BGCOLOR="#FFFFFF">
<TABLE WIDTH="100%" BORDER=0><TR>
<TD WIDTH="20%" VALIGN=top CLASS="menu"><FONT SIZE=2><A HREF="index.html">Society home</A><BR>
<A HREF="walks.html">Walks programme</A><BR><A HREF="join.html">How to join us</A><BR>
<A HREF="links.html">Links to other clubs</A></FONT></TD>
<TD VALIGN=top><FONT FACE="Arial">
<H1>{escape(a.title)}</H1>
{_body(a)}
</FONT></TD></TR></TABLE>
<P ALIGN=center><FONT SIZE=1>Page maintained by the society secretary. Best viewed at 800x600.</FONT></P>
</BODY></HTML>"""
    furniture = ["Society home", "Walks programme", "How to join us", "Links to other clubs"]
    return Page("legacy", html, a, furniture)


def pages() -> list[Page]:
    return [news_page(), docs_page(), blog_page(), wiki_page(), legacy_page()]


# -- held out: written after the selectolax rules were last changed, never tuned on -----------------

PERMIT = Article(
    "Parking permits for residents: changes from 1 June",
    [
        (
            "paragraph",
            "From 1 June, residents' parking permits in zones B and C will be issued for "
            "twelve months instead of six. Permits already issued stay valid until the date printed on them.",
        ),
        ("heading", "Who can apply"),
        ("item", "People whose main home is in zone B or zone C."),
        ("item", "Carers who visit a resident in those zones at least three times a week."),
        ("item", "Businesses with a registered address in zone C, for one vehicle only."),
        ("heading", "Prices"),
        ("row", "Permit | Twelve months | Replacement"),
        ("row", "First vehicle | 96 pounds | 12 pounds"),
        ("row", "Second vehicle | 180 pounds | 12 pounds"),
        ("row", "Carer | Free | Free"),
        ("heading", "How to apply"),
        (
            "paragraph",
            "Apply online with proof of address dated within the last three months. Paper "
            "forms are available at the library on Quay Street for those who cannot apply online.",
        ),
    ],
)

STEW = Article(
    "Lentil and squash stew",
    [
        (
            "paragraph",
            "This stew feeds four and keeps for three days in the fridge. It tastes better on "
            "the second day, once the spices have settled.",
        ),
        ("heading", "Ingredients"),
        ("item", "250 grams of brown lentils, rinsed."),
        ("item", "Half a butternut squash, peeled and cut into cubes."),
        ("item", "One onion and two cloves of garlic, chopped."),
        ("item", "A tin of chopped tomatoes and 700 millilitres of stock."),
        ("heading", "Method"),
        (
            "paragraph",
            "Soften the onion in oil for eight minutes, then add the garlic and a teaspoon of "
            "cumin. Stir in the lentils, squash, tomatoes and stock.",
        ),
        (
            "paragraph",
            "Simmer with the lid on for thirty-five minutes, until the lentils are soft and the "
            "squash breaks apart at the edge of a spoon.",
        ),
    ],
)

ROVER = Article(
    "Students' rover wins the regional robotics cup",
    [
        (
            "paragraph",
            "A rover built by second-year engineering students won the regional robotics cup "
            "on Saturday, finishing the obstacle course in four minutes and ten seconds.",
        ),
        (
            "paragraph",
            "The team of five spent eleven weeks on the design, most of it on a suspension that "
            "keeps all six wheels on the ground over loose gravel.",
        ),
        ("heading", "A cheaper sensor"),
        (
            "paragraph",
            "Instead of a laser scanner, the rover finds its way with two ordinary cameras and "
            "software the students wrote themselves, which cut the cost of the sensors by three quarters.",
        ),
        ("heading", "Next steps"),
        (
            "paragraph",
            "The team will take the rover to the national final in Leeds in November, where "
            "twenty teams are expected to compete.",
        ),
    ],
)


def council_page() -> Page:
    a = PERMIT
    html = f"""<!doctype html><html lang="en-GB"><head><meta charset="utf-8">
<title>{a.title} - Marlow Borough Council</title>
<script>!function(){{var s=document.createElement('script');s.src='/analytics.js';}}();</script></head>
<body class="govuk-template__body">
<a href="#main-content" class="govuk-skip-link">Skip to main content</a>
<div class="global-alert">
<p>Bin collections are delayed by one day this week because of the bank holiday.</p></div>
<header class="govuk-header" role="banner"><a href="/" class="govuk-header__link">Marlow Borough Council</a>
<ul class="mega-menu"><li><a href="/bins">Bins and recycling</a></li><li><a href="/tax">Council tax</a></li>
<li><a href="/planning">Planning applications</a></li></ul></header>
<div class="govuk-width-container">
<main class="govuk-main-wrapper" id="main-content">
<h1 class="govuk-heading-xl">{escape(a.title)}</h1>
{_body(a)}
<div class="feedback"><p>Was this page useful? <a href="/yes">Yes</a> <a href="/no">No</a></p>
<p>Report a problem with this page</p></div>
</main></div>
<footer class="govuk-footer" role="contentinfo"><p>Open Government Licence</p>
<p>Marlow Borough Council, Town Hall</p></footer>
</body></html>"""
    furniture = [
        "Skip to main content", "Bins and recycling", "Council tax", "Planning applications",
        "Was this page useful", "Report a problem with this page", "Open Government Licence",
        "analytics.js",
    ]  # fmt: skip
    return Page("council", html, a, furniture)


def recipe_page() -> Page:
    a = STEW
    html = f"""<html><head><meta charset="utf-8"><title>{a.title} | Weeknight Pots</title>
<link rel="stylesheet" href="/site.css"></head>
<body>
<div class="site-top"><span class="site-title">Weeknight Pots</span>
<ul class="primary-links"><li><a href="/soups">Soups and stews</a></li><li><a href="/bakes">Bakes</a></li>
<li><a href="/shop">Shop our cookware</a></li></ul></div>
<div class="ad-slot leaderboard">Advertisement: Try our meal kit free for a week</div>
<div class="recipe-wrap">
<a class="jump-to-recipe" href="#recipe">Jump to recipe</a>
<h1>{escape(a.title)}</h1>
<div class="rating">Rated 4.7 by 212 cooks</div>
<div class="recipe-body">
{_body(a)}
</div>
<div class="ad-slot inline">Advertisement: Kitchen knives at half price</div>
<div class="print-recipe"><a href="#">Print this recipe</a> <a href="#">Pin it for later</a></div>
</div>
<div class="site-bottom"><p>Copyright Weeknight Pots. Recipes tested in a home kitchen.</p>
<p><a href="/cookies">Cookie settings</a></p></div>
</body></html>"""
    furniture = [
        "Soups and stews", "Shop our cookware", "Try our meal kit free", "Kitchen knives at half price",
        "Cookie settings", "Recipes tested in a home kitchen",
    ]  # fmt: skip
    return Page("recipe", html, a, furniture)


def university_page() -> Page:
    a = ROVER
    html = f"""<!DOCTYPE html><html><head><meta charset="utf-8">
<title>{a.title} · Northfield University</title>
<style>.region-content {{ max-width: 40em }}</style></head>
<body>
<div class="region-top-bar"><a href="/students">Current students</a> <a href="/staff">Staff intranet</a>
<a href="/apply">Apply now for next year</a></div>
<div class="region-branding"><img src="/crest.png" alt="Northfield University crest"></div>
<div id="block-main-menu"><ul><li>Study with us</li><li>Research at Northfield</li>
<li>About the university</li></ul></div>
<div class="region-content">
<div class="news-item">
<h1 class="page-title">{escape(a.title)}</h1>
<div class="field-date">Published in the autumn term</div>
{_body(a)}
<div class="field-media-contact">Media enquiries: press office, extension 4410</div>
</div>
<div class="block-latest-news"><h2>Latest news</h2><ul><li>Library opens around the clock during exams</li>
<li>New bus route to the science park</li></ul></div>
</div>
<div class="region-footer"><p>Northfield University is a registered charity.</p>
<p>Accessibility statement</p></div>
</body></html>"""
    furniture = [
        "Current students", "Staff intranet", "Apply now for next year", "Study with us",
        "Research at Northfield", "Library opens around the clock", "New bus route to the science park",
        "registered charity", "Accessibility statement",
    ]  # fmt: skip
    return Page("university", html, a, furniture)


def held_out() -> list[Page]:
    return [council_page(), recipe_page(), university_page()]
