"""Writes evals/mixed/corpus/: the documents of the mixed-format eval set (evals/mixed.yaml).

``python evals/mixed/make_corpus.py`` (needs reportlab and python-docx, both in the ``dev`` extra).
Every text here is original, written for this eval set by the project; none is copied from anywhere.
The files are made byte for byte the same on every run (fixed dates inside PDF and zip), so the
committed corpus can be checked against this script.

The corpus is one small town's paperwork, in the formats people keep it in:
- ``garden-report.pdf``: a four-page annual report, page 3 set in two columns, with a running footer;
- ``bus-route.html``: a local news page, with navigation, a cookie banner, related links and a footer;
- ``council-minutes.docx``: meeting minutes with headings, a bulleted list and a table of actions;
- ``kayak-safety.txt``: plain text notes, a paragraph per line;
- ``README`` (no suffix): the read-me of a tool library, hard-wrapped as such files are.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

CORPUS = Path(__file__).resolve().parent / "corpus"
FIXED_DATE = (2026, 3, 1, 12, 0, 0)

# -- garden-report.pdf ------------------------------------------------------------------------------

GARDEN_TITLE = "Riverside Community Garden: Annual Report"
GARDEN = {
    "summary": [
        "The Riverside Community Garden completed its sixth growing season this year.",
        "The garden covers 0.8 hectares on the former railway sidings behind Mill Lane.",
        "It is run by a committee of seven volunteers, elected each February at the members' meeting.",
    ],
    "members": [
        "At the end of the season the garden had 64 plots, all of them let.",
        "Eighteen households were on the waiting list for a plot in November.",
        "A full plot costs 45 pounds a year and a half plot costs 25 pounds.",
        "Members over seventy, and members receiving benefits, pay half price.",
        "Four raised beds next to the gate were rebuilt at wheelchair height in May.",
    ],
    "harvest": [
        "Members weighed 3.2 tonnes of produce at the shed scales, about 400 kilograms more than last year.",
        "Potatoes made up the largest share of the harvest, followed by courgettes and runner beans.",
        "A dry June meant that the two rainwater tanks ran empty for eleven days.",
        "During those days the committee paid for mains water, which cost 140 pounds.",
        "A third tank holding 2,000 litres will be installed before next summer.",
        "Surplus produce went to the food bank at St Anne's church every Saturday from July to October.",
    ],
    "money": [
        "Income for the year was 3,610 pounds, of which plot fees brought in 2,480 pounds.",
        "The largest spending was 1,150 pounds on the new tool shed, which replaced one destroyed by fire "
        "in March.",
        "The garden ends the year with 2,045 pounds in the bank.",
        "The committee proposes to keep plot fees unchanged next year.",
    ],
}


def garden_pdf(path: Path) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import cm
    from reportlab.platypus import (
        BaseDocTemplate,
        Frame,
        NextPageTemplate,
        PageBreak,
        PageTemplate,
        Paragraph,
    )

    styles = getSampleStyleSheet()
    body = styles["BodyText"]
    width, height = A4
    margin = 2 * cm

    def footer(canvas, doc) -> None:  # type: ignore[no-untyped-def]
        canvas.saveState()
        canvas.setFont("Helvetica", 8)
        canvas.drawString(margin, 1.2 * cm, "Riverside Community Garden - registered charity 1187342")
        canvas.drawRightString(width - margin, 1.2 * cm, f"{doc.page}")
        canvas.restoreState()

    one = Frame(margin, margin, width - 2 * margin, height - 2 * margin, id="one")
    column = (width - 2 * margin - cm) / 2
    left = Frame(margin, margin, column, height - 2 * margin, id="left")
    right = Frame(margin + column + cm, margin, column, height - 2 * margin, id="right")
    doc = BaseDocTemplate(
        str(path), pagesize=A4, title=GARDEN_TITLE, author="Riverside Community Garden", invariant=1
    )
    doc.addPageTemplates(
        [PageTemplate("one", [one], onPage=footer), PageTemplate("two", [left, right], onPage=footer)]
    )
    s = GARDEN
    story = [
        Paragraph(GARDEN_TITLE, styles["Title"]),
        Paragraph("Summary", styles["Heading1"]),
        Paragraph(" ".join(s["summary"]), body),
        Paragraph(
            "This report covers the season from March to November. It was approved by the committee and "
            "will be presented to members at the annual meeting.",
            body,
        ),
        PageBreak(),
        Paragraph("Members and plots", styles["Heading1"]),
        Paragraph(" ".join(s["members"][:3]), body),
        Paragraph(" ".join(s["members"][3:]), body),
        NextPageTemplate("two"),
        PageBreak(),
        Paragraph("Harvest and water", styles["Heading1"]),
        Paragraph(
            s["harvest"][0] + " " + s["harvest"][1] + " "
            "Weighing is voluntary, so the true figure is higher: several members grow for their own "
            "kitchens and never bring their baskets to the shed. The scales were checked against a "
            "certified weight in April and again in September, and both checks were within half a "
            "kilogram. The weight book is kept in the shed and anyone may read it. Members are asked to "
            "weigh produce on the day it is picked, before it is washed, so that the figures from "
            "different plots can be compared fairly from one year to the next.",
            body,
        ),
        Paragraph(
            "Water is the garden's weak point. " + " ".join(s["harvest"][2:5]) + " "
            "The tank will be paid for from the grant that the town council awarded in October. Until it "
            "is installed, members are asked to water in the evening and to mulch their beds, which keeps "
            "the soil damp for longer and reduces the amount of water each plot needs in a dry spell. "
            "Hoses may not be left running unattended, and sprinklers are not allowed at any time.",
            body,
        ),
        Paragraph(s["harvest"][5], body),
        NextPageTemplate("one"),
        PageBreak(),
        Paragraph("Money", styles["Heading1"]),
        Paragraph(" ".join(s["money"][:3]), body),
        Paragraph(s["money"][3], body),
    ]
    doc.build(story)


# -- bus-route.html ---------------------------------------------------------------------------------

BUS_HTML = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>New bus route links the hospital and the station | Valley Courier</title>
<style>body { font-family: Georgia, serif; } .cookie-banner { position: fixed; bottom: 0; }</style>
<script>window.courierAds = window.courierAds || []; courierAds.push({slot: "top"});</script>
</head>
<body>
<div class="cookie-banner" role="dialog">This site uses cookies to measure readership.
<button>Accept cookies</button> <a href="/privacy">Read our privacy notice</a></div>
<header class="masthead"><a class="brand" href="/">Valley Courier</a>
<nav><ul><li><a href="/news">News</a></li><li><a href="/sport">Sport</a></li>
<li><a href="/what-s-on">What's on</a></li>
<li><a href="/property">Property</a></li><li><a href="/jobs">Jobs</a></li></ul></nav></header>
<main>
<article>
<h1>New bus route links the hospital and the station</h1>
<p class="byline">By Priya Nandakumar</p>
<p>A new bus route, the number 14, will connect Valley General Hospital with the railway station from
Monday 6 April, the county transport office has announced.</p>
<p>The route runs every twenty minutes between 6am and 8pm on weekdays and every thirty minutes on
Saturdays. There is no Sunday service for now.</p>
<h2>Why the route was needed</h2>
<p>Until now, patients and visitors arriving by train have had to change buses in the town centre, a
journey that could take up to fifty minutes. The direct route is expected to take eighteen minutes.</p>
<p>A survey of hospital staff last autumn found that one in three would leave the car at home if a
direct bus were available.</p>
<h2>Fares and tickets</h2>
<p>A single fare on the number 14 costs 2 pounds, the same as other routes in the county.</p>
<ul>
<li>Hospital patients with an appointment letter travel free.</li>
<li>Day tickets bought on any county bus are valid on the new route.</li>
<li>Contactless payment is accepted on every bus.</li>
</ul>
<h2>Stops</h2>
<table>
<tr><th>Stop</th><th>Minutes from the station</th></tr>
<tr><td>Railway station</td><td>0</td></tr>
<tr><td>Market Street</td><td>6</td></tr>
<tr><td>Valley College</td><td>11</td></tr>
<tr><td>Valley General Hospital</td><td>18</td></tr>
</table>
<p>The route is funded for two years by a grant of 610,000 pounds from the national bus fund. The
council will decide whether to keep it after reviewing passenger numbers in the second year.</p>
</article>
<section class="related-articles"><h2>Related stories</h2><ul>
<li><a href="/news/parking">Hospital car park charges to rise in May</a></li>
<li><a href="/news/station">Station footbridge to close for repairs</a></li></ul></section>
<div class="newsletter"><h3>The Courier in your inbox</h3><p>Sign up for our weekday newsletter.</p></div>
</main>
<footer><p>Valley Courier, 12 Bridge Street.</p><ul><li><a href="/contact">Contact us</a></li>
<li><a href="/advertise">Advertise with us</a></li></ul><p>© Valley Courier. All rights reserved.</p></footer>
<script>document.querySelectorAll("a[href^='http']").forEach(function (a) { a.target = "_blank"; });</script>
</body></html>
"""

