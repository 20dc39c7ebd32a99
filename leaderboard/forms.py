"""Portal forms: the submission form (file or JSON method config) and the sign-up form."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm

from leaderboard.services.accounts import username_problem
from leaderboard.services.payloads import config_text_parse


class SubmissionForm(forms.Form):
    """A submission: method metadata plus a file upload and/or a JSON config, as the benchmark accepts."""

    method_name = forms.CharField(max_length=120, label="Method name")
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    paper_url = forms.URLField(required=False, label="Paper URL", assume_scheme="https")
    code_url = forms.URLField(required=False, label="Code URL", assume_scheme="https")
    upload = forms.FileField(required=False, label="Submission file")
    config = forms.CharField(
        required=False,
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
        elif extensions:
            self.fields["upload"].widget.attrs["accept"] = ",".join(extensions)
            self.fields["upload"].help_text = "Accepted: " + ", ".join(extensions)
        if "config" not in kinds:
            del self.fields["config"]

    def clean_upload(self):
        """The uploaded file; a request carrying several is refused, not silently cut to one."""
        count = len(self.files.getlist("upload")) if hasattr(self.files, "getlist") else 0
        if count > 1:
            raise forms.ValidationError(f"{count} files were sent; send exactly one.")
        return self.cleaned_data.get("upload")

    def clean_config(self) -> dict | None:
        """Parse the JSON text into an object (None when left empty)."""
        text = self.cleaned_data.get("config", "").removeprefix("\ufeff").strip()
        if not text:
            return None
        try:
            return config_text_parse(text=text)
        except ValueError as exc:
            text = str(exc)
            raise forms.ValidationError(f"{text[:1].upper()}{text[1:]}.") from None

    def clean(self) -> dict:
        """Require exactly one payload: a file or a config."""
        data = super().clean()
        has_file = bool(data.get("upload"))
        has_config = data.get("config") is not None
        if has_file and has_config:
            raise forms.ValidationError("Give either a file or a configuration, not both.")
        if not has_file and not has_config and not self.has_error("config"):
            field = "upload" if "file" in self.kinds else "config"
            needed = "file" if field == "upload" else "configuration"
            self.add_error(field, f"This benchmark needs a {needed}.")
        return data


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
