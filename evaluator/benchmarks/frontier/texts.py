"""Prompt texts of the frontier tasks (our own wording of the harness's prompt structure)."""

from __future__ import annotations

#: The prompt frame: the question before and after the <context> block, the answer in an <answer> block.
FRAME = """{intro}

{lead}

<question>
{question}
</question>

<context>
{context}
</context>

<question>
{question}
</question>

How to reply:
1. Start with a short explanation of how you found the answer, inside <explanation> and </explanation>.
2. Then give the final answer inside <answer> and </answer>, in exactly this form:
<answer>
{answer_format}
</answer>

Rules:
{rules}
- Keep the explanation short and plain.
- Put nothing but the answer in the answer block, and follow the format above exactly."""

LEAD_ONE = "The question is given before the context and repeated after it."
LEAD_MANY = "The questions are given before the context and repeated after it."

#: Upper-case words that are vocabulary words; every other upper-case run is spelled letter by letter.
UPPER_WORDS = ("VAR",)

NIAH_INTRO = (
    "The context below is a document made of many key and value pairs. "
    "Your job is to find the values that belong to the keys I ask about."
)
NIAH_NEEDLE = "The value for key {key} is: {value}."
NIAH_QUESTION = "Give the values of these keys: {keys}"
NIAH_ANSWER_FORMAT = """1. The answer for <first key> is <its value>.
2. The answer for <second key> is <its value>.
(and so on)"""
NIAH_RULES = """- Answer the keys in the order in which they are asked.
- Write every answer line as: <number>. The answer for <key> is <value>.
- Copy each key and each value exactly as the document writes it."""
NIAH_GOLD_LINE = "{number}. The answer for {key} is {value}."

VT_INTRO = (
    "The context below holds variable assignments of two kinds: a number assigned to a variable, "
    "as in VAR QWERT = 24680, and one variable copied into another, as in VAR ZXCVB = VAR QWERT. "
    "Variable names are upper case letters, and the assignments stand in no particular order."
)
VT_NOISE = "The hills are quiet. The river is wide. The road is long. We rest here. Then we go on."
VT_NUMBER = "VAR {name} = {value}."
VT_COPY = "VAR {name} = VAR {source}."
VT_QUESTION = (
    "Which variables hold the value {value}? A variable holds {value} when it is assigned {value} "
    "directly, or when it is assigned a variable that holds {value}."
)
VT_ANSWER_FORMAT = "first_name second_name third_name (and so on)"
VT_RULES = """- List only the variables that hold the value, in any order.
- Write the names without the word VAR and without punctuation, separated by spaces."""

CWE_INTRO = (
    "The context below is a numbered list of words. Find the words that occur most often in it. "
    "Read and count the words yourself; do not write or run any program."
)
CWE_QUESTION = (
    "Exactly {common} words in the list occur {common_freq} times each, and every other word occurs "
    "{rare_freq} times. The words are in random order. Which {common} words occur {common_freq} times each?"
)
CWE_ANSWER_FORMAT = """1. first_word
2. second_word
(and so on, up to)
{common}. last_word"""
CWE_RULES = """- Give exactly {common} words, one on each line, numbered from 1 to {common}.
- Write each word exactly as the list writes it."""
CWE_LINE = "{number}. {word}"

STORY_INTRO = (
    "The context below is a story told in chapters. In each chapter the protagonist, {hero}, travels to "
    "a place, meets someone there and trades goods. Every item in the story is unique, and an item "
    "changes hands when it is bought or sold. Read the story with care and answer from what it says."
)
RETRIEVAL_QUESTIONS = {
    "location": "{number}. Which place did the protagonist visit in Chapter {chapter}?",
    "character": "{number}. Whom did the protagonist meet in Chapter {chapter}?",
    "item": "{number}. Which item did the protagonist buy in Chapter {chapter}?",
}
RETRIEVAL_ANSWER_FORMAT = """1. first_answer
2. second_answer
(and so on)"""
RETRIEVAL_RULES = """- Give one answer per line, starting with the number of its question.
- Leave out articles such as the, a or an.
- Answer with the exact name of the place, the person or the item as the story gives it."""
RETRIEVAL_GOLD_LINE = "{number}. {answer}"

MULTIHOP_QUESTION = "Which item did the protagonist buy last before buying the {item}?"
MULTIHOP_ANSWER_FORMAT = "item_name"
MULTIHOP_RULES = """- Put only the name of the item in the answer block.
- Leave out articles such as the, a or an.
- Write the item name exactly as the story gives it."""

FILTERING_QUESTION = (
    "In which chapters did the protagonist buy nothing at all? Exactly {count} chapters have no purchase."
)
FILTERING_ANSWER_FORMAT = "first_chapter_number, second_chapter_number, (and so on)"
FILTERING_RULES = "- Put only the chapter numbers in the answer block, separated by commas."


def prompt_render(
    *, intro: str, many: bool, question: str, context: str, answer_format: str, rules: str
) -> str:
    """The full prompt: intro, question, <context> block, question again, reply instructions."""
    return FRAME.format(
        intro=intro,
        lead=LEAD_MANY if many else LEAD_ONE,
        question=question,
        context=context,
        answer_format=answer_format,
        rules=rules,
    )