# -- council-minutes.docx ---------------------------------------------------------------------------

ACTIONS = [
    ["Action", "Who", "By when"],
    ["Get three quotes for resurfacing the car park", "Clerk", "31 March"],
    ["Write to the county about the broken streetlight on Church Walk", "Councillor Osei", "15 March"],
    ["Book the village hall for the annual parish meeting", "Clerk", "1 April"],
]


def minutes_docx(path: Path) -> None:
    import datetime

    import docx

    document = docx.Document()
    moment = datetime.datetime(*FIXED_DATE)
    properties = document.core_properties
    properties.title = "Minutes of the Ashby Parva Parish Council"
    properties.author = "Parish clerk"
    properties.created = properties.modified = properties.last_printed = moment
    properties.revision = 1
    document.add_heading("Minutes of the Ashby Parva Parish Council", level=0)
    document.add_paragraph(
        "Meeting held in the village hall on Tuesday 3 March at 7.30pm. Six of the seven councillors "
        "were present; Councillor Haines sent apologies."
    )
    document.add_heading("Public questions", level=1)
    document.add_paragraph(
        "Two residents asked about speeding on the Leicester Road. The chair said that the council had "
        "asked the police for a speed check, which is planned for April."
    )
    document.add_heading("Playground", level=1)
    document.add_paragraph(
        "The council agreed to replace the wooden climbing frame, which failed its annual safety "
        "inspection in January. The new frame will cost 8,900 pounds, of which 6,000 pounds will come "
        "from a lottery grant."
    )
    document.add_paragraph("The playground will stay open while the work is done.", style="List Bullet")
    document.add_paragraph("The old frame will be offered to the school for firewood.", style="List Bullet")
    document.add_heading("Finance", level=1)
    paragraph = document.add_paragraph("The council set the precept for next year at ")
    paragraph.add_run("31,200 pounds").bold = True
    paragraph.add_run(", an increase of 2 per cent.")
    document.add_paragraph(
        "The clerk reported that the council's reserves stood at 19,450 pounds at the end of February."
    )
    document.add_heading("Actions", level=1)
    table = document.add_table(rows=0, cols=3)
    for row in ACTIONS:
        for cell, value in zip(table.add_row().cells, row, strict=True):
            cell.text = value
    document.add_paragraph("The next meeting will be held on Tuesday 7 April.")
    buffer = io.BytesIO()
    document.save(buffer)
    path.write_bytes(_fixed_zip(buffer.getvalue()))


