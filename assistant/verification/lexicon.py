"""The few closed word classes the rules need: opposites, hedges, causes, passive markers, pronouns.

Word embeddings put antonyms close together ("east"/"west" 0.79, "longer"/"shorter" 0.80 with
MiniLM), so a word of one of these classes must be matched by the same word, never by a similar one.
All entries are lemmas as ``text.normalize`` gives them.
"""

from __future__ import annotations

# Each group holds words that contradict each other: a claim that uses one of them needs the same
# word (or an equivalent of the same group member) in its source.
_OPPOSITES = [
    "east eastern eastward eastwards | west western westward westwards",
    "north northern northward northwards | south southern southward southwards",
    "northeast northeastern | northwest northwestern | southeast southeastern | southwest southwestern",
    "upstream | downstream",
    "upper | lower",
    "left | right",
    "before precede prior earlier previous | after follow subsequent later",
    "first | last | second | third | fourth | fifth",
    "early | late",
    "more | less fewer",
    "most | least",
    "high higher highest | low lower lowest",
    "large larger largest big bigger biggest | small smaller smallest",
    "long longer longest lengthen | short shorter shortest shorten",
    "wide wider widest broad | narrow",
    "deep | shallow",
    "dark darker | light lighter",
    "heavy | light",
    "warm warmer | cold colder cool",
    "dense denser | light lighter",
    "rise rising raise increase | fall falling drop sink lower decrease reduce",
    "lengthen | shorten",
    "succeed success successful | fail failure failed",
    "open | close closed",
    "enter | leave",
    "add | remove",
    "win | lose",
    "accept | reject",
    "confirm | deny",
    "welcome praise | criticize condemn",
    "ally | enemy",
    "clean | polluted pollution",
    "agricultural | industrialized industrial",
    "freshwater | brackish",
    "same | different",
    "full fully | partly partially",
    "all | some",
    "always | sometimes occasionally rarely seldom",
    "required mandatory compulsory obligatory | optional voluntary encouraged recommended",
    "start begin beginning | end ending finish",
    "speed sped accelerate hasten | slow halt stop end ending",
    "inland | offshore",
]
# The groups of compass directions (the first three): a claim that gives one its source lacks states a
# fact the source does not, as a number or a date would.
COMPASS = frozenset({0, 1, 2})
OPPOSITES: dict[str, frozenset[tuple[int, int]]] = {}
"""word → the (group, side) pairs it stands on: "light" is opposed to "dark", "heavy" and "dense"."""
for _group, _line in enumerate(_OPPOSITES):
    for _side, _words in enumerate(_line.split("|")):
        for _word in _words.split():
            OPPOSITES[_word] = OPPOSITES.get(_word, frozenset()) | {(_group, _side)}

# Words that make a statement less than certain, or true only once or as an attempt: a claim that
# drops all of them overstates its source ("will" for "could", "succeeded" for "tried", "is" for
# "formerly was").
HEDGES = frozenset(
    """could may might can likely unlikely possibly possible probably presumably perhaps suggest
    suggested expect expected if whether unclear appear appears seem seems potentially reportedly
    allegedly try attempt formerly former previously once originally initially cite cited usually often
    sometimes generally typically mostly normally occasionally frequently regularly commonly""".split()
)
# Words that state why: a claim may give a cause only where its source gives one.
CAUSES = frozenset(
    """because cause caused due thanks lead led result resulted therefore reason hence thus
    consequently""".split()
)
# A unit written as a symbol in a source licenses the words a claim spells it out with.
UNIT_WORDS = {
    "$": "dollar usd",
    "€": "euro",
    "£": "pound",
    "m3/s": "cubic metre meter second",
    "cu ft/s": "cubic foot feet second",
    "km": "kilometre kilometer",
    "%": "percent",
    " mi": "mile",
    " ft": "foot feet",
    " cm": "centimetre centimeter",
    " m ": "metre meter",
}
# Words that frame a claim rather than carry its content ("The article says …").
FRAME_NOUNS = frozenset("article text document source passage".split())
# Verbs of saying: free when the claim says nothing about who says it ("is described as"), but with a
# name before them they attribute ("Japan's foreign ministry said …") and must be the source's.
FRAME_VERBS = frozenset("say state describe call mention note report according per refer write".split())
# Number words the quantity parser leaves as words when they stand alone ("hundreds of metres").
NUMBER_NOUNS = frozenset("hundred thousand million billion trillion dozen half couple few several".split())
# Verbs too general to carry a claim: a paraphrase may use one the source does not ("lay within the
# borders" for "was within the borders").
LIGHT_VERBS = frozenset(
    """be become come go get give have hold keep lay lie make mark put reach run see serve set stand
    take turn form find remain stay show bring use do""".split()
)
# What "per" may be followed by in a rate: a claim's rate must be the source's.
RATE_UNITS = frozenset("second minute hour day week month year decade century capita cent".split())
SUBJECT_PRONOUNS = frozenset("he she it they".split())
# Prepositions of place: what "not" negates goes on to the place ("not on the smart card").
PLACING = frozenset("in on at into onto inside under over".split())
PRONOUNS = frozenset("he she him her his hers it its they them their theirs this these those".split())
BE = frozenset("be is are was were been being".split())
# Words that open a noun phrase: they stand between a verb or a preposition and what it governs.
DETERMINING = frozenset("a an the this that these those its their his her our your my".split())
