"""Record which data a submission answers and a score was computed on (Benchmark.data_id)."""

from django.db import migrations, models


def legacy_data_ids(apps, schema_editor):
    """Data built before data ids existed is named by its version alone; its rows inherit that id."""
    Benchmark = apps.get_model("leaderboard", "Benchmark")
    Submission = apps.get_model("leaderboard", "Submission")
    Score = apps.get_model("leaderboard", "Score")
    for benchmark in Benchmark.objects.all():
        legacy = benchmark.version
        if benchmark.data_status == "ready":
            Benchmark.objects.filter(pk=benchmark.pk).update(data_id=legacy)
        Submission.objects.filter(phase__benchmark=benchmark).update(data_id=legacy)
        Score.objects.filter(submission__phase__benchmark=benchmark).update(data_id=legacy)


class Migration(migrations.Migration):
    dependencies = [("leaderboard", "0004_entry_chart_positions")]

    operations = [
        migrations.AddField(
            model_name="benchmark",
            name="data_id",
            field=models.CharField(
                blank=True,
                help_text="identity of the data in service: <version>+<hash of origin and secret>; empty before any",
                max_length=64,
            ),
        ),
        migrations.AddField(
            model_name="submission",
            name="data_id",
            field=models.CharField(
                blank=True, help_text="the benchmark data this submission answers (Benchmark.data_id)", max_length=64
            ),
        ),
        migrations.AddField(
            model_name="score",
            name="data_id",
            field=models.CharField(blank=True, help_text="the data scored against (Benchmark.data_id)", max_length=64),
        ),
        migrations.RunPython(legacy_data_ids, migrations.RunPython.noop),
    ]