def _fixed_zip(data: bytes) -> bytes:
    """The same archive with fixed entry dates, so that a rerun writes the same bytes."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_DATE)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(fixed, source.read(info))
    return out.getvalue()


# -- kayak-safety.txt and README --------------------------------------------------------------------

KAYAK = """Millpond Kayak Club - safety notes for new members

Every paddler must wear a buoyancy aid on the water, whatever their experience.

New members paddle only in club sessions for their first six weeks. After that, they may take a boat \
out alone if they have passed the capsize test and a committee member has signed their card.

The river below the weir is closed to club boats when the gauge at the boathouse reads more than \
1.2 metres. The reading is written on the board by the door every morning.

Boats must be back in the boathouse by sunset. The last person to leave locks the door and returns \
the key to the key safe; the code is changed on the first day of each month.

In an emergency call 999 and ask for the coastguard, even on the river. The nearest defibrillator \
is on the outside wall of the Anchor pub.
"""

README = """Westgate Tool Library

The Westgate Tool Library lends tools to anyone who lives in the Westgate ward. It is run by
volunteers from the back room of the community centre on Dover Road.

Opening hours

  Wednesday evenings, 6pm to 8pm
  Saturday mornings, 10am to 1pm

Borrowing

Membership is free. To join, bring proof of address to an opening session.
Members may borrow up to three tools at a time, for one week.
Power tools are lent only to members aged eighteen or over.
A tool returned late costs 50p for each day it is late; the money pays for blades and batteries.

Donations

We welcome donations of tools in working order. We cannot accept petrol-driven tools or
anything with a damaged cable.
"""


def main(target: Path = CORPUS) -> None:
    target.mkdir(parents=True, exist_ok=True)
    garden_pdf(target / "garden-report.pdf")
    (target / "bus-route.html").write_text(BUS_HTML, encoding="utf-8")
    minutes_docx(target / "council-minutes.docx")
    (target / "kayak-safety.txt").write_text(KAYAK, encoding="utf-8")
    (target / "README").write_text(README, encoding="utf-8")


if __name__ == "__main__":
    main()
