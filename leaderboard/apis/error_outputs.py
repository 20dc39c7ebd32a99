"""Serializers that document the API's refusal bodies (built in apis/errors.py; a test keeps them equal)."""

from __future__ import annotations

from rest_framework import serializers

from leaderboard.apis.outputs import QuotaSerializer


class TooLargeSerializer(serializers.Serializer):
    """413: the payload is over the upload limit; nothing was stored."""

    detail = serializers.CharField()
    limit_bytes = serializers.IntegerField()
    size_bytes = serializers.IntegerField()


class QuotaExceededSerializer(serializers.Serializer):
    """429 from the quota: the message and the caller's quota in the phase."""

    detail = serializers.CharField()
    quota = QuotaSerializer()


class AccountUnverifiedSerializer(serializers.Serializer):
    """403: the account's e-mail address is not verified yet; nothing stored, no quota used."""

    detail = serializers.CharField()
    code = serializers.CharField(help_text='"account_unverified"')
    verification_url = serializers.CharField(help_text="the portal page that mails a new link")


class StorageUnavailableSerializer(serializers.Serializer):
    """507 (full) or 503 (otherwise unavailable): a storage area cannot take the write; nothing stored."""

    detail = serializers.CharField()
    storage = serializers.CharField(help_text='the storage area, e.g. "submission"')


class DetailSerializer(serializers.Serializer):
    """A refusal with its message only (403 closed phase or not allowed, 409 invalid transition, 503)."""

    detail = serializers.CharField()


class UploadRefusedSerializer(serializers.Serializer):
    """400 from the benchmark's checks at upload: a summary, then the problems under the payload's field
    ("file" or "config") and any other field's problems under its own name (lists of messages)."""

    detail = serializers.CharField()
    file = serializers.ListField(child=serializers.CharField(), required=False)
    config = serializers.ListField(child=serializers.CharField(), required=False)
