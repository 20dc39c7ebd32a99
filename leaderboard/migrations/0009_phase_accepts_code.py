"""Phase.accepts_code: off by default; on for the phases of benchmarks that already take code (.py files)."""

from django.db import migrations, models


def code_phases_on(apps, schema_editor):
    """Phases of a benchmark with a file format taking .py took code before the setting existed: keep that."""
    Phase = apps.get_model("leaderboard", "Phase")
    for phase in Phase.objects.select_related("benchmark"):
        formats = phase.benchmark.formats or []
        if any(
            isinstance(f, dict) and f.get("kind") == "file"
            and "py" in [str(e).lower().lstrip(".") for e in f.get("extensions", ())]
            for f in formats
        ):  # fmt: skip
            phase.accepts_code = True
            phase.save(update_fields=["accepts_code"])


class Migration(migrations.Migration):

    dependencies = [
        ('leaderboard', '0008_benchmark_data_stage'),
    ]

    operations = [
        migrations.AddField(
            model_name='phase',
            name='accepts_code',
            field=models.BooleanField(default=False, help_text="takes the benchmark's code formats (the submitter's module, run in the sandbox); the benchmark's declaration is copied when the phase is created, then it is the host's setting"),
        ),
        migrations.RunPython(code_phases_on, migrations.RunPython.noop),
    ]
