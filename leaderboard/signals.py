"""Board upkeep for writes that reach a board without a service: cascaded deletes and user renames."""

from __future__ import annotations

from functools import partial

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models.signals import post_delete, pre_save

from leaderboard.models import Submission
from leaderboard.services.artefacts import submission_artefacts_delete
from leaderboard.services.board_inputs import leaderboards_settle_on_commit, user_entries_relabel


def _submission_deleted(sender, instance: Submission, **kwargs) -> None:
    """A scored submission deleted (alone or with its owner) took its entries: recount, recompute frontier."""
    if instance.status == Submission.Status.SCORED:
        leaderboards_settle_on_commit(phase_ids=[instance.phase_id])
    pk = instance.pk
    transaction.on_commit(lambda: submission_artefacts_delete(submission_id=pk))


def _user_saving(sender, instance, update_fields=None, **kwargs) -> None:
    """A user renamed: the boards listing their entries show the new name."""
    if instance.pk is None or (update_fields is not None and "username" not in update_fields):
        return
    before = sender.objects.filter(pk=instance.pk).values_list("username", flat=True).first()
    if before is not None and before != instance.username:
        transaction.on_commit(partial(user_entries_relabel, user_id=instance.pk))


def signals_connect() -> None:
    """Connect the receivers (from the app's ready())."""
    post_delete.connect(_submission_deleted, sender=Submission, dispatch_uid="sb-submission-deleted")
    pre_save.connect(_user_saving, sender=get_user_model(), dispatch_uid="sb-user-renamed")
