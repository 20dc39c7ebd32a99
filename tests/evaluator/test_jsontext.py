"""Specs of the hostile-input-safe JSON loader: every refusal names the element, nothing crashes."""

from __future__ import annotations

import pytest

from evaluator.jsontext import JsonTextError, json_text_load, json_value_check


def test_json_text_load_accepts_a_utf8_bom_in_text_and_bytes():
    assert json_text_load(text="\ufeff{\"a\": 1}") == {"a": 1}
    assert json_text_load(text=b"\xef\xbb\xbf{\"a\": [1, 2.5]}") == {"a": [1, 2.5]}


@pytest.mark.parametrize("text", ["[" * 100_000 + "]" * 100_000, "{\"a\":" * 50_000 + "1" + "}" * 50_000])
def test_json_text_load_refuses_deep_nesting_without_crashing(text):
    with pytest.raises(JsonTextError, match="nested more than 32 levels"):
        json_text_load(text=text)


def test_json_text_load_names_the_path_of_a_value_nested_too_deeply():
    text = "{\"a\": {\"b\": " + "[" * 40 + "]" * 40 + "}}"
    with pytest.raises(JsonTextError) as caught:
        json_text_load(text=text)
    assert caught.value.path.startswith("a.b[0]")


def test_json_text_load_names_a_huge_integer_without_converting_it():
    with pytest.raises(JsonTextError) as caught:
        json_text_load(text="{\"k\": [1, " + "7" * 5000 + "]}")
    assert caught.value.path == "k[1]" and "5000 digits" in caught.value.message
    assert json_text_load(text="{\"seed\": 18446744073709551615}") == {"seed": 2**64 - 1}


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_json_text_load_refuses_non_finite_numbers(literal):
    with pytest.raises(JsonTextError, match="finite") as caught:
        json_text_load(text=f"{{\"x\": {literal}}}")
    assert caught.value.path == "x"


def test_json_text_load_reports_syntax_errors_with_line_and_column():
    with pytest.raises(JsonTextError, match="line 1 column 2"):
        json_text_load(text="{not json")
    with pytest.raises(JsonTextError, match="not UTF-8"):
        json_text_load(text=b"{\"a\": \"\xff\"}")


def test_json_value_check_refuses_values_built_in_python():
    deep: list = []
    for _ in range(100):
        deep = [deep]
    with pytest.raises(JsonTextError, match="nested"):
        json_value_check(value={"d": deep})
    with pytest.raises(JsonTextError, match="digits") as caught:
        json_value_check(value={"n": 10**30})
    assert caught.value.path == "n"
    with pytest.raises(JsonTextError, match="not a JSON value"):
        json_value_check(value={"s": {1, 2}})


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        ('{"guess": "\\ud800"}', "guess", "unpaired UTF-16 surrogate"),
        ('{"a": ["ok", "x\\u0000"]}', "a[1]", "NUL character"),
        ('{"\\u0000k": 1}', "", "a key holds a NUL character"),
    ],
)
def test_json_text_load_refuses_text_no_database_can_store(text, where, message):
    with pytest.raises(JsonTextError) as caught:
        json_text_load(text=text)
    assert caught.value.path == where and message in caught.value.message
    assert json_text_load(text='{"ok": "\\ud83d\\ude00 caf\\u00e9"}') == {"ok": "\U0001f600 café"}
