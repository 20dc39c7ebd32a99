"""Sentence templates of the story chapters (our own text; slots {hero} {place} {person} {event} {item})."""

from __future__ import annotations

#: Default protagonist name (the harness's default is a different name; only the role matters).
HERO = "Aurel"

ARRIVALS = (
    "Late in the afternoon {hero} reached {place}, tired from the road.",
    "At first light {hero} walked through the gates of {place}.",
    "{hero} came to {place} as the lamps were being lit.",
    "The road brought {hero} to {place} on a grey and windy morning.",
    "After a long march {hero} finally arrived in {place}.",
    "{hero} entered {place} with the crowd of travellers at noon.",
    "Rain was falling when {hero} came down the hill into {place}.",
    "{hero} rode into {place} behind a line of slow carts.",
)

REASONS = (
    "{hero} hoped to hear news there that could not be found elsewhere.",
    "Word had spread that {place} was a good town for a trader.",
    "{hero} wanted to rest a few days in {place} before going on.",
    "An old letter had told {hero} to look for answers in {place}.",
    "{hero} meant to learn what the people of {place} knew about the road ahead.",
    "Friends had advised {hero} to visit {place} at least once.",
    "{hero} had long been curious about the markets of {place}.",
    "Nothing in particular drew {hero} there, only the wish to see new streets.",
)

EVENT_LINES = (
    "Soon after, {event} turned the whole town upside down.",
    "That same day {event} was all that anyone could talk about.",
    "Within a few hours {event} had changed the mood in the streets.",
    "Before long {event} drew a crowd into the main square.",
    "Nobody in {place} had expected {event}, and many were uneasy.",
    "While {hero} looked around, {event} kept everyone busy.",
    "By evening {event} had spread its news to every door.",
    "Talk of {event} filled the taverns of {place}.",
)

ENCOUNTERS = (
    "Near the fountain {hero} met {person}, who was glad to talk.",
    "{person} greeted {hero} at the door of an old workshop.",
    "In a narrow lane {hero} ran into {person}.",
    "{person} waved {hero} over to a bench in the shade.",
    "It was {person} who first spoke to {hero} in the square.",
    "{hero} found {person} waiting by the well.",
    "{person} stepped out of the crowd and shook hands with {hero}.",
    "At the edge of the market {hero} was stopped by {person}.",
)

TALKS = (
    "They talked for a while about the weather and the state of the roads.",
    "The two spoke of old songs that are still sung in the hills.",
    "They shared stories about the rivers and the ferries that cross them.",
    "Their talk turned to the prices of salt and grain this season.",
    "They wondered aloud how long the peace between the towns would last.",
    "For a time they argued, kindly, about the best way to cook fish.",
    "They spoke about the guilds and the rules that bind their members.",
    "The conversation drifted to distant cities that neither had seen.",
    "They laughed about the tricks that young apprentices play on their masters.",
    "They agreed that honest weights and measures keep a market alive.",
    "The talk moved to the old walls of {place} and who had built them.",
    "They compared notes on the inns along the coast road.",
    "Both had heard rumours of a shipwreck far to the south.",
    "They discussed the coming winter and how to prepare for it.",
    "The two spent some time on the quarrels of the local families.",
    "They remembered teachers who had taught them to read and write.",
)

PURCHASES = (
    "After some haggling, {hero} bought the {item} from {person}.",
    "{hero} paid {person} a fair price for the {item}.",
    "{person} agreed to sell the {item}, and {hero} bought it on the spot.",
    "In the end {hero} purchased the {item} from {person}.",
    "{hero} counted out the coins and bought the {item} from {person}.",
    "Before leaving, {hero} bought the {item} that {person} had shown.",
    "{hero} took the {item} home after buying it from {person}.",
    "The bargain was struck, and {hero} bought the {item} from {person}.",
)

SALES = (
    "{hero} sold the {item} to {person} for a good sum.",
    "{person} wanted the {item}, so {hero} sold it.",
    "In return {hero} sold the {item} to {person}.",
    "{hero} parted with the {item}, selling it to {person}.",
    "Before the day was over {hero} had sold the {item} to {person}.",
)

FAREWELLS = (
    "{hero} thanked {person} and said goodbye.",
    "With a nod, {hero} took leave of {person}.",
    "{person} and {hero} parted as friends.",
    "{hero} wished {person} well and walked away.",
    "{hero} left {person} at the corner of the street.",
    "Waving to {person}, {hero} went on alone.",
    "{hero} promised {person} to come back some day.",
    "{person} walked {hero} to the end of the lane and turned back.",
)

CLOSINGS = (
    "Then {hero} left {place} and took the road again.",
    "The next morning {hero} was already on the way out of town.",
    "{hero} spent one more night in {place} before moving on.",
    "With much to think about, {hero} walked on.",
    "{hero} looked back at {place} once and kept walking.",
    "Soon {place} was far behind, and {hero} followed the road.",
    "{hero} packed up and set off before the sun rose.",
    "The gates of {place} closed behind {hero} at dusk.",
)

ASIDES = (
    "Dogs barked somewhere in the distance.",
    "The smell of fresh bread hung over the rooftops.",
    "Children ran past, chasing a rolling hoop.",
    "A cold wind blew in from the fields.",
    "Bells rang out from a tower nearby.",
    "The evening sky turned a deep shade of red.",
    "Gulls circled slowly over the houses.",
    "Somebody was playing a fiddle in a yard.",
)
