"""entry_path_template: the address of an entry's page, reversed once for a page of rows."""

from __future__ import annotations

from django.urls import reverse, set_script_prefix

from leaderboard.entry_urls import entry_path_template


def test_entry_path_template_gives_the_reversed_path_of_any_submission():
    template = entry_path_template()
    for submission_id in (1, 10, 987654321, 2**40):
        assert template.format(submission_id) == reverse("submission-detail", args=[submission_id])


def test_entry_path_template_honours_the_script_prefix():
    set_script_prefix("/bench/")
    try:
        assert entry_path_template().format(7) == "/bench/submissions/7/"
    finally:
        set_script_prefix("/")
