"""The closed word-level tokenizer of the frontier tasks: a fixed vocabulary and an exact round trip.

Id layout (deterministic; `WordTokenizer.layout` gives each block's first id):
  specials   <pad> <unk> <bos> <eos>
  tags       <context> </context> <question> </question> <answer> </answer> <explanation> </explanation>
  spaces     " " "\\n" "\\t" "\\r"
  punct      each ASCII punctuation character (string.punctuation order)
  digits     0-9, one token per digit (every number is spelled digit by digit)
  letters    a-z A-Z, for runs that are not vocabulary words (VT names: 5 letters = 5 tokens)
  pairs      the 36*36 pairs of [a-z0-9]: a key group of 8 characters is 4 pair tokens, id = base + 36*i + j
  words      the vocabulary words (sorted), without a leading space
  sp_words   the same words with a leading space, in the same order (id = sp_words base + word index)
A space before a word is part of the word's token; a space before anything else is its own " " token.
A key such as "ab12cd34-ef56gh78-..." (groups of 8 [a-z0-9] joined by "-") is pairs and "-" tokens:
a 4-group key is always 19 tokens. Characters outside printable ASCII encode to <unk>.
"""

from __future__ import annotations

import hashlib
import re
import string
from dataclasses import dataclass
from functools import cache

from . import story_text, texts
from .lexicon import lexicon_load

SPECIALS = ("<pad>", "<unk>", "<bos>", "<eos>")
TAG_NAMES = ("context", "question", "answer", "explanation")
TAGS = tuple(f"<{close}{tag}>" for tag in TAG_NAMES for close in ("", "/"))
SPACES = (" ", "\n", "\t", "\r")
PUNCT = tuple(string.punctuation)
DIGITS = tuple(string.digits)
LETTERS = tuple(string.ascii_letters)
KEY_CHARS = string.ascii_lowercase + string.digits
PAIRS = tuple(a + b for a in KEY_CHARS for b in KEY_CHARS)
_LETTER_INDEX = {ch: i for i, ch in enumerate(LETTERS)}
_KEY_INDEX = {ch: i for i, ch in enumerate(KEY_CHARS)}

_PIECE = re.compile(
    r"(?P<tag></?(?:context|question|answer|explanation)>)"
    r"|(?P<key> ?(?<![A-Za-z0-9])[a-z0-9]{8}(?:-[a-z0-9]{8})+(?![A-Za-z0-9]))"
    r"|(?P<word> ?[A-Za-z]+)"
    r"|(?P<other>[\s\S])"
)
_SLOT = re.compile(r"\{[a-z_]+\}")
_WORD = re.compile(r"[A-Za-z]+")


def _is_upper_run(word: str) -> bool:
    """True for an all-upper-case run of two or more letters (spelled unless listed in UPPER_WORDS)."""
    return len(word) >= 2 and word.isupper()


