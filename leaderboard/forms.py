"""Portal forms: the submission form (file or JSON method config) and the sign-up form."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm

from leaderboard.services.accounts import username_problem
from leaderboard.services.submission_rules import DESCRIPTION_MAX, METHOD_NAME_MAX


class SubmissionForm(forms.Form):
    """A submission: method metadata plus a file upload and/or a JSON config, as the benchmark accepts.

    It parses only (text, a file, check boxes); the rules (limits, URL schemes, exactly one payload sent
    once, extensions, the config's JSON) are the service's (leaderboard.services.submission_rules), whose
    field errors the submit view shows on these fields. The size hints below come from the same rules."""

    method_name = forms.CharField(
        required=False,
        label="Method name",
        widget=forms.TextInput(attrs={"required": True, "maxlength": METHOD_NAME_MAX}),
    )
    description = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3, "maxlength": DESCRIPTION_MAX})
    )
    paper_url = forms.CharField(required=False, label="Paper URL", widget=forms.URLInput)
    code_url = forms.CharField(required=False, label="Code URL", widget=forms.URLInput)
    upload = forms.FileField(required=False, allow_empty_file=True, label="Submission file")
    config = forms.CharField(
        required=False,
        strip=False,
        label="Method configuration (JSON)",
        widget=forms.Textarea(attrs={"rows": 8, "class": "mono", "spellcheck": "false"}),
    )
    is_public = forms.BooleanField(
        required=False,
        initial=True,
        label="List on the public leaderboard",
        help_text="Once scored, anyone can open its page: method, description, links, scores and per-item "
        "results; never your file, code, log or errors.",
    )
    is_anonymous = forms.BooleanField(
        required=False, label="List without my user name", help_text='Its page and row say "anonymous".'
    )

    def __init__(self, *args, kinds: tuple[str, ...], extensions: tuple[str, ...] = (), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.kinds = kinds
        if "file" not in kinds:
            del self.fields["upload"]
        elif extensions:  # stored without the dot (leaderboard.specrows); HTML's accept wants ".zip"
            dotted = [f".{e.lstrip('.')}" for e in extensions]
            self.fields["upload"].widget.attrs["accept"] = ",".join(dotted)
            self.fields["upload"].help_text = "Accepted: " + ", ".join(dotted)
        if "config" not in kinds:
            del self.fields["config"]

    def clean_config(self) -> str | None:
        """The JSON text as typed (None when left empty); the service parses and judges it."""
        text = self.cleaned_data.get("config") or ""
        return text if text.removeprefix("\ufeff").strip() else None

    def parts_sent(self, name: str) -> int:
        """How many parts of a field the request carried (several files are the service's to refuse)."""
        source = self.files if name == "upload" else self.data
        return len(source.getlist(name)) if name in self.fields and hasattr(source, "getlist") else 0

    def service_values(self) -> dict:
        """The parsed values as submission_create and submission_input_check take them."""
        data = self.cleaned_data
        return {
            "method_name": data.get("method_name", ""),
            "description": data.get("description", ""),
            "paper_url": data.get("paper_url", ""),
            "code_url": data.get("code_url", ""),
            "upload": data.get("upload") or None,
            "config": data.get("config"),
            "upload_parts": self.parts_sent("upload"),
            "config_parts": self.parts_sent("config"),
        }


class SignUpForm(UserCreationForm):
    """Sign-up with a user name, an e-mail address (verified by a mailed link before the first submission)
    and a password typed twice."""

    email = forms.EmailField(
        help_text="We mail you a link to verify it; you can submit once it is verified. "
        "One account per address."
    )

    class Meta(UserCreationForm.Meta):
        fields = ("username", "email")

    def clean_username(self) -> str:
        """Django's checks (format, taken in any case), then the platform's reserved names."""
        username = super().clean_username()
        problem = username_problem(username=username or "")
        if problem:
            raise forms.ValidationError(problem)
        return username

    def clean_email(self) -> str:
        """An address no other account uses (compared case-insensitively)."""
        email = self.cleaned_data["email"].strip()
        if get_user_model().objects.filter(email__iexact=email).exists():
            raise forms.ValidationError("An account already uses this e-mail address.")
        return email