def _strings_of(*, value: object) -> list[str]:
    """The strings held by a text constant: itself, or the strings of a tuple or of a dict's values."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        value = tuple(value.values())
    return [v for v in value if isinstance(v, str)] if isinstance(value, tuple) else []


def vocabulary_words() -> tuple[str, ...]:
    """The sorted vocabulary words: every letter run of the prompt texts, templates and shipped lists."""
    lex = lexicon_load()
    sources: list[str] = []
    for module in (texts, story_text):
        for name, value in vars(module).items():
            if not name.isupper():
                continue
            sources.extend(_strings_of(value=value))
    for group in (lex.words, lex.names, lex.places, lex.events, lex.item_adjectives, lex.item_materials,
                  lex.item_kinds):
        sources.extend(group)
    words = {w for text in sources for w in _WORD.findall(_SLOT.sub(" ", text))}
    words = {w for w in words if not _is_upper_run(w)} | set(texts.UPPER_WORDS)
    return tuple(sorted(words))


@dataclass(frozen=True)
class WordTokenizer:
    """A closed word-level tokenizer over a fixed word list (see the module docstring for the id layout)."""

    words: tuple[str, ...]

    def __post_init__(self) -> None:
        """Check the word list and build the lookup tables (through object.__setattr__: frozen)."""
        bad = [w for w in self.words if not isinstance(w, str) or not _WORD.fullmatch(w)]
        if bad:
            raise ValueError(f"vocabulary words must be letter runs, got {bad[:5]!r}")
        if list(self.words) != sorted(set(self.words)):
            raise ValueError("vocabulary words must be sorted and unique")
        fixed = SPECIALS + TAGS + SPACES + PUNCT + DIGITS + LETTERS + PAIRS
        strings = list(fixed) + list(self.words) + [" " + w for w in self.words]
        layout: dict[str, int] = {}
        start = 0
        for name, block in (("specials", SPECIALS), ("tags", TAGS), ("spaces", SPACES), ("punct", PUNCT),
                            ("digits", DIGITS), ("letters", LETTERS), ("pairs", PAIRS),
                            ("words", self.words), ("sp_words", self.words)):
            layout[name] = start
            start += len(block)
        object.__setattr__(self, "_strings", tuple(strings))
        object.__setattr__(self, "_layout", layout)
        object.__setattr__(self, "_word_index", {w: i for i, w in enumerate(self.words)})
        object.__setattr__(self, "_fixed_ids", {s: i for i, s in enumerate(fixed[:layout["letters"]])})
        object.__setattr__(self, "_letter_base", layout["letters"])
        object.__setattr__(self, "_silent", frozenset((0, 2, 3)))

    def __repr__(self) -> str:
        """A short form: the size and digest, not the word list."""
        return f"WordTokenizer(vocab_size={self.vocab_size}, digest={self.digest[:12]})"

    @property
    def vocab_size(self) -> int:
        """The number of token ids."""
        return len(self._strings)

    @property
    def layout(self) -> dict[str, int]:
        """First id of each block: specials, tags, spaces, punct, digits, letters, pairs, words, sp_words."""
        return dict(self._layout)

    @property
    def digest(self) -> str:
        """SHA-256 of the id -> string table: equal digests mean identical tokenizers."""
        return hashlib.sha256("\x00".join(self._strings).encode()).hexdigest()

    def token_id(self, *, token: str) -> int:
        """The id of a special, tag, whitespace, punctuation or digit token, or of a (spaced) word."""
        if token in self._fixed_ids:
            return self._fixed_ids[token]
        spaced = token.startswith(" ")
        index = self._word_index.get(token[1:] if spaced else token)
        if index is None:
            raise ValueError(f"token {token!r} is not in the vocabulary")
        return self._layout["sp_words" if spaced else "words"] + index

    def id_string(self, *, token_id: int) -> str:
        """The text of one token id (specials included, e.g. '<pad>')."""
        if not 0 <= token_id < len(self._strings):
            raise ValueError(f"token id {token_id} is outside 0..{len(self._strings) - 1}")
        return self._strings[token_id]

    def _spell(self, *, run: str, out: list[int]) -> None:
        """Append one letter token per character of `run`."""
        base = self._letter_base
        out.extend(base + _LETTER_INDEX[ch] for ch in run)

    def _key(self, *, key: str, out: list[int]) -> None:
        """Append a key's tokens: each 8-character group as 4 pair tokens, '-' between groups."""
        pair_base, dash = self._layout["pairs"], self._fixed_ids["-"]
        for g, group in enumerate(key.split("-")):
            if g:
                out.append(dash)
            for k in range(0, 8, 2):
                out.append(pair_base + 36 * _KEY_INDEX[group[k]] + _KEY_INDEX[group[k + 1]])

    def encode(self, *, text: str) -> list[int]:
        """Token ids of `text` (no <bos>/<eos> added)."""
        out: list[int] = []
        fixed, words, layout = self._fixed_ids, self._word_index, self._layout
        for m in _PIECE.finditer(text):
            kind, piece = m.lastgroup, m.group()
            if kind == "word":
                spaced = piece[0] == " "
                run = piece[1:] if spaced else piece
                index = words.get(run)
                if index is not None:
                    out.append(layout["sp_words" if spaced else "words"] + index)
                    continue
                if spaced:
                    out.append(fixed[" "])
                self._spell(run=run, out=out)
            elif kind == "key":
                if piece[0] == " ":
                    out.append(fixed[" "])
                    piece = piece[1:]
                self._key(key=piece, out=out)
            else:
                out.append(fixed.get(piece, fixed["<unk>"]))
        return out

    def decode(self, *, ids: list[int] | tuple[int, ...]) -> str:
        """The text of `ids`; <pad>, <bos> and <eos> decode to nothing, <unk> to '<unk>'."""
        return "".join(self.id_string(token_id=i) for i in ids if i not in self._silent)

    def count(self, *, text: str) -> int:
        """The number of tokens of `text` (what the target lengths are measured in)."""
        return len(self.encode(text=text))


@cache
def tokenizer_frontier() -> WordTokenizer:
    """The tokenizer of the frontier tasks, built once from the shipped texts and lists."""
    return WordTokenizer(words=vocabulary_words())
